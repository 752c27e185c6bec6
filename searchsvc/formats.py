"""Reports as they arrive: Markdown, HTML, Word and PDF files to documents.

Each reader turns one file's bytes into the same document model as plain
text (title, date, author, source, sections, paragraphs, and for a PDF the
page of each paragraph); ``kind`` picks the reader from the content as
well as the extension (an HTML page saved as ``.txt`` is read as HTML).
Maintained libraries do the reading: markdown-it-py parses Markdown,
trafilatura extracts a page's article (navigation, share buttons and
footers left out) as Markdown, python-docx reads Word files, pypdfium2
gives a PDF's characters with their boxes, from which ``pdf.py`` rebuilds
lines and paragraphs. A file that cannot be read raises
``Unreadable`` with a reason the rebuild summary shows.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from .analysis import HAN

TEXT, MARKDOWN, HTML, DOCX, PDF = "text", "markdown", "html", "docx", "pdf"
EXTENSIONS = {".txt": TEXT, ".md": MARKDOWN, ".markdown": MARKDOWN, ".html": HTML,
              ".htm": HTML, ".docx": DOCX, ".pdf": PDF}
MAX_UNZIPPED = 256 * 1024 * 1024  # a .docx that unpacks to more is refused (zip bomb)
MAX_RATIO = 200  # ... as is one whose parts compress better than this
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)
_WIDE = re.compile(rf"[{HAN}\u3000-\u303f\uff00-\uffef]")


class Unreadable(ValueError):
    """A file of a known type that cannot be read; the message says why."""


def kind(name: str, data: bytes) -> str | None:
    """The reader for a file: from its first bytes when they say (PDF, a
    zip that is a .docx, an HTML document whatever its name), else from
    its extension; None: not a document type."""
    ext = name[name.rfind("."):].lower() if "." in name else ""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return DOCX if ext == ".docx" else None
    if ext == ".docx":
        return DOCX  # not a zip: named as damaged or encrypted by the reader
    if _HTML_START.match(data[:4096].lstrip(b"\xef\xbb\xbf")):
        return HTML  # a saved page under any name: .txt, .aspx, .shtml, none
    return EXTENSIONS.get(ext)


@dataclass
class Parsed:
    """What a reader found: metadata and (section, text) per paragraph."""

    title: str = ""
    author: str = ""
    date: str = ""  # ISO 8601
    source: str = ""
    sections: list[str] = field(default_factory=list)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (section, text)
    pages: list[int] = field(default_factory=list)  # a PDF's page of each paragraph, from 1


def join_lines(first: str, second: str) -> str:
    """Two lines of one paragraph: no space where either side is Chinese
    (or full-width), one space between Latin words."""
    if not first or not second:
        return first + second
    if _WIDE.match(first[-1]) or _WIDE.match(second[0]):
        return first + second
    return first + " " + second


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------

def read_markdown(text: str) -> Parsed:
    """Headings become sections (the first top-level one, the title); list
    items, block quotes, table rows and code blocks become paragraphs;
    markup is left out of the text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    parsed = Parsed()
    section = ""
    row: list[str] | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            words = _inline_text(tokens[i + 1]) if i + 1 < len(tokens) else ""
            if tok.tag == "h1" and not parsed.title and not parsed.paragraphs:
                parsed.title = words
            elif words:
                section = words
                parsed.sections.append(section)
            i += 3
            continue
        if tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            cells = [c for c in row if c]
            if cells:
                parsed.paragraphs.append((section, " | ".join(cells)))
            row = None
        elif tok.type == "inline" and row is not None:
            row.append(_inline_text(tok))
        elif tok.type == "inline":
            for line in _inline_text(tok).split("\n"):  # hard breaks split paragraphs
                if line.strip():
                    parsed.paragraphs.append((section, line.strip()))
        elif tok.type in ("fence", "code_block"):
            for line in tok.content.split("\n\n"):
                if line.strip():
                    parsed.paragraphs.append((section, " ".join(line.split())))
        i += 1
    return parsed


def _inline_text(tok) -> str:
    """An inline token's text without markup; soft breaks joined as one
    paragraph's lines are (``join_lines``), hard breaks kept as newlines."""
    out = ""
    for child in tok.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            piece = child.content if child.type != "html_inline" else ""
            out += piece
        elif child.type == "softbreak":
            out = out.rstrip()
            out += "\0"  # joined below, once the next line is known
        elif child.type == "hardbreak":
            out += "\n"
        elif child.type == "image":
            out += child.content
    parts = out.split("\0")
    joined = parts[0]
    for part in parts[1:]:
        joined = join_lines(joined, part.lstrip())
    return joined.strip()


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

def read_html(data: bytes) -> Parsed:
    """The page's article as trafilatura extracts it (as Markdown, read
    like a Markdown file), with the title, author and date of its <title>
    and <meta> tags. The charset comes from the page or is detected."""
    import trafilatura
    from htmldate import find_date

    text = _decode_html(data)
    extracted = trafilatura.extract(text, output_format="markdown", include_formatting=True,
                                    include_comments=False, include_tables=True,
                                    favor_recall=True, with_metadata=False)
    if not extracted or not extracted.strip():
        raise Unreadable("no article text found in the page")
    parsed = read_markdown(extracted)
    meta = trafilatura.extract_metadata(text)
    if meta is not None:
        parsed.title = parsed.title or (meta.title or "")
        parsed.author = meta.author or ""
        parsed.source = meta.sitename or ""
    # trafilatura drops author names it does not take for Latin names (张一鎏)
    parsed.author = parsed.author or _meta_content(text, ("author", "article:author"))
    try:
        parsed.date = find_date(text, extensive_search=False, original_date=True) or ""
    except Exception:  # noqa: BLE001 - a date is optional; the text is what counts
        parsed.date = ""
    return parsed


def _meta_content(text: str, names: tuple[str, ...]) -> str:
    """The content of the page's first <meta> with one of ``names``."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(text)
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    for meta in tree.iter("meta"):
        if (meta.get("name") or meta.get("property") or "").lower() in names:
            return " ".join((meta.get("content") or "").split())
    return ""


def _decode_html(data: bytes) -> str:
    """The page as text: the charset its bytes declare (BOM, <meta>), or
    the one charset-normalizer finds; GB2312 and GBK are read as GB18030,
    which contains both."""
    from charset_normalizer import from_bytes

    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", data[:4096], re.I)
    names = [declared.group(1).decode("ascii").lower()] if declared else []
    names = ["gb18030" if n in ("gb2312", "gbk", "x-gbk") else n for n in names]
    for name in names + ["utf-8"]:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(data).best()
    if best is None:
        raise Unreadable("the page's character set cannot be told")
    return str(best)


# --------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------

def read_docx(data: bytes) -> Parsed:
    """Headings (and the Title style) become the title and sections,
    paragraphs stay paragraphs, each table row becomes one paragraph (its
    cells joined by |), and the core properties give title, author and
    date."""
    _check_zip(data)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph as DocxParagraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on a bad file
        raise Unreadable(f"damaged .docx ({type(exc).__name__})") from None
    parsed = Parsed()
    props = document.core_properties
    parsed.author = props.author or ""
    parsed.date = props.created.date().isoformat() if props.created else ""
    section = ""
    # style names by id, read once: python-docx looks a paragraph's style up
    # in the styles part on every call (3 ms a paragraph)
    names = {s.style_id: s.name or "" for s in document.styles}
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = DocxParagraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            style = names.get(child.style, "") if child.style else ""
            if style == "Title" or (style == "Heading 1" and not parsed.title
                                    and not parsed.paragraphs):
                parsed.title = parsed.title or text
            elif style.startswith("Heading"):
                section = text
                parsed.sections.append(section)
            else:
                parsed.paragraphs += [(section, line.strip())
                                      for line in text.split("\n") if line.strip()]
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                cells = [c for c in cells if c]
                if cells:
                    parsed.paragraphs.append((section, " | ".join(" ".join(c.split())
                                                                  for c in cells)))
    parsed.title = parsed.title or (props.title or "")
    return parsed


def _check_zip(data: bytes) -> None:
    """Refuse what is not a zip (an encrypted Word file is an OLE file) and
    a zip that would unpack to far more than a report (a zip bomb)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("encrypted or old-format Word file (only .docx is read)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Unreadable("damaged .docx (not a complete zip file)") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED or total > MAX_RATIO * packed and total > 16 * 1024 * 1024:
        raise Unreadable(f"refused: unpacks to {total:,} bytes (a zip bomb?)")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise Unreadable("damaged .docx (no word/document.xml)")
