"""Parsing the real report and the plain-text fallback."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest import corpus


@pytest.fixture(scope="module")
def report(seed_text):
    return corpus.parse_text(seed_text, "luohu-2019")


def test_report_metadata_comes_from_the_byline(report):
    assert report.title == "请回答2019!罗湖交出全面振兴答卷"
    assert report.deck == "保持定力、真抓实干、团结奋进,推动罗湖各项事业在新起点上实现新突破"
    assert (report.source, report.date, report.edition, report.author) == (
        "南方都市报", "2020-01-03", "LS04", "张一鎏")
    assert report.credit == "家园报记者 张一鎏"


def test_report_has_34_body_paragraphs_with_sections(report):
    assert len(report.paragraphs) == 34
    assert [p.number for p in report.paragraphs] == list(range(1, 35))
    labels = [s["label"] for s in report.sections]
    assert labels == ["答卷1", "答卷2", "答卷3", "答卷4", "答卷5", "聚焦", "数读", "目标"]
    headings = {s["label"]: s["heading"] for s in report.sections}
    assert headings["答卷3"] == "民生福祉、环境品质、城区安全实现同步提升"
    assert headings["答卷5"] == "用好改革 “关键一招”破题开路"
    assert headings["聚焦"] == "在推进治理体系和治理能力现代化上作出探索"
    by_number = {p.number: p for p in report.paragraphs}
    assert by_number[1].section == "" and by_number[1].text.startswith("2019年12月30日")
    assert by_number[3].section == "答卷1"
    assert by_number[18].section == "答卷3" and by_number[18].text.startswith("一半山水一半城")
    assert by_number[18].heading == "民生福祉、环境品质、城区安全实现同步提升"
    assert by_number[33].section == "数读" and by_number[33].text.startswith("初步预计")
    assert by_number[34].section == "目标"


def test_chrome_credit_and_labels_are_not_paragraphs(report):
    texts = [p.text for p in report.paragraphs]
    for chrome in ("·", "分享到:", "手机看报", "返回奥一网 意见反馈"):
        assert chrome not in texts
        assert not any(t.startswith(chrome) for t in texts)
    assert not any(t.startswith("本版采写") for t in texts)
    assert not any(t.startswith("来源") for t in texts)
    assert not any(t in ("答卷1", "聚焦", "数读", "目标") for t in texts)
    assert report.deck not in texts


def test_plain_text_file_title_then_paragraphs():
    doc = corpus.parse_text("\n标题一行\n\n第一段。\n第二段。\n", "plain")
    assert doc.title == "标题一行"
    assert [p.text for p in doc.paragraphs] == ["第一段。", "第二段。"]
    assert doc.source == "" and doc.sections == []


def test_encodings_and_unreadable_files(tmp_path):
    (tmp_path / "utf8bom.txt").write_bytes("\ufeff标题\n正文一段。".encode("utf-8"))
    (tmp_path / "gbk.txt").write_bytes("罗湖标题\n罗湖正文。".encode("gb18030"))
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    (tmp_path / "_synonyms.txt").write_text("大湾区 粤港澳大湾区", encoding="utf-8")
    docs, skipped = corpus.read_corpus(tmp_path)
    by_id = {d.doc_id: d for d in docs}
    assert set(by_id) == {"utf8bom", "gbk"}
    assert by_id["utf8bom"].title == "标题"
    assert by_id["gbk"].paragraphs[0].text == "罗湖正文。"
    assert by_id["gbk"].encoding == "gb18030"
    assert [s.path.endswith("broken.txt") for s in skipped] == [True]


def test_missing_or_empty_corpus_is_an_error(tmp_path):
    with pytest.raises(corpus.CorpusError, match="not found"):
        corpus.read_corpus(tmp_path / "nope")
    with pytest.raises(corpus.CorpusError, match="no documents"):
        corpus.read_corpus(tmp_path)


def test_doc_ids_are_url_safe_and_stable(tmp_path):
    assert corpus.doc_id_for(tmp_path / "罗湖 2019 报告.txt") == "罗湖-2019-报告"
    assert corpus.doc_id_for(tmp_path / "a/b?c#d.txt".replace("/", "_")) == "a_b-c-d"


_PART = st.sampled_from(["", ".", "..", ".a", "a.", "a.b", "a..b", "报告.txt", "x y.tar.gz",
                          "2023", "b?c#d", "é.md"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PART, min_size=1, max_size=4), st.booleans())
def test_an_id_from_a_listed_path_is_what_pathlib_makes_of_it(parts, absolute):
    """The listing's paths are cut without pathlib (a Path a file was a
    tenth of a rebuild's listing); every path, clean or not, gets the id
    pathlib's cut gives."""
    from pathlib import Path

    text = ("/" if absolute else "") + "/".join(parts)
    path = Path(text)
    if path.is_absolute():
        path = Path(path.name)
    stem = path.with_suffix("").as_posix() if path.suffix else path.as_posix()
    expected = re.sub(r"[^\w.\-]+", "-", stem.replace("/", "-")).strip("-") or "doc"
    assert corpus.doc_id_for(text) == expected


def test_a_traditional_copy_parses_like_the_original(seed_text, report):
    import opencc

    traditional = corpus.parse_text(opencc.OpenCC("s2t").convert(seed_text), "zht")
    assert len(traditional.paragraphs) == 34
    assert traditional.source == "南方都市報" and traditional.date == "2020-01-03"
    assert traditional.edition == "LS04" and traditional.author == "張一鎏"
    labels = [normalize_text(s["label"]) for s in traditional.sections]
    assert labels == [s["label"] for s in report.sections]
    assert traditional.sections[6]["label"] == "數讀"
    assert not any("手機看報" in p.text for p in traditional.paragraphs)
    assert traditional.credit.endswith("張一鎏")


def test_full_width_colons_and_spaces_in_a_byline():
    text = "标题\n副题\n来源：某报　　2021年3月5日　　版次：A01　　作者：李四\n正文。"
    doc = corpus.parse_text(text, "x")
    assert (doc.source, doc.date, doc.edition, doc.author) == ("某报", "2021-03-05", "A01", "李四")
    assert [p.text for p in doc.paragraphs] == ["正文。"]
