"""A collection of dated reports: metadata from every format, headings
by rule, filters by date, source and tag, newest first, one hit per
report, and browsing with filters alone, through the engine, the API,
the page and the command line."""

from __future__ import annotations

import re

import docx
import pytest
from click.testing import CliRunner

from searchsvc import create_app
from searchsvc.cli import main
from searchsvc.dates import parse_date
from searchsvc.engine import snapshot as snapshots
from searchsvc.engine.params import BadParameter
from searchsvc.engine.search import search
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest import corpus
from searchsvc.ingest.headings import Outline, parse_rules
from searchsvc.ingest.text import parse_text
from tests.conftest import SEED, write_corpus


def national(year: int, *, extra: str = "") -> str:
    """A work report in the collection's plain-text form: title, deck,
    byline, then numbered headings, a run-in subsection and paragraphs."""
    return f"""{year}年国务院政府工作报告
——{year}年3月5日在全国人民代表大会上
来源:国务院    {year}年03月05日    作者:总理
各位代表：
一、{year - 1}年工作回顾
过去一年，我们持续优化营商环境，{year}年第一段。
经济运行总体平稳，就业稳定。
二、{year}年政府工作任务
（一）大力推进现代化产业体系建设，加快发展新质生产力。充分发挥创新主导作用，优化营商环境。
（二）深入实施科教兴国战略。
强化高质量发展的基础支撑，{year}年教育投入继续增加。
一、固定资产投资总规模，包括国家预算内的拨款、自筹资金和银行贷款，都必须进行综合平衡，统一纳入国家计划。不论哪个地区和部门，都不能例外。{extra}
"""


PROVINCE = """广东省政府工作报告
日期: 2026-01
来源: 广东省人民政府
标签: 省级, 华南
一、2025年工作回顾
营商环境持续改善，市场主体活力增强。
"""

MARKDOWN = """---
title: 上海市政府工作报告
date: 2026-01-20
source: 上海市人民政府
tags: [省级, 华东]
---
# 上海市政府工作报告

## 一、2025年工作回顾

营商环境持续优化。

（一）推动高质量发展。

浦东开发开放继续深化。
"""

HTML = """<!doctype html><html><head><meta charset="utf-8"><title>浙江省政府工作报告</title>
<meta name="keywords" content="省级,华东"><meta name="source" content="浙江省人民政府">
<meta name="date" content="2026-01-22"></head><body><article><h1>浙江省政府工作报告</h1>
<p>营商环境改革不断深入，数字经济继续领先，民营经济活力进一步增强。</p>
<p>共同富裕示范区建设取得新进展，城乡居民收入差距继续缩小。</p></article></body></html>"""

BAD_DATE = """某市工作报告
日期: 2019-13-40
来源: 某市人民政府
营商环境专项行动取得成效。
"""

TABLE = """file,date,source,tags
gwr-2019-national.txt,,,国家级;政府工作报告
yearonly.txt,2018,某县人民政府,县级
nothere.txt,2020,,
"""


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    base = tmp_path_factory.mktemp("collection")
    files = {f"gwr-{y}-national.txt": national(y) for y in (2015, 2017, 2019, 2024, 2025)}
    files.update({"gwr-2026-guangdong.txt": PROVINCE, "gwr-2026-shanghai.md": MARKDOWN,
                  "gwr-2026-zhejiang.html": HTML, "bad-date.txt": BAD_DATE,
                  "yearonly.txt": "某县工作报告\n营商环境评价位居全市前列。\n",
                  "_metadata.csv": TABLE})
    folder = write_corpus(base / "corpus", files)
    word = docx.Document()
    word.add_heading("江苏省政府工作报告", 0)
    word.add_paragraph("营商环境综合评价继续位居全国前列，外资企业投资信心增强。")
    word.core_properties.keywords = "省级；华东"
    word.core_properties.category = "江苏省人民政府"
    from datetime import datetime
    word.core_properties.created = datetime(2026, 1, 25)
    word.save(folder / "gwr-2026-jiangsu.docx")
    report = indexer.build_index(folder, base / "index")
    snap = snapshots.open_current(base / "index")
    yield snap, report, base
    snap.close()


def entry(snap, doc_id):
    return snap.documents[doc_id]


# -- metadata ---------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("2024年3月5日", "2024-03-05"), ("2024年03月", "2024-03"), ("2024年", "2024"),
    ("2024", "2024"), ("2024-3-5", "2024-03-05"), ("2024/03", "2024-03"),
    ("2024.3.5", "2024-03-05"), ("20240305", "2024-03-05"), ("２０２４年３月", "2024-03"),
    ("2024-03-05T10:00:00+08:00", "2024-03-05"),
])
def test_dates_of_every_precision_read_as_iso(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text, tags", [
    ("省级, 华东", ["省级", "华东"]), ("省级；华东、华南", ["省级", "华东", "华南"]),
    ("省级 华东  省级", ["省级", "华东"]), ("work report, national", ["work report", "national"]),
    ("  ", []),
])
def test_tags_split_as_typed(text, tags):
    from searchsvc.ingest.metadata import split_tags

    assert split_tags(text) == tags


@pytest.mark.parametrize("text", ["2019-13", "2019-02-30", "abc", "19年", "", "2019-1-1-1", "١٩٩٠",
                                  "0000"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_every_format_gives_date_source_and_tags(collection):
    snap, _, _ = collection
    got = {d: (e["date"], e["source"], e["tags"]) for d in snap.documents
           if (e := entry(snap, d))}
    assert got["gwr-2024-national"][:2] == ("2024-03-05", "国务院")
    assert got["gwr-2026-guangdong"] == ("2026-01", "广东省人民政府", ["省级", "华南"])
    assert got["gwr-2026-shanghai"] == ("2026-01-20", "上海市人民政府", ["省级", "华东"])
    assert got["gwr-2026-zhejiang"] == ("2026-01-22", "浙江省人民政府", ["省级", "华东"])
    assert got["gwr-2026-jiangsu"] == ("2026-01-25", "江苏省人民政府", ["省级", "华东"])
    assert entry(snap, "gwr-2026-shanghai")["title"] == "上海市政府工作报告"


def test_the_metadata_table_overrides_and_bad_metadata_is_named(collection):
    snap, report, _ = collection
    assert entry(snap, "gwr-2019-national")["tags"] == ["国家级", "政府工作报告"]
    assert entry(snap, "gwr-2019-national")["date"] == "2019-03-05"  # empty cells keep the file's
    assert (entry(snap, "yearonly")["date"], entry(snap, "yearonly")["source"]) == \
        ("2018", "某县人民政府")
    bad = entry(snap, "bad-date")
    assert bad["date"] == "" and bad["source"] == "某市人民政府"  # indexed without the date
    assert any(n.startswith("bad-date.txt: header: '日期: 2019-13-40' kept as text (date not read")
               for n in report.notes)
    assert any("nothere.txt" in n for n in report.notes)
    # its text is searchable, the readable header is not a paragraph, the unreadable line is (#36)
    assert search(snap, "营商环境专项行动", doc=["bad-date"]).total == 1
    assert [p["text"] for p in snap.paragraphs("bad-date")] == ["日期: 2019-13-40",
                                                                "营商环境专项行动取得成效。"]


def test_a_broken_metadata_table_is_named_and_the_rest_indexed(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": PROVINCE, "_metadata.csv": "name,when\nx,y\n"})
    out = CliRunner().invoke(main, ["rebuild", "--corpus", str(folder), "--index",
                                    str(tmp_path / "i")])
    assert out.exit_code == 0, out.output
    assert "_metadata.csv: not read" in out.output and "1 documents" in out.output


def test_markdown_front_matter_that_is_not_yaml_is_named(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.md": "---\ndate: [2019\n---\n# 标题\n\n正文一段。\n"})
    report = indexer.build_index(folder, tmp_path / "i")
    assert report.documents == 1 and any("a.md: front matter not read" in n for n in report.notes)


# -- headings ---------------------------------------------------------------

def test_numbered_headings_become_sections_and_headings(collection):
    snap, _, _ = collection
    paras = snap.paragraphs("gwr-2024-national")
    def placed(start):
        return next((p["section"], p["heading"]) for p in paras if p["text"].startswith(start))

    assert placed("各位代表：") == ("", "")
    # a heading line stays a paragraph (its words are found), the first of its section
    assert placed("一、2023年工作回顾") == ("一、2023年工作回顾", "")
    assert placed("（二）深入实施") == ("二、2024年政府工作任务", "（二）深入实施科教兴国战略")
    assert placed("过去一年") == ("一、2023年工作回顾", "")
    # a run-in heading: the paragraph stays whole, its lead sentence is its heading
    assert placed("（一）大力推进") == ("二、2024年政府工作任务",
                                   "（一）大力推进现代化产业体系建设，加快发展新质生产力")
    assert placed("强化高质量发展") == ("二、2024年政府工作任务", "（二）深入实施科教兴国战略")
    # a numbered list item that is a whole paragraph stays a paragraph, under its section
    assert placed("一、固定资产投资") == ("二、2024年政府工作任务", "（二）深入实施科教兴国战略")
    hit = search(snap, "新质生产力", doc=["gwr-2024-national"]).hits[0]
    assert hit.section == "二、2024年政府工作任务" and hit.heading.startswith("（一）")
    facets = dict(search(snap, "营商环境").facets["section"])
    assert facets["一、2023年工作回顾"] == 1
    found = search(snap, "科教兴国战略", doc=["gwr-2024-national"]).hits[0]
    assert found.text == "（二）深入实施科教兴国战略。" and found.heading == "（二）深入实施科教兴国战略"


def test_markdown_and_html_headings_and_numbered_lines_under_them(collection):
    snap, _, _ = collection
    paras = snap.paragraphs("gwr-2026-shanghai")
    assert [(p["section"], p["heading"], p["text"]) for p in paras] == [
        ("一、2025年工作回顾", "", "营商环境持续优化。"),
        ("一、2025年工作回顾", "（一）推动高质量发展", "（一）推动高质量发展。"),
        ("一、2025年工作回顾", "（一）推动高质量发展", "浦东开发开放继续深化。")]


@pytest.mark.parametrize("lines, expected", [
    # numbers must start at one and go up: a number in text is not a heading
    (["1.5 倍行距", "正文。"], [("", "", "1.5 倍行距"), ("", "", "正文。")]),
    (["1. 总体要求", "正文。", "1.1 目标", "正文二。", "2. 重点任务", "正文三。"],
     [("1. 总体要求", "", "1. 总体要求"), ("1. 总体要求", "", "正文。"),
      ("1. 总体要求", "1.1 目标", "1.1 目标"), ("1. 总体要求", "1.1 目标", "正文二。"),
      ("2. 重点任务", "", "2. 重点任务"), ("2. 重点任务", "", "正文三。")]),
    (["第一章 总则", "第一条 正文。", "第二章 附则", "一、说明", "正文。"],
     [("第一章 总则", "", "第一章 总则"), ("第一章 总则", "", "第一条 正文。"),
      ("第二章 附则", "", "第二章 附则"), ("第二章 附则", "一、说明", "一、说明"),
      ("第二章 附则", "一、说明", "正文。")]),
    (["三、没有从一开始", "正文。"], [("", "", "三、没有从一开始"), ("", "", "正文。")]),
])
def test_heading_rules_on_lines(lines, expected):
    doc = parse_text("标题\n" + "\n".join(lines), "d")
    assert [(p.section, p.heading, p.text) for p in doc.paragraphs] == expected


def test_the_seed_profile_is_one_rule_and_a_corpus_may_bring_its_own(tmp_path):
    seed = corpus.read_document(SEED)
    assert [s["label"] for s in seed.sections][:3] == ["答卷1", "答卷2", "答卷3"]
    assert all(s["heading"] for s in seed.sections if s["label"].startswith("答卷"))
    # a corpus's own rules: only its box labels, no numbering
    rules = parse_rules("label ^【(.+)】$\n")
    outline = Outline(rules)
    assert outline.read("【要闻】", "【要闻】") == (True, "")
    assert outline.read("一、不是标题", "一、不是标题") == (False, "")
    assert outline.section == "【要闻】"
    folder = write_corpus(tmp_path / "c", {"a.txt": "标题\n【要闻】\n一、不是标题\n正文。\n",
                                           "_headings.txt": "label ^【(.+)】$\n"})
    indexer.build_index(folder, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        assert [(p["section"], p["text"]) for p in snap.paragraphs("a")] == [
            ("【要闻】", "一、不是标题"), ("【要闻】", "正文。")]
    finally:
        snap.close()
    (folder / "_headings.txt").write_text("numbered [unclosed\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["rebuild", "--corpus", str(folder), "--index",
                                    str(tmp_path / "i")])
    assert out.exit_code != 0 and "_headings.txt: line 1" in out.output


# -- the engine -------------------------------------------------------------

def test_a_date_range_keeps_only_those_years(collection):
    snap, _, _ = collection
    everything = search(snap, "营商环境", per_page=100)
    ranged = search(snap, "营商环境", date_from="2015", date_to="2020", per_page=100)
    assert ranged.total and ranged.total < everything.total
    assert {h.date[:4] for h in ranged.hits} == {"2015", "2017", "2018", "2019"}
    month = search(snap, "营商环境", date_from="2026-01-21", date_to="2026-01", per_page=100)
    assert {h.doc_id for h in month.hits} == {"gwr-2026-guangdong", "gwr-2026-zhejiang",
                                              "gwr-2026-jiangsu"}  # 2026-01 overlaps
    assert ranged.filters["from"] == ["2015"] and ranged.filters["to"] == ["2020"]
    assert search(snap, "营商环境", date_to="2020年3月").filters == {"to": ["2020-03"]}
    for bad in (dict(date_from="2019-13"), dict(date_to="abc"),
                dict(date_from="2021", date_to="2019")):
        with pytest.raises(BadParameter):
            search(snap, "营商环境", **bad)


def test_sort_by_date_puts_the_newest_first_with_the_same_total(collection):
    snap, _, _ = collection
    by_relevance = search(snap, "营商环境", per_page=100)
    by_date = search(snap, "营商环境", sort="date", per_page=100)
    assert by_date.total == by_relevance.total
    dates = [h.date for h in by_date.hits]
    assert dates[0].startswith("2026")
    keys = [d or "0" for d in dates]
    assert keys == sorted(keys, key=lambda d: (d + "-99-99")[:10], reverse=True) or \
        all(a[:4] >= b[:4] for a, b in zip(keys, keys[1:]))
    assert dates[-1] == "" or dates[-1] <= dates[0]
    assert sorted(h.id for h in by_date.hits) == sorted(h.id for h in by_relevance.hits)
    paged = [h.id for p in (1, 2, 3) for h in search(snap, "营商环境", sort="date", page=p,
                                                      per_page=3).hits]
    assert paged == [h.id for h in by_date.hits][:9]


def test_group_by_document_gives_one_hit_each_and_counts_the_rest(collection):
    snap, _, _ = collection
    flat = search(snap, "营商环境", per_page=100)
    grouped = search(snap, "营商环境", group="doc", per_page=100)
    assert len({h.doc_id for h in grouped.hits}) == len(grouped.hits) == grouped.groups
    assert sum(1 + h.more for h in grouped.hits) == grouped.total == flat.total
    first_per_doc = {}
    for h in flat.hits:
        first_per_doc.setdefault(h.doc_id, h.id)
    assert [h.id for h in grouped.hits] == list(first_per_doc.values())  # each its best
    pages = [h.id for p in (1, 2) for h in search(snap, "营商环境", group="doc", page=p,
                                                   per_page=3).hits]
    assert pages == [h.id for h in grouped.hits][:6]
    assert search(snap, "营商环境", group="doc", per_page=3).pages == -(-grouped.groups // 3)
    newest = search(snap, "营商环境", group="doc", sort="date", per_page=100)
    assert [h.date for h in newest.hits][:4] == ["2026-01-25", "2026-01-22", "2026-01-20",
                                                "2026-01"]


def test_filters_by_source_and_tag_and_the_facets(collection):
    snap, _, _ = collection
    national = search(snap, "营商环境", source=["国务院"], per_page=100)
    assert national.total and {h.source for h in national.hits} == {"国务院"}
    east = search(snap, "营商环境", tag=["华东"], per_page=100)
    assert {h.doc_id for h in east.hits} == {"gwr-2026-shanghai", "gwr-2026-zhejiang",
                                             "gwr-2026-jiangsu"}
    assert search(snap, "营商环境", tag=["华东"], source=["浙江省人民政府"]).total == 1
    typed = search(snap, "营商环境 tag:华东 source:浙江省人民政府")
    assert typed.total == 1 and typed.filters == {"tag": ["华东"], "source": ["浙江省人民政府"]}
    facets = search(snap, "营商环境").facets
    years = [f.value for f in facets["year"]]
    assert years == sorted(years, reverse=True) and "2026" in years
    assert dict(facets["source"])["国务院"] == national.total


def test_an_empty_query_with_a_filter_lists_in_reading_order(collection):
    snap, _, _ = collection
    listed = search(snap, "", doc=["gwr-2024-national"], per_page=100)
    assert [h.paragraph for h in listed.hits] == list(range(1, listed.total + 1))
    assert listed.total == len(snap.paragraphs("gwr-2024-national"))
    assert all(h.matches == [] and h.fragments for h in listed.hits)
    section = search(snap, "", section=["一、2023年工作回顾"], per_page=100)
    assert [h.id for h in section.hits] == ["gwr-2024-national#p2", "gwr-2024-national#p3",
                                            "gwr-2024-national#p4"]
    newest = search(snap, "", tag=["省级"], sort="date", group="doc")
    assert [h.doc_id for h in newest.hits] == ["gwr-2026-jiangsu", "gwr-2026-zhejiang",
                                               "gwr-2026-shanghai", "gwr-2026-guangdong"]
    assert search(snap, "").total == 0  # no query, no filter: nothing asked


# -- API, page and command line --------------------------------------------

@pytest.fixture(scope="module")
def client(collection):
    _, _, base = collection
    app = create_app({"INDEX_DIR": str(base / "index"), "CORPUS_DIR": str(base / "corpus")})
    return app.test_client()


def test_the_api_takes_every_new_parameter(client):
    r = client.get("/api/search?q=营商环境&from=2015&to=2020&sort=date&group=doc")
    data = r.get_json()
    assert r.status_code == 200 and data["sort"] == "date" and data["group"] == "doc"
    assert [h["date"][:4] for h in data["hits"]] == ["2019", "2018", "2017", "2015"]
    hit = data["hits"][0]
    assert hit["source"] == "国务院" and hit["more"] >= 1
    other = client.get(hit["more_url"]).get_json()
    assert other["total"] == hit["more"] + 1 and {h["doc_id"] for h in other["hits"]} == \
        {hit["doc_id"]} and other["group"] == ""
    assert set(data["facets"]) >= {"section", "doc", "year", "source"}
    plain = client.get("/api/search?q=营商环境").get_json()
    assert plain["groups"] is None and all(h["more"] is None for h in plain["hits"])
    browse = client.get("/api/search?doc=gwr-2015-national").get_json()
    assert browse["total"] == len(browse["hits"]) or browse["pages"] > 1
    assert [h["paragraph"] for h in browse["hits"]] == list(range(1, len(browse["hits"]) + 1))
    repeated = client.get("/api/search?q=营商环境&tag=华东&tag=华南").get_json()
    assert repeated["total"] == 4 and repeated["filters"]["tag"] == ["华东", "华南"]


@pytest.mark.parametrize("query, code", [
    ("from=2019-13", "invalid_from"), ("to=abc", "invalid_to"),
    ("from=2021&to=2019", "invalid_date_range"), ("sort=newest", "invalid_sort"),
    ("group=report", "invalid_group"), ("from=" + "9" * 5000, "invalid_from"),
])
def test_bad_dates_and_choices_are_400s_naming_the_parameter(client, query, code):
    r = client.get(f"/api/search?q=营商环境&{query}")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == code
    page = client.get(f"/?q=营商环境&{query}")
    assert page.status_code == 200 and 'class="error"' in page.get_data(as_text=True)


def test_without_a_query_or_filter_the_api_still_asks_for_one(client):
    r = client.get("/api/search?q=&sort=date")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "missing_query"


def test_the_openapi_document_describes_the_new_parameters_and_keys(client):
    spec = client.get("/api/openapi.json").get_json()
    names = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"from", "to", "source", "tag", "sort", "group"} <= set(names)
    assert names["sort"]["schema"]["enum"] == ["relevance", "date"]
    hit = spec["components"]["schemas"]["Hit"]["properties"]
    assert {"date", "source", "more", "more_url"} <= set(hit)
    assert {"sort", "group", "groups"} <= set(spec["components"]["schemas"]["SearchResult"]
                                              ["properties"])


def test_the_page_filters_sorts_groups_and_browses_without_javascript(client):
    html = client.get("/?q=营商环境&from=2015&to=2020&group=doc&sort=date").get_data(as_text=True)
    assert 'name="from" value="2015"' in html and 'name="to" value="2020"' in html
    assert '<option value="date" selected>' in html and 'name="group" value="doc" checked' in html
    assert re.search(r"本报告另有 \d+ 处", html) and "来自 4 篇报告" in html
    assert '<span class="dated">2019-03-05 · 国务院</span>' in html
    assert "年份" in html and "来源" in html
    section = client.get("/?section=一、2023年工作回顾").get_data(as_text=True)
    assert "没有找到" not in section and section.count('class="hit"') == 3
    nothing = client.get("/?source=无此来源").get_data(as_text=True)
    assert "没有符合这些筛选条件的段落" in nothing
    doc = client.get("/doc/gwr-2026-guangdong").get_data(as_text=True)
    assert "2026-01" in doc and "广东省人民政府" in doc and "华南" in doc


def test_the_command_line_takes_the_same_options(collection):
    _, _, base = collection
    out = CliRunner().invoke(main, ["search", "营商环境", "--index", str(base / "index"),
                                    "--from", "2015", "--to", "2020", "--group", "doc",
                                    "--sort", "date"])
    assert out.exit_code == 0, out.output
    assert "in 4 documents" in out.output and "(2019-03-05 · 国务院)" in out.output
    assert "本报告另有" in out.output
    listed = CliRunner().invoke(main, ["search", "--doc", "gwr-2015-national", "--index",
                                       str(base / "index")])
    assert listed.exit_code == 0 and "#p1 " in listed.output
    bad = CliRunner().invoke(main, ["search", "x", "--from", "2019-13", "--index",
                                    str(base / "index")])
    assert bad.exit_code == 2 and "from must be a date" in bad.output


def test_incremental_rebuild_keeps_tags_and_a_changed_table_rereads_files(collection, tmp_path):
    _, _, base = collection
    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in (base / "corpus").iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    for n in range(40):  # one changed report among many: an incremental rebuild
        (folder / f"filler-{n}.txt").write_text(f"报告{n}\n" + "正文一段。\n" * 5,
                                                 encoding="utf-8")
    index = tmp_path / "index"
    indexer.build_index(folder, index)
    (folder / "gwr-2015-national.txt").write_text(national(2015, extra="新增一句。"),
                                                  encoding="utf-8")
    assert indexer.build_index(folder, index).mode == "incremental"
    snap = snapshots.open_current(index)
    try:
        assert search(snap, "营商环境", tag=["华东"]).total == 3
    finally:
        snap.close()
    (folder / "_metadata.csv").write_text(TABLE.replace("国家级;", "国家级;二零一九;"),
                                          encoding="utf-8")
    assert indexer.build_index(folder, index).mode == "full"
    snap = snapshots.open_current(index)
    try:
        assert search(snap, "", tag=["二零一九"]).total == len(snap.paragraphs("gwr-2019-national"))
    finally:
        snap.close()


def test_the_real_collection_as_the_issue_asks(reports):
    snap, report, _ = reports
    assert report.documents == 99 and not report.skipped and not report.notes
    entries = list(snap.documents.values())
    assert all(re.fullmatch(r"\d{4}(-\d\d){0,2}", e["date"]) and e["source"] for e in entries)
    everything = search(snap, "营商环境", per_page=100)
    ranged = search(snap, "营商环境", date_from="2015", date_to="2020", per_page=100)
    assert ranged.total and {h.date[:4] for h in ranged.hits} <= {str(y) for y in range(2015, 2021)}
    assert ranged.total == sum(c for y, c in everything.facets["year"] if "2015" <= y <= "2020")
    newest = search(snap, "营商环境", sort="date", per_page=20)
    assert newest.total == everything.total and newest.hits[0].date >= "2026"
    assert all(h.date >= "2024" for h in newest.hits)
    grouped = search(snap, "营商环境", group="doc", per_page=100)
    assert len({h.doc_id for h in grouped.hits}) == len(grouped.hits) == grouped.groups
    assert sum(1 + h.more for h in grouped.hits) == grouped.total == everything.total
    own = search(snap, "新质生产力", doc=["gwr-2024-national"])
    assert own.total and all(h.section.startswith(("一、", "二、", "三、")) for h in own.hits)
    listed = search(snap, "", doc=["gwr-2024-national"], per_page=100)
    assert [h.paragraph for h in listed.hits] == list(range(1, min(listed.total, 100) + 1))
    national = search(snap, "营商环境", source=["国务院"], per_page=100)
    assert national.total and {h.doc_id.split("-")[2] for h in national.hits} == {"national"}
    sections = dict(search(snap, "", source=["国务院"]).facets["section"])
    assert sections  # the section facet is no longer empty for the collection


def _pdf_with_info(text: str, info: dict[str, str]) -> bytes:
    """A one-page PDF with a Latin text layer and a document information
    dictionary (what PDF writers put Author, CreationDate and Keywords in)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    entries = " ".join(f"/{k} ({v})" for k, v in info.items())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< {entries} >>".encode("latin-1"),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def test_pdf_metadata_gives_author_date_and_tags(tmp_path):
    pdf = _pdf_with_info("Annual work report of the city government.",
                         {"Author": "Li Qiang", "CreationDate": "D:20240305120000+08'00'",
                          "Keywords": "national, work report"})
    folder = write_corpus(tmp_path / "c", {"report.pdf": pdf})
    doc = corpus.read_document(folder / "report.pdf")
    assert (doc.author, doc.date, doc.tags) == ("Li Qiang", "2024-03-05",
                                                ["national", "work report"])
    assert "Annual work report" in doc.paragraphs[0].text
