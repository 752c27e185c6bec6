"""Metadata never costs text (#36): every line of a plain-text file's body
is found as an exact hit in its document. A line is metadata only in the
header block (a byline, ``key: value`` lines, a date written as a date
alone under the title) and only when its value reads as one: a line of
digits (2019, 20240305), a year far ahead (2999) or a date that is no date
(2019-13-40) stays text, and a header line it was in is named.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.engine.search import search
from searchsvc.engine.snapshot import open_current
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest.metadata import plausible_date
from searchsvc.ingest.split import LONGEST, pieces
from searchsvc.ingest.text import parse_text
from tests.conftest import REPORTS, SEED, write_corpus

HELP = REPORTS.parents[2] / "bench" / "lo-help-zh"
PARTS = re.compile(r"[\s\u00a0\u3000]{2,}")

# lines a report's body holds that look like metadata to a careless reader
TRICKY = ["2019", "2999", "12345", "1.5", "2019年", "2999年3月5日", "2019-2025", "20240305",
          "2024.3", "备注: 无", "第二段内容在这里。", "（2020年5月28日通过）", "2019年3月",
          "一、总体要求", "1.5 倍行距", "合计 3,858", "——2024年", "No. 2019", "１９５６"]
SENTENCE = st.text(st.sampled_from("罗湖营商环境城市更新民生发展改革创新全面推进，。０１２３"),
                   min_size=2, max_size=30).filter(lambda t: any(c.isalnum() for c in t))


def found(snap, doc_id: str, line: str) -> bool:
    """Whether ``line`` is an exact hit in ``doc_id``: its longest stretch
    without a " (the phrase mark; at most 300 characters), as a phrase. A
    line too long to read whole is split at sentence ends (ingest.split):
    each of its pieces is then an exact hit."""
    if len(line) > LONGEST:
        return all(found(snap, doc_id, piece) for piece in pieces(line))
    piece = " ".join(max(line.split('"'), key=len)[:300].split())
    if not piece:
        return True
    hits = search(snap, f'"{piece}"', doc=[doc_id], per_page=1, as_typed=True).hits
    return bool(hits) and hits[0].exact


def read_as_metadata(line: str, entry: dict) -> bool:
    """Whether every part of ``line`` became the document's metadata: a date
    equal to its date, ``key: value`` whose value is one of its fields
    (source, author, edition...) or tags."""
    values = {v for v in entry.values() if isinstance(v, str)} | set(entry.get("tags", []))
    for part in PARTS.split(line.strip()):
        try:
            if entry.get("date") and plausible_date(part) == entry["date"]:
                continue
        except ValueError:
            pass
        value = re.split(r"[:：]", part, maxsplit=1)[-1].strip()
        if value and value in values:
            continue
        return False
    return True


def unfound(snap, folder: Path, names: list[str]) -> list[tuple[str, str]]:
    """Lines of the files ``names`` that are neither found nor their
    document's title, deck or metadata."""
    lost = []
    for name in names:
        path = folder / name
        doc_id = Path(name).stem
        entry = snap.documents[doc_id]
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
        deck = entry.get("deck", "")
        for line in lines:
            if line == entry["title"] or (deck and line in deck) or read_as_metadata(line, entry):
                continue
            if not found(snap, doc_id, line):
                lost.append((name, line))
    return lost


def build(tmp_path: Path, files: dict) -> tuple[Path, object]:
    corpus = write_corpus(tmp_path / "corpus", files)
    indexer.build_index(corpus, tmp_path / "index")
    return corpus, open_current(tmp_path / "index")


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(st.lists(st.one_of(st.sampled_from(TRICKY), SENTENCE), min_size=1,
                                max_size=6), min_size=12, max_size=12))
def test_every_line_of_a_constructed_file_is_found(tmp_path_factory, bodies):
    files = {f"f{i:02d}.txt": "\n\n".join([f"第{i}号报告", *body]) + "\n"
             for i, body in enumerate(bodies)}
    corpus, snap = build(tmp_path_factory.mktemp("lines"), files)
    try:
        assert unfound(snap, corpus, sorted(files)) == []
    finally:
        snap.close()


def test_a_line_of_digits_is_text_and_a_bad_date_line_is_named(tmp_path):
    from click.testing import CliRunner

    from searchsvc.cli import main

    corpus, snap = build(tmp_path, {
        "a.txt": "标题\n\n2019\n\n第二段内容在这里。",
        "b.txt": "标题\n\n2999年3月5日\n\n正文。",
        "c.txt": "某市工作报告\n日期: 2999-01-01\n来源: 某市人民政府\n营商环境专项行动取得成效。",
        "d.txt": "某区报告\n2019年12月31日\n正文在此。",
    })
    try:
        assert [p["text"] for p in snap.paragraphs("a")] == ["2019", "第二段内容在这里。"]
        assert snap.documents["a"]["date"] == "" and snap.documents["b"]["date"] == ""
        assert found(snap, "a", "2019") and found(snap, "b", "2999年3月5日")
        assert snap.documents["c"]["source"] == "某市人民政府" and snap.documents["c"]["date"] == ""
        assert found(snap, "c", "日期: 2999-01-01")
        assert snap.documents["d"]["date"] == "2019-12-31"  # a date written as one, under the title
    finally:
        snap.close()
    result = CliRunner().invoke(main, ["rebuild", "--corpus", str(corpus), "--index",
                                       str(tmp_path / "index2")])
    assert result.exit_code == 0, result.output
    assert "metadata: c.txt: header: '日期: 2999-01-01' kept as text" in result.output


def test_every_line_of_the_seed_body_is_found(tmp_path):
    """The sample article: every line but its page's furniture (share
    buttons, the credit line) and its section labels and box headings,
    which the document view shows as its structure."""
    text = SEED.read_text(encoding="utf-8")
    corpus, snap = build(tmp_path, {SEED.name: text})
    try:
        doc = parse_text(text, "luohu-2019")
        structure = {s["label"] for s in doc.sections} | {s["heading"] for s in doc.sections} | \
            {p.heading for p in doc.paragraphs}
        lost = [line for _, line in unfound(snap, corpus, [SEED.name]) if line not in structure]
        assert lost == ["分享到:", "手机看报", "返回奥一网 意见反馈"]  # the credit is metadata
    finally:
        snap.close()


@pytest.mark.skipif(not REPORTS.is_dir(), reason=f"{REPORTS} is absent")
def test_every_line_of_the_reports_collection_is_found(reports):
    snap, _, _ = reports
    names = sorted(p.name for p in REPORTS.iterdir() if not p.name.startswith("_"))
    assert unfound(snap, REPORTS, random.Random(36).sample(names, 25)) == []


@pytest.mark.skipif(not HELP.is_dir(), reason=f"{HELP} is absent")
def test_every_line_of_the_help_corpus_is_found(tmp_path):
    names = sorted(p.name for p in HELP.iterdir())
    names = random.Random(36).sample(names, 60)
    corpus, snap = build(tmp_path, {n: (HELP / n).read_text(encoding="utf-8") for n in names})
    try:
        assert unfound(snap, corpus, names) == []
    finally:
        snap.close()


def test_new_readers_read_every_file_again(tmp_path, monkeypatch):
    """An upgrade whose readers read files differently rebuilds in full:
    an unchanged file indexed by the old readers is read again."""
    from searchsvc.ingest import corpus as corpus_module

    folder = write_corpus(tmp_path / "corpus", {"a.txt": "标题\n\n2019\n\n正文。"})
    assert indexer.build_index(folder, tmp_path / "index").mode == "full"
    assert indexer.build_index(folder, tmp_path / "index").mode == "unchanged"
    monkeypatch.setattr(corpus_module, "READERS", corpus_module.READERS + 1)
    assert indexer.build_index(folder, tmp_path / "index").mode == "full"


@pytest.mark.browser
def test_every_paragraph_of_each_format_is_found(tmp_path):
    """The same report as a web page, Word, Markdown and a printed PDF,
    with lines that look like metadata among its paragraphs: each of its
    paragraphs is an exact hit in each format's document."""
    import dataclasses

    from searchsvc.ingest.model import Paragraph
    from tests.samples import (
        print_pdf,
        report_as_docx,
        report_as_html,
        report_as_markdown,
        report_for_print,
        seed,
    )

    doc = seed()
    tricky = [Paragraph(0, text, doc.paragraphs[0].section, doc.paragraphs[0].heading)
              for text in ("2019", "2999", "20240305", "2019年", "备注: 无")]
    doc = dataclasses.replace(doc, paragraphs=tricky + doc.paragraphs)
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "as-html.html").write_bytes(report_as_html(doc))
    (folder / "as-md.md").write_text(report_as_markdown(doc), encoding="utf-8")
    report_as_docx(doc, folder / "as-docx.docx")
    print_pdf(report_for_print(doc), folder / "as-pdf.pdf", furniture=False)
    indexer.build_index(folder, tmp_path / "index")
    snap = open_current(tmp_path / "index")
    try:
        lost = [(doc_id, p.text) for doc_id in ("as-html", "as-md", "as-docx", "as-pdf")
                for p in doc.paragraphs if not found(snap, doc_id, p.text)]
        assert lost == []
    finally:
        snap.close()
