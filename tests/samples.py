"""The report in the formats people have, made by the tools that make them.

Used by the format tests and by the extraction benchmark: a saved news
page (navigation, share buttons, footer, script and style around the
article), Markdown, a Word file written by python-docx, and a PDF printed
by Chromium from a clean article page.
"""

import html
import os
import subprocess
from pathlib import Path

import docx

from searchsvc.ingest import corpus
from tests.conftest import SEED

NAV = """<nav class="menu"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/sz">深圳</a>
<a href="/app">手机看报</a></nav>"""
SHARE = """<div class="share">分享到: <a>微信</a> <a>微博</a> <a>QQ空间</a></div>"""
FOOTER = """<footer><p>版权所有 © 南方都市报 粤ICP备00000000号 联系我们 广告服务</p></footer>"""
CHROME_WORDS = ("首页", "分享到", "版权所有", "广告服务", "QQ空间")


def seed():
    return corpus.read_document(SEED)


def heading(label: str, text: str) -> str:
    """A section as a heading line: its label and its heading, if any."""
    return f"{label} {text}".strip()


def blocks(doc):
    """The report as a writer lays it out, in order: (1, title), then
    (2, section heading) where a section starts and (0, paragraph text)."""
    yield 1, doc.title
    section = None
    for p in doc.paragraphs:
        if p.section != section:
            section = p.section
            if section:
                yield 2, heading(section, p.heading)
        yield 0, p.text


def _article_html(doc) -> list[str]:
    return [f"<h{level}>{html.escape(text)}</h{level}>" if level else
            f"<p>{html.escape(text)}</p>" for level, text in blocks(doc)]


def report_as_html(doc, charset: str = "utf-8") -> bytes:
    """The report as a news site would serve it: navigation, share buttons,
    a footer, a script and a style around the article."""
    body = _article_html(doc)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="{charset}">
<title>{html.escape(doc.title)} - 南方都市报</title>
<meta name="author" content="{html.escape(doc.author)}">
<meta property="article:published_time" content="{doc.date}T08:00:00+08:00">
<style>.share {{ color: red }}</style>
<script>document.write("脚本里的文字不应被索引");</script>
</head><body>{NAV}{SHARE}<article>{''.join(body)}</article>{SHARE}{FOOTER}</body></html>"""
    return page.encode(charset)


CHROMIUM = os.environ.get("SEARCHSVC_CHROMIUM", "/usr/bin/chromium")


def print_pdf(page_html: str, pdf: Path, furniture: bool = True) -> Path:
    """Print an HTML page to PDF with Chromium, as a person saving a report
    would; ``furniture``: Chromium's running header and footer (date,
    title, address, page x/y) on every page."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: `make test` installs Chromium "
                                "(Debian package chromium)")
    source = pdf.with_suffix(".src.html")
    source.write_text(page_html, encoding="utf-8")
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}"]
    if not furniture:
        args.append("--no-pdf-header-footer")
    subprocess.run(args + [source.as_uri()], check=True, capture_output=True, timeout=120)
    source.unlink()
    return pdf


def report_for_print(doc) -> str:
    """The report as a clean article page: long paragraphs that wrap, first
    lines indented, headings in larger type."""
    body = _article_html(doc)
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(doc.title)}</title><style>body {{ font-size: 14pt }} "
            "p { text-indent: 2em; margin: .4em 0 }</style></head><body>"
            + "".join(body) + "</body></html>")


def report_as_docx(doc, path: Path) -> Path:
    d = docx.Document()
    d.core_properties.title = doc.title
    d.core_properties.author = doc.author
    for level, text in blocks(doc):
        if level:
            d.add_heading(text, level=level)
        else:
            d.add_paragraph(text)
    d.save(path)
    return path


def report_as_markdown(doc) -> str:
    out = []
    for level, text in blocks(doc):
        out += ["#" * level + " " + text if level else text, ""]
    return "\n".join(out)


ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")


def paged_html(pages: list[list[str]], *, columns: int = 2, title: str = "",
               head=lambda n: "", foot=lambda n: str(n), label: str = "",
               indent: bool = True) -> str:
    """Pages laid out by hand, as a journal or a thesis prints them: a
    running head and a footer on each page (``head(n)``, ``foot(n)``; ""
    for none), the paragraphs of ``pages[n - 1]`` in ``columns`` columns
    (``label``: one column of text right of a label column, the label
    beside each page's second paragraph),
    the first page under a title across the columns. Paragraphs starting
    with ``#`` are bold headings of the body's size."""
    css = ("@page { size: A4; margin: 0 } body { margin: 0; font-size: 10.5pt; line-height: 1.6 }"
           ".page { height: 297mm; box-sizing: border-box; padding: 18mm 20mm; position: relative;"
           " break-after: page; overflow: hidden }"
           ".head { position: absolute; top: 8mm; left: 20mm; right: 20mm; font-size: 9pt;"
           " border-bottom: 1px solid #000; text-align: center }"
           ".foot { position: absolute; bottom: 8mm; left: 0; right: 0; text-align: center;"
           " font-size: 9pt }"
           f".cols {{ column-count: {columns}; column-gap: 8mm; column-fill: auto; height: 240mm }}"
           ".label { display: flex; gap: 10mm } .label .side { width: 28mm; font-weight: bold }"
           ".label .main { flex: 1 } h1 { font-size: 20pt; text-align: center; margin: 0 0 6mm }"
           f"p {{ margin: 0 0 .3em; text-align: justify; text-indent: {2 if indent else 0}em }}"
           "b.h { display: block; margin: .6em 0 .3em }")
    out = []
    for n, paragraphs in enumerate(pages, 1):
        body = "".join(f"<p><b class=h>{html.escape(p[1:])}</b></p>" if p.startswith("#")
                       else f"<p>{html.escape(p)}</p>" for p in paragraphs)
        if label:  # the page's second paragraph beside its label
            body = "".join(f"<div class=label><div class=side>{html.escape(label) if i == 1 else ''}"
                           f"</div><div class=main><p>{html.escape(p)}</p></div></div>"
                           for i, p in enumerate(paragraphs))
        else:
            body = f"<div class=cols>{body}</div>"
        top = f"<h1>{html.escape(title)}</h1>" if n == 1 and title else ""
        out.append(f"<div class=page><div class=head>{html.escape(head(n))}</div>{top}{body}"
                   f"<div class=foot>{html.escape(foot(n))}</div></div>")
    return ("<!doctype html><html><head><meta charset='utf-8'><style>" + css
            + "</style></head><body>" + "".join(out) + "</body></html>")
