"""The one registry of readable file types: which reader takes a file, and
how its original is served.

``kind`` picks the reader from the content as well as the extension (an
HTML page saved as ``.txt`` is read as HTML, a PDF is a PDF whatever its
name); ``read`` runs a formatted file's reader, so one bad file becomes a
skip reason, never a stopped rebuild. The rebuild's summary, the web's
original files and the command line all read ``FORMATS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Parsed

TEXT, MARKDOWN, HTML, DOCX, PDF = "text", "markdown", "html", "docx", "pdf"


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    mimetype: str  # how the original is served
    download: bool  # served as a download: a browser would run it (HTML) or cannot show it


FORMATS = (
    Format(TEXT, (".txt",), "text/plain; charset=utf-8", False),
    Format(MARKDOWN, (".md", ".markdown"), "text/plain; charset=utf-8", False),
    Format(HTML, (".html", ".htm"), "text/html", True),
    Format(DOCX, (".docx",),
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
    Format(PDF, (".pdf",), "application/pdf", False),
)
EXTENSIONS = {ext: f.name for f in FORMATS for ext in f.extensions}
_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)


def _extension(name: str) -> str:
    return name[name.rfind("."):].lower() if "." in name else ""


def kind(name: str, data: bytes) -> str | None:
    """The reader for a file: from its first bytes when they say (PDF, a
    zip that is a .docx, an HTML document whatever its name), else from
    its extension; None: not a document type."""
    ext = _extension(name)
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return DOCX if ext == ".docx" else None
    if ext == ".docx":
        return DOCX  # not a zip: named as damaged or encrypted by the reader
    if _HTML_START.match(data[:4096].lstrip(b"\xef\xbb\xbf")):
        return HTML  # a saved page under any name: .txt, .aspx, .shtml, none
    return EXTENSIONS.get(ext)


def original_type(name: str) -> tuple[str, bool]:
    """(mimetype, as a download) for serving an original file: text and
    PDF shown in the browser, anything a browser would run or cannot show
    downloaded, an unknown type as bytes to download."""
    found = _BY_EXTENSION.get(_extension(name))
    return (found.mimetype, found.download) if found else ("application/octet-stream", True)


def decode(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or GB18030; raise ValueError."""
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise ValueError("neither UTF-8 nor GB18030")


def read(reader: str, data: bytes) -> Parsed:
    """A Markdown, HTML, Word or PDF file through its reader. The libraries behind them
    raise many kinds of errors on damaged input: each becomes a ValueError
    naming the type."""
    from . import docx, html, markdown, pdf

    try:
        if reader == MARKDOWN:
            return markdown.read_markdown(decode(data)[0])
        if reader == HTML:
            return html.read_html(data)
        if reader == PDF:
            return pdf.read_pdf(data)
        return docx.read_docx(data)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - named in the summary, not raised
        raise ValueError(f"cannot be read as {reader} ({type(exc).__name__})") from None
