"""The search page in a real browser: Playwright driving Debian's Chromium
against a real gunicorn server. `make test` installs Chromium (and CJK
fonts) when they are missing.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import SEED, Server

CHROMIUM = os.environ.get("SEARCHSVC_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync"]
SHOTS = os.environ.get("SCREENSHOT_DIR")

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    files = {SEED.name: SEED.read_text(encoding="utf-8")}
    for extra in ("_dictionary.txt", "_synonyms.txt"):
        files[extra] = (SEED.parent / extra).read_text(encoding="utf-8")
    srv = Server(tmp_path_factory.mktemp("browser"), files)
    yield srv.base
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Chromium (Debian package chromium)")

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def q(text: str) -> str:
    return quote(text)


def shot(page, name: str | None = None) -> None:
    """Screenshot, checked to show something; kept for the README when asked
    and named (the README's pictures are of the reports collection:
    tests/test_reader.py)."""
    from PIL import Image

    png = page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    low, high = image.convert("L").getextrema()
    assert high - low > 100, f"{name}: the page looks blank"
    colors = image.getcolors(maxcolors=1 << 16)
    assert colors is None or len(colors) > 20, f"{name}: the page looks blank"
    if SHOTS and name:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        small = image.quantize(colors=64)
        small.save(Path(SHOTS) / f"{name}.png", optimize=True)


def hits(page):
    return page.locator("li.hit")


def test_typing_searches_and_keeps_the_url_in_sync(page, server):
    page.goto(server + "/")
    page.wait_for_selector("body[data-enhanced]")
    page.locator("#q").press_sequentially("营商环境", delay=40)
    page.wait_for_url(re.compile(r"q=" + re.escape(q("营商环境"))))
    expect(hits(page)).to_have_count(6)  # 2 with 营商环境, then 4 with only 环境
    assert page.locator("li.hit mark").first.inner_text() == "营商环境"
    assert "其中 2 个完全匹配" in page.locator(".summary").inner_text()
    assert page.locator("li.hit").nth(2).locator(".missing").inner_text() == "缺少：营商环境"
    shot(page)
    # the URL is shareable: opened fresh it shows the same results
    page.goto(page.url)
    assert hits(page).count() == 6


def test_back_returns_to_the_last_settled_page(page, server):
    page.goto(server + "/")
    page.wait_for_selector("body[data-enhanced]")
    page.locator("#q").press_sequentially("罗湖", delay=40)
    page.wait_for_url(re.compile(r"q=" + re.escape(q("罗湖")) + "$"))
    page.wait_for_selector("li.hit")
    page.locator("#q").press_sequentially("营商环境", delay=40)
    page.wait_for_url(re.compile(r"q=" + re.escape(q("罗湖营商环境"))))
    page.go_back()
    page.wait_for_url(server + "/")
    expect(hits(page)).to_have_count(0)
    page.go_forward()
    page.wait_for_url(re.compile(r"q=" + re.escape(q("罗湖营商环境"))))
    page.wait_for_selector("li.hit")
    assert page.locator("#q").input_value() == "罗湖营商环境"


def test_open_a_paragraph_and_come_back(page, server):
    page.goto(server + "/?q=" + q("木头龙"))
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url(re.compile(r"/doc/luohu-2019\?q=.*#p15$"))
    target = page.locator("#p15")
    assert target.locator("mark").first.inner_text() == "木头龙"
    assert target.is_visible()
    box = target.bounding_box()
    assert 0 <= box["y"] < 900, "the clicked paragraph is scrolled into view"
    for label in ("南方都市报", "2020-01-03", "张一鎏"):
        assert label in page.locator(".docmeta").inner_text()
    assert page.locator("h2.section").count() == 8
    shot(page)
    page.locator(".back a").click()
    page.wait_for_url(re.compile(r"/\?q=" + re.escape(q("木头龙"))))
    assert hits(page).count() == 1
    page.go_back()
    page.wait_for_url(re.compile(r"#p15$"))
    page.go_back()
    assert hits(page).count() == 1


def test_pages_forward_and_filters(page, server):
    page.goto(server + "/?q=" + q("罗湖"))
    first = hits(page).first.inner_text()
    page.locator("a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert hits(page).count() == 10 and hits(page).first.inner_text() != first
    assert page.locator(".pager [aria-current=page]").inner_text() == "2"
    page.locator(".facets a", has_text="答卷3").click()
    page.wait_for_url(re.compile(r"section="))
    assert "找到 5 个段落" in page.locator(".summary").inner_text()
    assert all(" · 答卷3 · " in t for t in page.locator(".where").all_inner_texts())
    page.locator(".chip").click()
    page.wait_for_url(re.compile(r"^(?!.*section=)"))
    assert "找到 29 个段落" in page.locator(".summary").inner_text()


def test_suggestions_work_with_the_keyboard(page, server):
    page.goto(server + "/")
    page.wait_for_selector("body[data-enhanced]")
    box = page.locator("#q")
    box.press_sequentially("粤港", delay=40)
    page.wait_for_selector("#suggestions:not([hidden]) li")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.locator("#suggestions li")
    assert any("粤港澳大湾区" in t for t in options.all_inner_texts())
    box.press("ArrowDown")
    first = options.first.get_attribute("data-text")
    assert options.first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == "suggestion-0"
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=" + re.escape(q(first))))
    assert box.input_value() == first
    page.wait_for_selector("li.hit")
    assert page.locator("#suggestions").is_hidden()
    box.press("End")
    box.press_sequentially(" 研究", delay=40)
    page.wait_for_selector("#suggestions:not([hidden]) li")
    box.press("Escape")
    assert page.locator("#suggestions").is_hidden()


def test_the_page_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "/")
    pg.fill("#q", "营商环境")
    pg.press("#q", "Enter")
    pg.wait_for_url(re.compile(r"/\?q="))
    assert pg.locator("#q").input_value() == "营商环境"
    assert pg.locator("li.hit").count() == 6
    assert pg.evaluate("document.body.hasAttribute('data-enhanced')") is False
    pg.locator("li.hit h3 a").first.click()
    pg.wait_for_url(re.compile(r"#p10$"))
    context.close()


def test_phone_width(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True)
    pg = context.new_page()
    pg.goto(server + "/?q=" + q("罗湖"))
    assert pg.locator("li.hit").count() == 10
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, "no sideways scrolling on a phone"
    assert pg.locator("#q").bounding_box()["width"] > 150
    shot(pg)
    pg.goto(server + "/doc/luohu-2019?q=" + q("罗湖") + "#p18")
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    context.close()


def test_keyboard_only(page, server):
    page.goto(server + "/")
    page.wait_for_selector("body[data-enhanced]")
    assert page.evaluate("document.activeElement.id") == "q"  # the front door is focused
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") != "q"
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("一半山水一半城")
    page.keyboard.press("Enter")
    expect(hits(page).first.locator(".badge")).to_have_text("完整匹配")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('li.hit') !== null"):
            break
    assert page.evaluate("document.activeElement.closest('li.hit') !== null")
    # keyboard focus is visible
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#p18$"))


def test_labels_contrast_and_no_external_resources(page, server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "/?q=" + q("营商环境"))
    assert page.locator("label[for=q]").count() == 1
    assert all(u.startswith(server) for u in requests), requests
    ratio = page.evaluate("""() => {
      function lum(c) {
        const v = c.match(/\\d+/g).slice(0, 3).map(Number).map(x => x / 255)
          .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
      }
      function ratio(el) {
        const s = getComputedStyle(el);
        let bg = s.backgroundColor, p = el;
        while (bg === 'rgba(0, 0, 0, 0)' && p.parentElement) { p = p.parentElement; bg = getComputedStyle(p).backgroundColor; }
        if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
        const a = lum(s.color), b = lum(bg);
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      }
      const els = document.querySelectorAll('.summary, .where, .snippet, .snippet mark, .hit h3 a, .facets a, .count, button, .foot');
      return Math.min(...Array.from(els).map(ratio));
    }""")
    assert ratio >= 4.5, f"lowest text contrast {ratio:.2f}:1"


def test_empty_state_and_bad_input(page, server):
    page.goto(server + "/?q=" + q("火星"))
    assert "没有找到与「火星」相关的段落" in page.locator(".empty").inner_text()
    assert page.locator(".empty a").count() >= 2
    page.goto(server + "/?q=" + q("罗湖") + "&page=abc")
    assert page.locator("[role=alert]").is_visible()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A small collection of dated reports (tests.test_collection's)."""
    from tests.test_collection import MARKDOWN, PROVINCE, national

    files = {f"gwr-{y}-national.txt": national(y) for y in (2015, 2017, 2019, 2024, 2025)}
    files.update({"gwr-2026-guangdong.txt": PROVINCE, "gwr-2026-shanghai.md": MARKDOWN})
    srv = Server(tmp_path_factory.mktemp("reports"), files)
    yield srv.base
    srv.stop()


def test_date_range_sort_and_grouping_work_without_javascript(browser, reports):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.goto(reports + "/?q=" + q("营商环境"))
    pg.fill("input[name=from]", "2015")
    pg.fill("input[name=to]", "2019")
    pg.select_option("select[name=sort]", "date")
    pg.check("input[name=group]")
    pg.locator("form.refine button").click()
    pg.wait_for_url(re.compile(r"from=2015.*to=2019.*sort=date.*group=doc"))
    dates = [t.split(" · ")[0] for t in pg.locator("li.hit .dated").all_inner_texts()]
    assert dates == ["2019-03-05", "2017-03-05", "2015-03-05"]  # one a report, newest first
    assert "来自 3 篇报告" in pg.locator(".summary").inner_text()
    assert pg.locator("input[name=from]").input_value() == "2015"
    others = pg.locator("li.hit a.others").first
    count = int(re.search(r"另有 (\d+) 处", others.inner_text()).group(1))
    others.click()
    pg.wait_for_url(re.compile(r"doc=gwr-2019-national"))
    assert pg.locator("li.hit").count() == count + 1
    assert {t for t in pg.locator("li.hit .dated").all_inner_texts()} == {"2019-03-05 · 国务院"}
    # a bad date is said on the page, not a stack trace
    pg.fill("input[name=from]", "2019-13")
    pg.locator("form.refine button").click()
    pg.wait_for_url(re.compile(r"from=2019-13"))
    assert "无法识别起始日期“2019-13”" in pg.locator("p.error").inner_text()
    assert pg.locator("input[name=from]").input_value() == "2019-13"  # what was typed stays
    context.close()


def test_a_new_query_keeps_the_date_range_and_sort(page, reports):
    page.goto(reports + "/?q=" + q("营商环境") + "&from=2024&sort=date&group=doc")
    page.wait_for_function("document.body.hasAttribute('data-enhanced')")
    shot(page)
    page.fill("#q", "科教兴国")
    page.wait_for_url(re.compile(r"q=%E7%A7%91.*from=2024.*sort=date.*group=doc"))
    page.wait_for_function("document.body.getAttribute('data-loaded') === location.href")
    years = {t[:4] for t in page.locator("li.hit .dated").all_inner_texts()}
    assert years and years <= {"2024", "2025"}
    # a year facet narrows to that year; browsing a report with the box empty lists it
    page.locator(".facets a[href*='from=2025']").click()
    page.wait_for_url(re.compile(r"from=2025&to=2025"))
    page.goto(reports + "/?doc=gwr-2025-national")
    assert page.locator("li.hit").count() == 9 and "找到 9 个段落" in page.locator(".summary").inner_text()
    assert page.locator("li.hit .where").first.inner_text().endswith("第 1 段")


def test_typos_pinyin_and_relaxed_quotes_are_said_on_the_page(page, reports):
    """The notices of #25 as a user meets them, typing in the box: a typo's
    correction is a link that searches it, pinyin says what it searched,
    and a quoted phrase found nowhere says its quotes were dropped."""
    page.goto(reports + "/")
    page.wait_for_function("document.body.hasAttribute('data-enhanced')")
    page.fill("#q", "营商坏境")
    page.wait_for_url(re.compile(r"q=%E8%90%A5%E5%95%86%E5%9D%8F"))
    page.wait_for_function("document.body.getAttribute('data-loaded') === location.href")
    expect(page.locator(".notice.corrected")).to_contain_text("以下是「营商环境」的结果。仍然搜索：营商坏境")
    assert hits(page).count() and "营商环境" in page.locator("li.hit mark").first.inner_text()
    shot(page)
    page.locator(".notice.corrected a.as-typed").click()
    page.wait_for_url(re.compile(r"as_typed=1"))
    correction = page.locator(".did-you-mean a")
    expect(correction).to_have_text("营商环境")
    correction.click()
    page.wait_for_url(re.compile(r"q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83$"))
    expect(page.locator(".did-you-mean")).to_have_count(0)
    expect(page.locator(".notice.corrected")).to_have_count(0)
    assert hits(page).count() and "营商环境" in page.locator("li.hit mark").first.inner_text()

    page.fill("#q", "yingshanghuanjing")
    page.wait_for_url(re.compile(r"q=yingshanghuanjing"))
    page.wait_for_function("document.body.getAttribute('data-loaded') === location.href")
    expect(page.locator(".notice.interpreted")).to_contain_text("按拼音搜索：营商环境")
    shot(page)
    assert "营商环境" in page.locator("li.hit mark").first.inner_text()

    page.fill("#q", '"三过家门而不入" 营商环境')
    page.wait_for_url(re.compile(r"q=%22%E4%B8%89"))
    page.wait_for_function("document.body.getAttribute('data-loaded') === location.href")
    expect(page.locator(".notice.relaxed")).to_contain_text(
        "没有找到完全匹配「三过家门而不入」的结果，以下为去掉引号的结果")
    assert hits(page).count()
