"""Tables as tables (#40): in a table of figures each row is one entry
with every figure beside its column's header, whatever file the table
came in; a table of words stays its cells joined."""

import docx
import pytest

from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest import docx as docx_reader
from searchsvc.ingest import html as html_reader
from searchsvc.ingest.markdown import read_markdown
from searchsvc.ingest.tables import row_texts
from tests.conftest import write_corpus

ROWS = [["项目", "2023年", "2022年", "同比增减"],
        ["营业收入", "1,234.5", "1,100.2", "12.2%"],
        ["归属于上市公司股东的净利润", "210.3", "180.0", "16.8%"],
        ["经营活动产生的现金流量净额", "", "-35.6", "不适用"]]
EXPECTED = ["项目 | 2023年 | 2022年 | 同比增减",
            "营业收入 | 2023年 | 1,234.5 | 2022年 | 1,100.2 | 同比增减 | 12.2%",
            "归属于上市公司股东的净利润 | 2023年 | 210.3 | 2022年 | 180.0 | 同比增减 | 16.8%",
            "经营活动产生的现金流量净额 | 2022年 | -35.6 | 同比增减 | 不适用"]


def test_a_table_of_figures_puts_each_figure_beside_its_header():
    assert row_texts(ROWS) == EXPECTED


@pytest.mark.parametrize("rows", [
    [["名称", "说明"], ["Whoosh", "一个纯 Python 的搜索库"], ["jieba", "中文分词"]],  # words
    [["2021", "2022"], ["1", "2"], ["3", "4"]],  # no header: its first row is figures too
    [["营业收入", "1,234"]],  # one row
])
def test_a_table_of_words_or_without_a_header_is_its_cells_joined(rows):
    assert row_texts(rows) == [" | ".join(row) for row in rows]


def test_a_header_of_two_rows_is_read_per_column():
    rows = [["指标", "2023年", "2023年"], ["", "金额", "占比"], ["营业收入", "1,234", "60%"]]
    assert row_texts(rows, header_rows=2)[-1] == "营业收入 | 2023年 金额 | 1,234 | 2023年 占比 | 60%"


def _markdown_table() -> str:
    lines = ["| " + " | ".join(ROWS[0]) + " |", "|" + " --- |" * 4]
    lines += ["| " + " | ".join(row) + " |" for row in ROWS[1:]]
    return "# 年度报告摘要\n\n" + "\n".join(lines) + "\n"


def _word_table(path) -> bytes:
    d = docx.Document()
    d.add_heading("年度报告摘要", level=1)
    table = d.add_table(rows=len(ROWS), cols=4)
    for row, cells in zip(table.rows, ROWS):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    d.save(path)
    return path.read_bytes()


def _html_table() -> bytes:
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in ROWS)
    return (f"<html><head><title>年度报告摘要</title></head><body><article><h1>年度报告摘要</h1>"
            f"<p>公司主要会计数据和财务指标如下表所示，单位为百万元，数据经过审计机构审计确认。</p>"
            f"<table>{body}</table><p>报告期内公司营业收入保持增长，经营情况良好，现金流量有所改善。</p>"
            f"</article></body></html>").encode()


def test_markdown_word_and_web_tables_read_alike(tmp_path):
    md = [t for _, t in read_markdown(_markdown_table()).paragraphs]
    word = [t for _, t in docx_reader.read_docx(_word_table(tmp_path / "t.docx")).paragraphs]
    web = [t for _, t in html_reader.read_html(_html_table()).paragraphs]
    assert md == EXPECTED and word == EXPECTED
    assert [t for t in web if " | " in t] == EXPECTED


def test_a_row_is_found_by_its_label_and_a_figure_or_a_year(tmp_path):
    folder = write_corpus(tmp_path / "c", {"年报.md": _markdown_table()})
    indexer.build_index(folder, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        for query in ("营业收入 2023年", "营业收入 1,234.5", "净利润 180.0"):
            hits = S.search(snap, query).hits
            assert hits and query.split()[0] in hits[0].text and query.split()[1] in hits[0].text
    finally:
        snap.close()


def test_a_pdf_table_of_figures_reads_as_the_same_rows():
    """A PDF's table rows (cells side by side on a line's height) under a
    header row: each figure beside its header, as in the other formats."""
    from searchsvc.ingest.pdflayout import Line, paragraphs

    lines, top = [], 700.0
    intro = "公司主要会计数据和财务指标如下表所示，单位为百万元，数据经过审计机构审计确认。" * 5
    for part in (intro[i:i + 50] for i in range(0, 200, 50)):  # prose across the page's width
        lines.append(Line(part, 1, 50, 50 + 10 * len(part), top, top - 10, size=10))
        top -= 16
    top -= 14
    for row in ROWS:
        x = 50.0
        for width, cell in zip((260, 90, 90, 90), row):
            if cell:
                lines.append(Line(cell, 1, x, x + 10 * len(cell) * 0.6, top, top - 10, size=10))
            x += width
        top -= 20
    parsed = paragraphs(lines)
    # a PDF has no empty cells to count: a row short of one keeps its cells joined
    assert [t for _, t in parsed.paragraphs] == [intro[:200]] + EXPECTED[:3] + [
        "经营活动产生的现金流量净额 | -35.6 | 不适用"]
