"""The page as Chinese readers use it (#35): input methods, phones, facets
that lead somewhere, the year chart, the start page as the collection's
front door, corrections shown as results, Chinese messages, the document
view's contents and match navigation.

Browser tests drive Debian's Chromium with Playwright against real
gunicorn servers: one over a small collection the test writes, one over
the real reports collection in ../shared when it is there.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import REPORTS, SEED, Gunicorn, Server, fetch
from tests.test_browser import browser  # noqa: F401  (the fixtures)
from tests.test_browser import server as seed_only  # noqa: F401  (the corpus `make run` serves)
from tests.test_collection import MARKDOWN, PROVINCE, national

PHONE = {"width": 390, "height": 844}
HALF_WIDTH = r"[\u4e00-\u9fff][,:;!?]|[,:;!?][\u4e00-\u9fff]"  # in Chinese text: ，：；！？
DESKTOP = {"width": 1280, "height": 900}


def q(text: str) -> str:
    return quote(text)


def api(base: str, path: str) -> dict:
    status, _, body = fetch(base, path)
    assert status == 200, (path, body[:300])
    return json.loads(body)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Seven dated reports of the kind tests.test_collection writes, and
    the real seed article."""
    files = {f"gwr-{y}-national.txt": national(y) for y in (2015, 2017, 2019, 2024, 2025)}
    files.update({"gwr-2026-guangdong.txt": PROVINCE, "gwr-2026-shanghai.md": MARKDOWN,
                  SEED.name: SEED.read_text(encoding="utf-8")})
    srv = Server(tmp_path_factory.mktemp("reader"), files)
    yield srv.base
    srv.stop()


@pytest.fixture(scope="module")
def collection(reports, tmp_path_factory):
    """The real collection served (skipped with its reason when absent)."""
    _, _, index = reports
    folder = tmp_path_factory.mktemp("collection")
    env = dict(os.environ, SEARCHSVC_CORPUS=str(REPORTS), SEARCHSVC_INDEX=str(index),
               WEB_CONCURRENCY="2", GUNICORN_ACCESSLOG="/dev/null")
    srv = Gunicorn(["-c", "python:searchsvc.ops.gunicorn_conf", "searchsvc:create_app()"],
                   folder, env)
    yield srv.base
    srv.stop()


def new_page(browser, viewport=DESKTOP, js=True):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


# --------------------------------------------------------------------------
# Input methods
# --------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.server
def test_a_composition_searches_nothing_until_it_is_committed(browser, small):  # noqa: F811
    """Typing 营商 through a pinyin input method: while `yingshang` is being
    composed no search, suggestion or history entry; the committed text
    searches at once. Real composition events, through the DevTools
    protocol, not inserted text."""
    page = new_page(browser)
    page.goto(small + "/")
    page.wait_for_selector("body[data-enhanced]")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "q=" in r.url else None)
    page.locator("#q").focus()
    history = page.evaluate("history.length")
    cdp = page.context.new_cdp_session(page)
    typed = ""
    for letter in "yingshang":
        typed += letter
        cdp.send("Input.imeSetComposition", {"text": typed, "selectionStart": len(typed),
                                             "selectionEnd": len(typed)})
        page.wait_for_timeout(60)
    assert page.locator("#q").input_value() == "yingshang"  # the composition is in the box
    page.wait_for_timeout(700)  # past the search-as-you-type pause and the suggestion delay
    assert asked == [], asked
    assert page.evaluate("history.length") == history and "q=" not in page.url
    cdp.send("Input.insertText", {"text": "营商"})  # the reader picks 营商
    page.wait_for_url(re.compile(r"q=" + re.escape(q("营商"))), timeout=2_000)
    page.wait_for_function("document.body.getAttribute('data-loaded') === location.href")
    assert page.evaluate("history.length") == history + 1
    assert all("yingshang" not in url and "ying" not in url for url in asked), asked
    assert any("/api/suggest" in url and q("营商") in url for url in asked)
    expect(page.locator("li.hit").first).to_be_visible()
    # Enter while composing belongs to the input method, not to the form
    page.locator("#q").fill("")
    cdp.send("Input.imeSetComposition", {"text": "huanjing", "selectionStart": 8, "selectionEnd": 8})
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert "huanjing" not in page.url and all("huanjing" not in url for url in asked)
    page.context.close()


@pytest.mark.browser
@pytest.mark.server
def test_slash_focuses_the_box_and_the_start_page_is_focused(browser, small):  # noqa: F811
    page = new_page(browser)
    page.goto(small + "/")
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus on the front door
    page.goto(small + "/?q=" + q("营商环境"))
    page.wait_for_selector("body[data-enhanced]")
    page.locator("h1, .summary").first.click()
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").input_value() == "营商环境"  # "/" is not typed into it
    page.context.close()


# --------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------

def first_hit_top(browser, base, path, js):  # noqa: F811
    page = new_page(browser, PHONE, js)
    page.goto(base + path)
    box = page.locator("li.hit h3").first.bounding_box()
    filters = page.locator("details.filters")
    closed = filters.count() == 0 or filters.first.get_attribute("open") is None
    page.context.close()
    return box, closed


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.parametrize("js", [True, False])
def test_results_come_first_on_a_phone(browser, small, js):  # noqa: F811
    box, closed = first_hit_top(browser, small, "/?q=" + q("营商环境") + "&from=2015", js)
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    assert closed, "the filters wait behind 筛选 on a phone"


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.parametrize("js", [True, False])
def test_results_come_first_on_a_phone_on_the_collection(browser, collection, js):  # noqa: F811
    for query in ("营商环境", "科技创新 人才", "粮食安全"):
        box, closed = first_hit_top(browser, collection, "/?q=" + q(query), js)
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], (query, box)
        assert closed


@pytest.mark.browser
@pytest.mark.server
def test_the_filters_open_on_a_phone_and_show_on_a_desktop(browser, small):  # noqa: F811
    page = new_page(browser, PHONE)
    page.goto(small + "/?q=" + q("营商环境"))
    expect(page.locator(".facets")).to_be_hidden()
    page.locator("details.filters > summary").click()
    expect(page.locator(".facets")).to_be_visible()
    expect(page.locator("form.refine input[name=from]")).to_be_visible()
    page.context.close()
    for js in (True, False):
        page = new_page(browser, DESKTOP, js)
        page.goto(small + "/?q=" + q("营商环境"))
        expect(page.locator(".facets")).to_be_visible()
        expect(page.locator("details.filters > summary")).to_be_hidden()
        page.context.close()


# --------------------------------------------------------------------------
# Facets and the year chart
# --------------------------------------------------------------------------

def facet_links(page) -> list[str]:
    return page.eval_on_selector_all(
        ".facets a", "els => els.map(a => new URL(a.getAttribute('href'), location.href).href)")


def check_every_facet_link_finds(base, page, path):
    page.goto(base + path)
    links = facet_links(page)
    assert links, "the filtered search shows facets"
    for url in links:
        assert api(base, "/api/search?" + urlsplit(url).query)["total"] > 0, url
    return links


@pytest.mark.browser
@pytest.mark.server
def test_every_facet_link_under_a_date_filter_finds_something(browser, small):  # noqa: F811
    page = new_page(browser)
    links = check_every_facet_link_finds(small, page, "/?q=" + q("营商环境") + "&from=2017&to=2019")
    assert any("source=" in u for u in links) or any("doc=" in u for u in links)
    page.context.close()


@pytest.mark.browser
@pytest.mark.server
def test_every_facet_link_under_a_date_filter_finds_something_on_the_collection(
        browser, collection):  # noqa: F811
    page = new_page(browser)
    for path in ("/?q=" + q("营商环境") + "&from=2018&to=2022",
                 "/?q=" + q("科技") + "&from=1978&to=1990&source=" + q("国务院"),
                 "/?q=" + q("营商环境") + "&doc=gwr-2019-national"):
        links = check_every_facet_link_finds(collection, page, path)
        texts = page.locator(".facets").inner_text()
        assert "2026年重点工作" not in texts, "a section of another year's report"
        if "doc=" in path:
            assert page.locator(".facets h2", has_text="章节").count() == 1  # one report: its sections
        else:
            assert page.locator(".facets h2", has_text="章节").count() == 0  # reports first
        assert len(links) < 141
    page.context.close()


@pytest.mark.browser
@pytest.mark.server
def test_the_year_chart_has_a_bar_per_year_and_its_bars_filter(browser, collection):  # noqa: F811
    page = new_page(browser)
    query = "营商环境"
    page.goto(collection + "/?q=" + q(query))
    facets = api(collection, "/api/search?q=" + q(query))["facets"]
    years = {f["value"]: f for f in facets["year"]}
    documents = {f["value"]: f["count"] for f in facets["year_documents"]}
    bars = page.locator("svg.years a.bar")
    assert sorted(bars.evaluate_all("els => els.map(e => e.dataset.year)")) == sorted(years)
    alt = page.locator(".chart-text").inner_text()
    first, last = min(years), max(years)
    assert first in alt and last in alt
    assert [t.text_content() for t in page.locator("svg.years text").all()] == [first, last]
    title = page.locator(f"svg.years a.bar[data-year='{last}'] title").text_content()
    assert f"{years[last]['count']} 段" in title and f"{documents[last]} 篇" in title
    chosen = sorted(years)[len(years) // 2]
    page.locator(f"svg.years a.bar[data-year='{chosen}'] rect.hit-area").click()
    page.wait_for_url(re.compile(rf"from={chosen}&to={chosen}"))
    dates = page.locator("li.hit .dated").all_inner_texts()
    assert dates and all(d.startswith(chosen) for d in dates)
    assert page.locator("svg.years a.bar.chosen").evaluate_all(
        "els => els.map(e => e.dataset.year)") == [chosen]
    page.context.close()


def test_the_terminal_gets_the_years_in_one_line(reports):
    from searchsvc.cli import year_line
    from searchsvc.engine.search import search

    snap, _, _ = reports
    line = year_line(search(snap, "营商环境").facets["year"])
    assert "\n" not in line and line.startswith("年份 ") and "最多 2026 年" in line
    assert year_line([]) == ""


# --------------------------------------------------------------------------
# The front door
# --------------------------------------------------------------------------

def start_page_documents(base, page) -> set[str]:
    found, url = set(), base + "/"
    while url:
        page.goto(url)
        found |= {h.split("/doc/")[1] for h in page.eval_on_selector_all(
            ".intro .docs a", "els => els.map(a => a.href)")}
        following = page.locator(".intro a[rel=next]")
        url = following.get_attribute("href") if following.count() else None
        url = url and base + url
    return found


@pytest.mark.browser
@pytest.mark.server
def test_every_document_is_reachable_from_the_start_page(browser, collection):  # noqa: F811
    page = new_page(browser)
    documents = {d["doc_id"] for d in api(collection, "/api/documents")["documents"]}
    assert len(documents) == 99
    assert start_page_documents(collection, page) == documents
    page.goto(collection + "/")
    intro = page.locator(".intro").inner_text()
    assert "99 篇" in intro and "1954—2026" in intro and "34 个来源" in intro
    for sample in ("一半山水一半城", "答卷3", "粤港澳大湾区", "PM2.5"):
        assert sample not in page.content(), sample  # nothing of the sample article
    example = page.locator(".examples a").first
    word = example.inner_text()
    example.click()
    page.wait_for_url(re.compile(r"q="))
    assert page.locator("li.hit mark").first.inner_text() == word
    page.goto(collection + "/")
    section = re.search(r"section:(\S+?)</code>", page.content()).group(1)
    assert api(collection, "/api/search?q=" + q(f"section:{section}"))["total"] > 0
    page.context.close()


def test_the_start_page_pages_its_documents(tmp_path, monkeypatch):
    from searchsvc import create_app
    from searchsvc.indexer import rebuild as indexer
    from searchsvc.web import views
    from tests.conftest import write_corpus

    corpus = write_corpus(tmp_path / "corpus", {
        f"r{i:02d}.txt": f"报告{i}\n\n来源:机关{i % 3}    20{10 + i}年01月0{1 + i % 9}日\n第{i}号报告的正文。"
        for i in range(12)})
    indexer.build_index(corpus, tmp_path / "index")
    monkeypatch.setattr(views, "START_PAGE_DOCUMENTS", 5)
    client = create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(tmp_path / "index"),
                         "TESTING": True}).test_client()
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/?page={page}").get_data(as_text=True)
        seen += re.findall(r'href="/doc/(r\d\d)"', html)
        assert f"第 {page}/3 页" in html
    assert sorted(seen) == [f"r{i:02d}" for i in range(12)]
    assert seen[0] == "r11"  # newest first
    past = client.get("/?page=9").get_data(as_text=True)
    assert "没有第 9 页了" in past
    front = client.get("/").get_data(as_text=True)
    intro = front[front.index('<section class="intro">'):front.index("</section>")]
    assert "共 12 篇文档" in intro and "2010—2021 年" in intro and "来自 3 个来源" in intro
    assert "source:机关" in intro and "section:" not in intro  # no section to show one with
    assert "报告" in re.findall(r'class="examples">(.*?)</p>', intro)[0]


# --------------------------------------------------------------------------
# Corrections
# --------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.server
def test_a_typo_shows_the_corrected_results(browser, seed_only, collection):  # noqa: F811
    for base in (seed_only, collection):
        page = new_page(browser)
        page.goto(base + "/?q=" + q("营商坏境"))
        notice = page.locator(".notice.corrected")
        expect(notice).to_contain_text("以下是「营商环境」的结果")
        marks = page.locator("li.hit mark").all_inner_texts()
        assert marks and all("营商环境" in m or m in "营商环境" for m in marks)
        assert "营商环境" in marks
        for missing in page.locator("li.hit .missing").all_inner_texts():
            assert "坏境" not in missing  # what is missing is missing from the correction
        body = api(base, "/api/search?q=" + q("营商坏境"))
        assert body["corrected_to"] == body["did_you_mean"] == "营商环境" and body["query"] == "营商坏境"
        # 仍然搜索: the typo as typed, with the correction offered
        page.locator("a.as-typed").click()
        page.wait_for_url(re.compile(r"as_typed=1"))
        expect(page.locator(".did-you-mean a")).to_have_text("营商环境")
        # a 缺少 link never leads to an empty page
        for link in page.locator("li.hit .missing a").evaluate_all("els => els.map(a => a.href)"):
            assert api(base, "/api/search?" + urlsplit(link).query)["total"] > 0, link
        assert page.locator("li.hit .missing s", has_text="坏境").count() > 0
        assert page.locator("li.hit .missing a", has_text="坏境").count() == 0
        # the document opened from a corrected hit marks the correction
        page.goto(base + "/?q=" + q("营商坏境"))
        page.locator("li.hit h3 a").first.click()
        page.wait_for_url(re.compile(r"/doc/"))
        assert "营商环境" in page.locator("article mark").first.inner_text()
        page.context.close()


# --------------------------------------------------------------------------
# Chinese throughout
# --------------------------------------------------------------------------

BAD = [("from", "去年"), ("to", "2019-13"), ("page", "abc"), ("page", "0"), ("per_page", "1000"),
       ("sort", "newest"), ("group", "report"), ("as_typed", "yes")]


@pytest.mark.browser
@pytest.mark.server
def test_a_refused_parameter_is_said_in_chinese_beside_what_was_typed(browser, small):  # noqa: F811
    page = new_page(browser)
    cases = [f"q={q('营商环境')}&{name}={q(value)}" for name, value in BAD]
    cases += [f"q={q('营商环境')}&from=2022&to=2015", "q=" + "罗" * 1001]
    for case in cases:
        page.goto(small + "/?" + case)
        error = page.locator("p.error")
        expect(error).to_have_count(1)
        text = error.inner_text()
        typed = re.findall(r"“[^”]*”", text)
        bare = re.sub(r"“[^”]*”|（[^）]*）", "", text)
        assert not re.search(r"[A-Za-z]{2,}", bare), (case, text)
        assert page.locator("p.error").count() == 1 and text.count("。") <= 2, text
        for name, value in BAD:
            if case.endswith(f"&{name}={q(value)}") and name in ("from", "to"):
                assert page.locator(f"input[name={name}]").input_value() == value
                assert typed == [f"“{value}”"]
        if not case.startswith("q=罗"):
            assert page.locator("#q").input_value() == "营商环境"
        assert "Traceback" not in page.content()
    page.context.close()


@pytest.mark.browser
@pytest.mark.server
def test_small_things_a_reader_notices(browser, small):  # noqa: F811
    page = new_page(browser)
    page.goto(small + "/?q=" + q("营商环境"))
    # one link per hit, and a citation to copy
    hit = page.locator("li.hit").first
    hrefs = hit.evaluate("li => [...li.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert len({h for h in hrefs if h.startswith("/doc/")}) == 1
    hit.locator(".cite summary").click()
    citation = hit.locator(".cite textarea").input_value()
    title = hit.locator("h3").inner_text()
    assert citation.startswith(f"《{title}》") and "第 " in citation and "/doc/" in citation
    assert citation.split("。")[-1].startswith("http")
    # full-width punctuation in the page's Chinese text
    for part in (".summary", "form.refine", ".chart", ".facets h2", ".notice"):
        for text in page.locator(part).all_inner_texts():
            assert not re.search(HALF_WIDTH, text), text
    page.goto(small + "/")
    text = page.locator(".intro").evaluate(
        "el => { const c = el.cloneNode(true); c.querySelectorAll('code, .docs').forEach(x => x.remove());"
        " return c.innerText; }")  # the operators' syntax and the titles as the files give them
    assert "section:" not in text and not re.search(HALF_WIDTH, text), text
    # a page past the last says so and links the last
    last = api(small, "/api/search?q=" + q("营商环境"))["pages"]
    page.goto(small + "/?q=" + q("营商环境") + "&page=99")
    empty = page.locator(".empty").inner_text()
    assert "没有第 99 页了" in empty and f"共 {last} 页" in empty and "99/" not in page.locator(".summary").inner_text()
    page.locator(".empty a", has_text="最后一页").click()
    page.wait_for_url(re.compile(rf"page={last}") if last > 1 else re.compile(r"q="))
    assert page.locator("li.hit").count() > 0
    # a favicon
    icon = page.request.get(small + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert page.locator("link[rel=icon]").count() == 1
    page.context.close()


def test_a_signed_number_excludes_or_requires(make_index):
    from searchsvc.engine import search as S
    from searchsvc.engine.snapshot import open_current

    _, index_dir, _ = make_index({"a.txt": "标题\n\n2026年营商环境再上台阶。\n\n营商环境持续优化。\n\n2019-2025年营商环境。"})
    snap = open_current(index_dir)
    try:
        assert [h.paragraph for h in S.search(snap, "营商环境 -2026").hits] == [2, 3]
        assert [h.paragraph for h in S.search(snap, "营商环境 +2026").hits] == [1]
        assert [h.paragraph for h in S.search(snap, "2019-2025").hits if h.exact] == [3]
    finally:
        snap.close()


def test_corrections_on_a_small_corpus_and_as_typed(make_index):
    from searchsvc.engine import search as S
    from searchsvc.engine.snapshot import open_current

    _, index_dir, _ = make_index({"a.txt": "标题\n\n优化营商环境。\n\n持续改善营商环境。\n\n生态环境。"})
    snap = open_current(index_dir)
    try:
        fixed = S.search(snap, "营商坏境")
        assert fixed.corrected_to == "营商环境" and fixed.query == "营商坏境"
        assert [h.paragraph for h in fixed.hits] == [1, 2] and all(h.exact for h in fixed.hits)
        typed = S.search(snap, "营商坏境", as_typed=True)
        assert typed.corrected_to is None and typed.did_you_mean == "营商环境"
        assert "坏境" in typed.absent and not any(h.exact for h in typed.hits)
        assert S.search(snap, "营商环境").corrected_to is None
        assert S.search(snap, "火星基地").corrected_to is None  # nothing near it
    finally:
        snap.close()


def test_a_word_found_outside_the_filters_is_never_replaced(make_index):
    """A rare word that some paragraph holds is no typo to answer for: under
    a date range that leaves it out, the correction is offered, not shown."""
    from searchsvc.engine import search as S
    from searchsvc.engine.snapshot import open_current

    often = "\n\n".join(f"第{i}条：优化营商环境。" for i in range(12))
    _, index_dir, _ = make_index({
        "a.txt": f"新报告\n\n来源:甲    2020年01月01日\n\n{often}",
        "b.txt": "旧报告\n\n来源:乙    2010年01月01日\n\n这里写作营商坏境。"})
    snap = open_current(index_dir)
    try:
        ranged = S.search(snap, "营商坏境", date_from="2015")
        assert ranged.did_you_mean == "营商环境" and ranged.corrected_to is None
        assert S.search(snap, "营商坏境").hits[0].exact  # found as typed: nothing to correct
    finally:
        snap.close()


def test_facets_are_counted_with_the_other_filters(reports):
    """Each facet value's count is what adding it to the other filters finds."""
    from searchsvc.engine.search import search

    snap, _, _ = reports
    result = search(snap, "营商环境", date_from="2018", date_to="2022")
    facets = result.facets
    assert facets["section"] and all("2026" not in f.value for f in facets["section"])
    for f in facets["source"]:
        alone = search(snap, "营商环境", source=[f.value], date_from="2018", date_to="2022")
        assert alone.total == f.count
    for f in facets["year"][:12]:
        assert search(snap, "营商环境", date_from=f.value, date_to=f.value).total == f.count
    assert "2026" in {f.value for f in facets["year"]}  # the date range's own facet: every year
    chosen = search(snap, "营商环境", source=["国务院"])
    assert len(chosen.facets["source"]) > 1  # the other sources stay choices


# --------------------------------------------------------------------------
# The document view
# --------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.server
def test_the_document_view_has_contents_and_steps_through_every_match(browser, small):  # noqa: F811
    page = new_page(browser)
    page.goto(small + "/doc/luohu-2019?q=" + q("罗湖"))
    toc = page.locator("details.toc")
    entries = toc.locator("a")
    assert entries.count() >= 8
    toc.locator("summary").click()
    target = entries.nth(3).get_attribute("href")
    entries.nth(3).click()
    assert page.evaluate("location.hash") == target
    marks = page.locator("article.document mark")
    total = marks.count()
    assert total > 10
    assert f"共 {total} 处" in page.locator(".match-nav").inner_text()
    page.locator("h1").click()
    seen = []
    for _ in range(total):
        page.keyboard.press("n")
        at = int(page.locator(".match-nav").get_attribute("data-at"))
        seen.append(at)
        current = page.locator("article.document mark.current")
        expect(current).to_have_count(1)
        box = current.bounding_box()
        assert 0 <= box["y"] <= DESKTOP["height"], at
    assert seen == list(range(1, total + 1))
    page.keyboard.press("n")
    assert page.locator(".match-nav").get_attribute("data-at") == "1"  # round again
    page.keyboard.press("p")
    assert page.locator(".match-nav").get_attribute("data-at") == str(total)
    page.locator(".match-prev").click()
    assert page.locator(".match-nav").get_attribute("data-at") == str(total - 1)
    page.context.close()


@pytest.mark.browser
@pytest.mark.server
def test_the_document_view_marks_what_the_results_marked(browser, collection):  # noqa: F811
    page = new_page(browser)
    for query in ("yingshanghuanjing", '"营商环境优化提升" 营商环境'):
        page.goto(collection + "/?q=" + q(query))
        marked = page.locator("li.hit mark").first.inner_text()
        page.locator("li.hit h3 a").first.click()
        page.wait_for_url(re.compile(r"/doc/"))
        assert marked in page.locator("article mark").all_inner_texts(), query
    page.context.close()


def test_a_cached_answer_says_so(client):
    first = client.get("/?q=" + q("罗湖 木头龙")).get_data(as_text=True)
    assert "毫秒" in first and "缓存" not in first
    again = client.get("/?q=" + q("罗湖 木头龙")).get_data(as_text=True)
    assert "取自缓存" in again and "0.0 毫秒" not in again


def test_error_pages_are_in_chinese(client):
    for path, status in (("/doc/no-such-report", 404), ("/no/such/page", 404)):
        response = client.get(path)
        html = response.get_data(as_text=True)
        message = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1)
        assert response.status_code == status and "没有" in message
        assert not re.search(r"[A-Za-z]{2,}", re.sub(r"“[^”]*”", "", message)), message


@pytest.mark.browser
@pytest.mark.server
def test_pictures_of_the_collection(browser, collection):  # noqa: F811
    """The README's and the docs' pictures, taken on the 99 reports (kept
    by `make screenshots`), each checked for what it is meant to show."""
    from tests.test_browser import shot

    page = new_page(browser)
    page.goto(collection + "/")
    expect(page.locator(".intro h1")).to_have_text("搜索 99 篇文档")
    shot(page, "front")
    page.goto(collection + "/?q=" + q("营商环境") + "&from=2018&to=2022")
    expect(page.locator("svg.years a.bar.chosen").first).to_be_visible()
    expect(page.locator(".facets")).to_be_visible()
    shot(page, "results")
    page.goto(collection + "/?q=" + q("营商环境") + "&from=2015&sort=date&group=doc")
    expect(page.locator(".summary")).to_contain_text("篇报告")
    shot(page, "collection")
    page.goto(collection + "/?q=" + q("营商坏境"))
    expect(page.locator(".notice.corrected")).to_be_visible()
    shot(page, "did-you-mean")
    page.goto(collection + "/?q=yingshanghuanjing")
    expect(page.locator(".notice.interpreted")).to_be_visible()
    shot(page, "pinyin")
    page.goto(collection + "/doc/gwr-2019-national?q=" + q("营商环境"))
    page.locator("details.toc summary").click()
    page.keyboard.press("n")
    page.keyboard.press("n")
    expect(page.locator("mark.current")).to_be_in_viewport()
    expect(page.locator(".match-nav")).to_be_in_viewport()  # it stays at the top
    shot(page, "document")
    page.context.close()
    phone = new_page(browser, PHONE)
    phone.goto(collection + "/?q=" + q("营商环境"))
    expect(phone.locator("li.hit").first).to_be_in_viewport()
    shot(phone, "phone")
    phone.context.close()
