"""Markdown, HTML and Word files, made by the tools that make them, read
to the same paragraphs as the report's text; bad files named, not fatal."""

import io
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from searchsvc import cli
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest import docx as docx_reader
from searchsvc.ingest import markdown, model, pdf, pdflayout
from searchsvc.ingest import readers as formats
from tests.conftest import SEED, snippet_of, write_corpus
from tests.samples import (
    CHROME_WORDS,
    FOOTER,
    NAV,
    heading,
    print_pdf,
    report_as_docx,
    report_as_html,
    report_as_markdown,
    report_for_print,
    seed,
)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def formats_index(tmp_path_factory):
    """One corpus: the report as text, as a saved page (UTF-8 and GB18030),
    as a Word file and as Markdown."""
    base = tmp_path_factory.mktemp("formats")
    doc = seed()
    folder = write_corpus(base / "corpus", {
        "as-text.txt": SEED.read_text(encoding="utf-8"),
        "as-page.html": report_as_html(doc),
        "as-page-gb.htm": report_as_html(doc, "gb18030"),
        "as-markdown.md": report_as_markdown(doc),
    })
    report_as_docx(doc, folder / "as-word.docx")
    print_pdf(report_for_print(doc), folder / "as-pdf.pdf")
    report = indexer.build_index(folder, base / "index")
    snap = snapshots.open_current(base / "index")
    yield snap, report, doc
    snap.close()


@pytest.mark.parametrize("doc_id", ["as-page", "as-page-gb", "as-word", "as-markdown", "as-pdf"])
@pytest.mark.browser
def test_each_format_gives_the_report_s_paragraphs_and_sections(formats_index, doc_id):
    snap, report, doc = formats_index
    assert not report.skipped and report.documents == 6
    stored = snap.paragraphs(doc_id)
    assert [flat(p["text"]) for p in stored] == [flat(p.text) for p in doc.paragraphs]
    entry = snap.documents[doc_id]
    assert entry["title"] == doc.title
    labels = [s["label"] for s in entry["sections"]]
    assert labels == [heading(s["label"], s["heading"]) for s in doc.sections]
    for p, original in zip(stored, doc.paragraphs):
        assert p["section"] == heading(original.section, original.heading), p["n"]
    text = " ".join(p["text"] for p in stored)
    for word in CHROME_WORDS + ("脚本里的文字",):
        assert word not in text, word
    if doc_id not in ("as-markdown", "as-pdf"):
        assert entry["author"] == doc.author
    if doc_id.startswith("as-page"):
        assert entry["date"] == doc.date
    if doc_id == "as-pdf":  # pages in order; Chromium's header and footer not indexed
        pages = [p["page"] for p in stored]
        assert pages[0] == 1 and pages == sorted(pages) and pages[-1] > 2
        assert not any("file:" in p["text"] or p["text"].endswith(f"/{pages[-1]}") for p in stored)
    else:
        assert not any("page" in p for p in stored)


@pytest.mark.browser
def test_every_format_is_found_and_marked(formats_index):
    snap = formats_index[0]
    r = S.search(snap, '"一半山水一半城"', per_page=20)
    found = {h.doc_id for h in r.hits if h.exact}
    assert found == {"as-text", "as-page", "as-page-gb", "as-word", "as-markdown", "as-pdf"}
    pdf_hit = next(h for h in r.hits if h.doc_id == "as-pdf")
    assert pdf_hit.page == snap.paragraphs("as-pdf")[pdf_hit.paragraph - 1]["page"] > 1
    assert all(h.page is None for h in r.hits if h.doc_id != "as-pdf")
    for hit in r.hits[:6]:
        assert "<mark>一半山水一半城</mark>" in snippet_of(hit)
    facets = {f.value for f in S.search(snap, "罗湖").facets["section"]}
    assert "答卷2 主动谋划促振兴" in facets and "答卷2" in facets


def test_markdown_markup_lists_quotes_tables_and_wrapped_lines():
    parsed = markdown.read_markdown("""# 年度报告

导言段落的第一行,
接着第二行。And a Latin
line.

## 第一部分

- 列表项**一**:营商环境。
- 列表项二:[木头龙](http://example.com)旧改。

> 引用的一段话。

| 指标 | 数值 |
| --- | --- |
| 增长 | 6.6% |

第一句<br>
第二句\x20\x20
第三句
""")
    assert parsed.title == "年度报告" and parsed.sections == ["第一部分"]
    assert parsed.paragraphs == [
        ("", "导言段落的第一行,接着第二行。And a Latin line."),
        ("第一部分", "列表项一:营商环境。"),
        ("第一部分", "列表项二:木头龙旧改。"),
        ("第一部分", "引用的一段话。"),
        ("第一部分", "指标 | 数值"),
        ("第一部分", "增长 | 数值 | 6.6%"),  # a figure beside its header (#40)
        ("第一部分", "第一句第二句"),
        ("第一部分", "第三句"),
    ]


def test_a_docx_table_becomes_one_paragraph_per_row(tmp_path):
    d = docx.Document()
    d.add_heading("统计表", level=1)
    d.add_paragraph("下表列出主要指标。")
    table = d.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("指标", "数值"), ("地区生产总值", "2500亿元"),
                                       ("增长", "6.6%")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    d.add_paragraph("表后的说明。")
    d.save(tmp_path / "t.docx")
    parsed = docx_reader.read_docx((tmp_path / "t.docx").read_bytes())
    assert parsed.title == "统计表"
    assert [t for _, t in parsed.paragraphs] == [
        "下表列出主要指标。", "指标 | 数值", "地区生产总值 | 数值 | 2500亿元", "增长 | 数值 | 6.6%",
        "表后的说明。"]


def word_draft(core_title: str, opening, body_pt: int = 12) -> bytes:
    """A Word file as a standards draft is written: no heading styles, a
    template's title in its properties, the title set large in the opening."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = docx.Document()
    d.core_properties.title = core_title
    for text, size, bold, centred in opening:
        run = d.add_paragraph().add_run(text)
        run.font.size, run.bold = Pt(size), bold
        if centred:
            d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for p in seed().paragraphs[:4]:
        d.add_paragraph().add_run(p.text).font.size = Pt(body_pt)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.mark.parametrize("core_title", ["标准名称", "（填写标准名称）", "文档1", "Microsoft Word - 草案.doc", "",
                                       "NB", "GB"])
def test_a_word_template_s_title_gives_way_to_the_opening_s_display_line(core_title):
    opening = [("ICS 11.020", 10, False, False), ("中华人民共和国国家标准", 16, True, True),
               ("GB/T 00000—2026", 12, False, True), ("公共场所卫生管理规范", 22, True, True),
               ("（征求意见稿）", 12, False, True)]
    assert docx_reader.read_docx(word_draft(core_title, opening)).title == "公共场所卫生管理规范"
    # a title the properties really hold is kept
    assert docx_reader.read_docx(word_draft("罗湖区2019年工作综述", opening)).title == "罗湖区2019年工作综述"
    # nothing set apart from the body: no title (the file's name stands in)
    plain = [("第一行说明", 12, False, False)]
    assert docx_reader.read_docx(word_draft(core_title, plain)).title == ""


def test_html_saved_as_txt_is_read_as_html_and_injection_is_only_text(tmp_path):
    page = ("<!doctype html><html><head><title>注入测试</title></head><body>"
            + NAV + "<article><p>这段正文讲营商环境改革,也提到 &lt;img src=x onerror=alert(1)&gt;"
            "这样的字样,它只是文字。正文需要足够长才会被识别为文章的主体部分。</p>"
            "<p>第二段:木头龙旧改项目启动,城区面貌持续改善,居民生活更加便利。若 a&lt;b 且 b&lt;c,"
            "则 a&lt;c。</p></article>" + FOOTER + "</body></html>")
    folder = write_corpus(tmp_path / "c", {"saved.txt": page})
    indexer.build_index(folder, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        texts = [p["text"] for p in snap.paragraphs("saved")]
        assert not any("<p>" in t or "首页" in t for t in texts)
        # entities are read; what they spell as an HTML tag is markup, cut (#40)
        assert "onerror" not in texts[0] and "也提到 这样的字样" in texts[0]
        assert "若 a<b 且 b<c,则 a<c" in texts[1]  # a < that starts no tag is text
        hit = S.search(snap, "a<b").hits[0]
        assert "a&lt;" in snippet_of(hit) and "a<b" not in snippet_of(hit)
    finally:
        snap.close()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document/>" + b"\0" * (300 * 1024 * 1024))
    return out.getvalue()


def test_bad_and_unsupported_files_are_named_and_the_rest_indexed(tmp_path):
    good = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("一个完好的文档,内容是罗湖的营商环境。")
    d.save(good)
    folder = write_corpus(tmp_path / "c", {
        "ok.txt": "标题\n正文里有罗湖。",
        "truncated.docx": good.getvalue()[:len(good.getvalue()) // 2],
        "bomb.docx": _zip_bomb(),
        "encrypted.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        "photo.jpg": b"\xff\xd8\xff\xe0JFIF",
        "sheet.xlsx": b"PK\x03\x04not really",
        "broken.pdf": b"%PDF-1.7\n",
        "notes.odt": b"PK\x03\x04not read",
        "empty.md": "",
    })
    with open(folder / "huge.txt", "wb") as f:  # sparse: 100 MB without writing them
        f.truncate(100 * 1024 * 1024)
    result = CliRunner().invoke(cli.main, ["rebuild", "--corpus", str(folder),
                                           "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "full rebuild: indexed 1 documents" in out
    assert "truncated.docx: damaged .docx" in out
    assert "bomb.docx: refused: unpacks to" in out
    assert "encrypted.docx: encrypted or old-format Word file" in out
    assert "huge.txt: file of 104,857,600 bytes is over the" in out
    assert "empty.md: no paragraphs" in out
    assert "broken.pdf: damaged PDF" in out
    assert "skipped 3 file(s) of unsupported type: .jpg 1, .odt 1, .xlsx 1 (read: " in out
    read = out.split("(read: ", 1)[1].split(")", 1)[0].split(", ")
    assert set(read) == set(formats.EXTENSIONS) and ".markdown" in read  # every type the reader takes
    assert "Traceback" not in out


def test_the_original_file_is_one_click_away_and_never_runs_here(tmp_path):
    from searchsvc import create_app

    d = docx.Document()
    d.add_paragraph("原文件测试:罗湖的营商环境。")
    d.save(tmp_path / "word.docx")
    folder = write_corpus(tmp_path / "c", {
        "note.txt": "笔记\n罗湖的一段笔记。",
        "page.html": "<!doctype html><html><head><title>页面</title></head><body><article>"
                     "<p>页面正文讲罗湖的营商环境,内容足够长,才会被当作文章的主体。</p>"
                     "<script>alert(1)</script></article></body></html>"})
    (folder / "word.docx").write_bytes((tmp_path / "word.docx").read_bytes())
    indexer.build_index(folder, tmp_path / "i")
    app = create_app({"CORPUS_DIR": str(folder), "INDEX_DIR": str(tmp_path / "i")})
    client = app.test_client()
    page = client.get("/doc/word").get_data(as_text=True)
    assert 'href="/doc/word/file"' in page and "word.docx" in page
    docs = client.get("/api/documents").get_json()["documents"]
    assert {d["doc_id"]: d["file_url"] for d in docs}["note"] == "/doc/note/file"
    r = client.get("/doc/note/file")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert r.data == (folder / "note.txt").read_bytes()
    assert "attachment" not in r.headers.get("Content-Disposition", "")
    r = client.get("/doc/page/file")  # a page from elsewhere: downloaded, sandboxed
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in r.headers["Content-Security-Policy"]
    r = client.get("/doc/word/file")
    assert r.data == (folder / "word.docx").read_bytes()
    assert r.headers["Content-Disposition"].startswith("attachment") and "word.docx" in \
        r.headers["Content-Disposition"]
    assert client.get("/doc/nope/file").status_code == 404
    assert client.get("/doc/..%2F..%2Fetc%2Fpasswd/file").status_code == 404
    (folder / "note.txt").unlink()  # gone since the rebuild: said so
    r = client.get("/doc/note/file")
    assert r.status_code == 404 and "的原文件已不在语料文件夹中" in r.get_data(as_text=True)



@pytest.mark.browser
def test_a_phrase_wrapped_across_pdf_lines_is_found_and_marked_whole(formats_index):
    """Whatever the fonts make of the lines: find a line that ends and a
    line that starts in Chinese, as pdfium itself breaks the page's text,
    and search for the two characters on either side of the break."""
    import pypdfium2 as pdfium

    snap, report, _ = formats_index
    pdf = pdfium.PdfDocument(Path(report.path).parent.parent / "corpus" / "as-pdf.pdf")
    lines = pdf[0].get_textpage().get_text_range().split("\r\n")
    pdf.close()
    han = [(a, b) for a, b in zip(lines, lines[1:])
           if len(a) > 20 and len(b) > 20 and all("\u4e00" <= c <= "\u9fff" for c in a[-2:] + b[:2])]
    assert han, lines[:10]
    phrase = han[0][0][-2:] + han[0][1][:2]
    r = S.search(snap, f'"{phrase}"', per_page=20)
    hit = next(h for h in r.hits if h.doc_id == "as-pdf")
    assert hit.exact and phrase in [hit.text[a:b] for a, b in hit.matches]
    assert f"<mark>{phrase}</mark>" in snippet_of(hit)


@pytest.mark.browser
def test_latin_lines_join_with_one_space(tmp_path):
    words = ("The district report describes urban renewal, business environment reform "
             "and public services in considerable detail so that this paragraph wraps "
             "across several printed lines of the page.").split()
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Report</title>"
            "<style>p { width: 20em }</style></head><body><h1>Annual report</h1><p>"
            + " ".join(words * 2) + "</p></body></html>")
    parsed = pdf.read_pdf(print_pdf(page, tmp_path / "latin.pdf", furniture=False).read_bytes())
    assert parsed.title == "Annual report"
    assert [t for _, t in parsed.paragraphs] == [" ".join(words * 2)]


@pytest.mark.browser
def test_scanned_encrypted_and_truncated_pdfs_are_named(tmp_path):
    import base64

    import pypdf
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (600, 300), "gray").save(image, "PNG")
    scan = print_pdf("<!doctype html><html><body><img src='data:image/png;base64,"
                     + base64.b64encode(image.getvalue()).decode() + "'></body></html>",
                     tmp_path / "scan.pdf", furniture=False)
    with pytest.raises(model.Unreadable, match="no text layer"):
        pdf.read_pdf(scan.read_bytes())
    doc = seed()
    printed = print_pdf(report_for_print(doc), tmp_path / "r.pdf").read_bytes()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(printed)))
    writer.encrypt("secret", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    with pytest.raises(model.Unreadable, match="encrypted"):
        pdf.read_pdf(encrypted.getvalue())
    with pytest.raises(model.Unreadable, match="damaged"):
        pdf.read_pdf(printed[:len(printed) // 2])


@pytest.mark.browser
def test_pages_show_on_the_results_and_in_the_document_view(formats_index):
    from searchsvc import create_app

    snap, report, _ = formats_index
    base = Path(report.path).parent.parent
    client = create_app({"CORPUS_DIR": str(base / "corpus"), "INDEX_DIR": str(base / "index")}
                        ).test_client()
    hit = next(h for h in client.get("/api/search?q=一半山水一半城&per_page=20").get_json()["hits"]
               if h["doc_id"] == "as-pdf")
    assert hit["page"] > 1
    page = client.get("/?q=一半山水一半城&doc=as-pdf").get_data(as_text=True)
    assert f"第 {hit['paragraph']} 段 · 第 {hit['page']} 页" in page
    view = client.get("/doc/as-pdf").get_data(as_text=True)
    last = snap.paragraphs("as-pdf")[-1]["page"]
    for n in range(1, last + 1):  # every page's break, linked to that page of the original
        assert f'<a href="/doc/as-pdf/file#page={n}">第 {n} 页</a>' in view
    r = client.get("/doc/as-pdf/file")
    assert r.mimetype == "application/pdf" and "attachment" not in r.headers["Content-Disposition"]


def test_pdf_lines_join_by_script_and_hyphenated_words_join_whole():
    assert model.join_lines("营商环境持续", "优化。") == "营商环境持续优化。"
    assert model.join_lines("数据显示,", "增长6.6%") == "数据显示,增长6.6%"  # full-width comma
    assert model.join_lines("urban", "renewal") == "urban renewal"
    assert model.join_lines("总投资", "245亿元") == "总投资245亿元"

    def line(text, top, left=40.0, right=560.0):
        return pdflayout.Line(text, 1, left, right, top, top - 12)

    parsed = pdflayout.paragraphs([
        line("An inter-", 700), line("national review of the district's reform", 686, right=400),
        line("第二段从缩进开始,讲的是城区", 660, left=64), line("更新。", 646, right=100),
        line("第三段。", 620, left=64, right=120)])
    assert [t for _, t in parsed.paragraphs] == [
        "An international review of the district's reform", "第二段从缩进开始,讲的是城区更新。",
        "第三段。"]


def test_an_incremental_rebuild_reindexes_a_changed_word_file(tmp_path):
    folder = write_corpus(tmp_path / "c", {f"n{i}.txt": f"笔记{i}\n第{i}段。" for i in range(20)})
    d = docx.Document()
    d.add_paragraph("第一版:旧的内容。")
    d.save(folder / "w.docx")
    indexer.build_index(folder, tmp_path / "i")
    d = docx.Document()
    d.add_paragraph("第二版:新的内容,讲营商环境。")
    d.save(folder / "w.docx")
    assert indexer.build_index(folder, tmp_path / "i").mode == "incremental"
    snap = snapshots.open_current(tmp_path / "i")
    try:
        assert [p["text"] for p in snap.paragraphs("w")] == ["第二版:新的内容,讲营商环境。"]
        assert not any(h.exact for h in S.search(snap, '"旧的内容"').hits)
        assert [h.id for h in S.search(snap, '"新的内容"').hits if h.exact] == ["w#p1"]
    finally:
        snap.close()


@pytest.mark.browser
def test_a_long_pdf_whose_text_repeats_loses_no_line(tmp_path):
    """Running headers are told from body text by recurring at the same
    height on most pages: the report three times over (the same lines on
    several pages' edges) keeps every paragraph."""
    doc = seed()
    doc.paragraphs = [p for _ in range(3) for p in doc.paragraphs]
    parsed = pdf.read_pdf(print_pdf(report_for_print(doc), tmp_path / "x3.pdf").read_bytes())
    assert [flat(t) for _, t in parsed.paragraphs] == [flat(p.text) for p in doc.paragraphs]
    assert parsed.pages[-1] > 12


def test_a_page_is_read_as_html_whatever_its_name():
    page = b"<!DOCTYPE html><html><body><p>x</p></body></html>"
    for name in ("page.html", "page.txt", "page.aspx", "page.shtml", "page", "page.md"):
        assert formats.kind(name, page) == formats.HTML, name
    assert formats.kind("notes.txt", "标题\n<p>不是网页,只是提到了标签</p>".encode()) == formats.TEXT
    assert formats.kind("photo.jpg", b"\xff\xd8\xff") is None
    assert formats.kind("report.pdf", b"%PDF-1.7") == formats.PDF
    assert formats.kind("report.bin", b"%PDF-1.7") == formats.PDF  # by content
    assert formats.kind("sheet.xlsx", b"PK\x03\x04") is None


@pytest.mark.parametrize("author,kept", [("sky", ""), ("li.qili1", ""), ("Administrator", ""),
                                         ("微软用户", ""), ("zhang@example.org", ""),
                                         ("张一鎏", "张一鎏"), ("Zhang Wei", "Zhang Wei"),
                                         ("国家卫生健康委员会", "国家卫生健康委员会")])
def test_an_account_name_in_the_properties_is_no_author(tmp_path, author, kept):
    """Word and PDF writers fill in the account that saved the file (#36):
    a person's or a body's name is kept, an account name left out and named."""
    from searchsvc.indexer import rebuild as indexer

    d = docx.Document()
    d.core_properties.author = author
    d.add_heading("罗湖区2019年工作综述", level=1)
    d.add_paragraph("罗湖区营商环境持续优化。")
    folder = tmp_path / "c"
    folder.mkdir()
    d.save(folder / "report.docx")
    report = indexer.build_index(folder, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        assert snap.documents["report"]["author"] == kept
    finally:
        snap.close()
    named = [n for n in report.notes if "reads as an account name" in n]
    assert bool(named) == (not kept), report.notes
