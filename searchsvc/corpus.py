"""Reading the corpus folder: files to documents with metadata and paragraphs.

Every file is a candidate document, except files whose name starts with
``_`` or ``.`` (the dictionary and synonym files live beside the
documents). Plain text is read here: newspaper pages carry a byline
(``来源:… 日期 … 版次:… 作者:…``) and site chrome; other text files are a
title line followed by paragraphs. Markdown, HTML, Word and PDF files are
read by ``formats``; any other file is named as skipped, with its type.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import formats, pdf
from .analysis import normalize_text

# Lines of the news site's page, not of the report. Lines are compared after
# normalization (width, case, traditional to simplified), so a traditional
# copy of a page parses like the original.
CHROME = frozenset(normalize_text(s) for s in ("·", "分享到:", "手机看报", "返回奥一网 意见反馈"))
_CREDIT = re.compile(r"^本版采写[:：]\s*(?P<credit>.+)$")
_BYLINE = re.compile(r"^来源[:：]")
_FIELD = re.compile(r"^(?P<key>来源|版次|作者)[:：]\s*(?P<value>.+)$")
_DATE = re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
_SEPARATOR = re.compile(r"[\s\u00a0\u3000]{2,}")
# A section label: 答卷1 … 答卷N, and the report's 聚焦/数读/目标 boxes.
_SECTION_LABEL = re.compile(r"^(答卷\d+|聚焦|数读|目标)$")
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_SAFE_ID = re.compile(r"[^\w.\-]+")
MAX_FILE_BYTES = 64 * 1024 * 1024  # a larger file is not a report
MAX_PARAGRAPH_CHARS = 100_000  # a longer "paragraph" is a dump, not prose


class CorpusError(Exception):
    """The corpus as a whole cannot be indexed (missing, empty)."""


@dataclass
class Paragraph:
    number: int  # 1-based, in document order
    text: str
    section: str = ""  # label, e.g. 答卷3
    heading: str = ""  # the heading line under the label
    page: int = 0  # a PDF's page where the paragraph starts, from 1; 0: no pages


@dataclass
class Document:
    doc_id: str
    path: str
    title: str
    deck: str = ""
    source: str = ""
    date: str = ""  # ISO 8601 when the byline has one
    edition: str = ""
    author: str = ""
    credit: str = ""
    encoding: str = "utf-8"
    digest: str = ""  # of the file's bytes
    first: int = 0  # docnum of the first paragraph, given by the indexer
    sections: list[dict] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)

    def metadata(self) -> dict:
        return {
            "doc_id": self.doc_id, "title": self.title, "deck": self.deck,
            "source": self.source, "date": self.date, "edition": self.edition,
            "author": self.author, "credit": self.credit,
            "file": Path(self.path).name, "paragraphs": len(self.paragraphs),
            "sections": self.sections,
        }


@dataclass
class Skipped:
    """A file that could not be read, with the reason, for the summary."""

    path: str
    reason: str
    unsupported: str = ""  # the extension, when the file is of a type not read


class Unsupported(ValueError):
    """A file of a type no reader takes."""

    def __init__(self, extension: str):
        super().__init__(f"unsupported type ({extension})")
        self.extension = extension


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


def document_files(corpus_dir: str | Path) -> list[Path]:
    """The files of a corpus folder that may be documents, sorted; raise CorpusError."""
    folder = Path(corpus_dir)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    files = sorted((p for p in folder.iterdir()
                    if p.is_file() and not p.name.startswith(("_", "."))),
                   key=lambda p: p.parts)  # Path order; comparing Paths is 10x slower
    if not files:
        raise CorpusError(f"no documents in corpus folder: {folder}")
    return files



def doc_id_for(path: Path) -> str:
    """A stable, URL-safe id from the file name's stem."""
    return _SAFE_ID.sub("-", path.stem).strip("-") or "doc"


def _is_heading_like(line: str) -> bool:
    return len(line) <= 40 and not _SENTENCE_END.search(line)


def parse_text(text: str, doc_id: str, path: str = "", encoding: str = "utf-8") -> Document:
    """Split a document's text into metadata and paragraphs."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # (indented, stripped, normalized) for every line that is not blank or
    # site chrome; patterns match the normalized form, values come from the line
    lines = [(raw[:1].isspace(), s, normalize_text(s))
             for raw in raw_lines if (s := raw.strip())]
    lines = [line for line in lines if line[2] not in CHROME]

    doc = Document(doc_id=doc_id, path=path, title="", encoding=encoding)
    byline_at = next((i for i, (_, _, key) in enumerate(lines[:6])
                      if _BYLINE.match(key)), None)
    if byline_at is not None and byline_at >= 1:
        doc.title = lines[0][1]
        doc.deck = " ".join(s for _, s, _ in lines[1:byline_at])
        _parse_byline(doc, lines[byline_at][1])
        body = lines[byline_at + 1:]
    elif lines:
        doc.title = lines[0][1]
        body = lines[1:]
    else:
        body = []

    section = heading = ""
    expect_heading = False
    for indented, line, key in body:
        if _CREDIT.match(key):
            doc.credit = _after_colon(line)
            continue
        if _SECTION_LABEL.match(key):
            section, heading, expect_heading = line, "", True
            doc.sections.append({"label": section, "heading": ""})
            continue
        if expect_heading and indented and _is_heading_like(line):
            heading = line
            doc.sections[-1]["heading"] = heading
            expect_heading = False
            continue
        expect_heading = False
        doc.paragraphs.append(Paragraph(len(doc.paragraphs) + 1, line, section, heading))
    if not doc.title:
        doc.title = doc_id
    if not doc.paragraphs and lines and byline_at is None:
        # A one-line note: its only line is both title and text.
        doc.paragraphs.append(Paragraph(1, doc.title))
    return doc


def _after_colon(text: str) -> str:
    return re.split(r"[:：]", text, maxsplit=1)[-1].strip()


def _parse_byline(doc: Document, line: str) -> None:
    for part in _SEPARATOR.split(line):
        part = part.strip()
        if not part:
            continue
        key = normalize_text(part)
        date = _DATE.match(key)
        if date:
            doc.date = f"{int(date['y']):04d}-{int(date['m']):02d}-{int(date['d']):02d}"
            continue
        found = _FIELD.match(key)
        if found:
            name = {"来源": "source", "版次": "edition", "作者": "author"}[found["key"]]
            setattr(doc, name, _after_colon(part))


@dataclass
class Source:
    """A document file as found: its id, bytes and content digest.

    The digest lets a rebuild keep what it indexed before for a file that
    has not changed, without parsing it again.
    """

    path: Path
    doc_id: str
    data: bytes
    digest: str


def scan(corpus_dir: str | Path) -> tuple[list[Source], list[Skipped]]:
    """Every document file of a folder, read but not parsed, in order.

    Ids are unique: a second file whose name gives the same id gets ``-2``.
    Raises CorpusError for a missing or empty folder.
    """
    sources, skipped = [], []
    used: set[str] = set()
    for path in document_files(corpus_dir):
        doc_id = doc_id_for(path)
        base, n = doc_id, 2
        while doc_id in used:
            doc_id, n = f"{base}-{n}", n + 1
        used.add(doc_id)
        try:
            sources.append(_read_source(path, doc_id))
        except (OSError, ValueError) as exc:
            skipped.append(Skipped(str(path), str(exc)))
    return sources, skipped


def _read_source(path: Path, doc_id: str) -> Source:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file of {size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit")
    data = path.read_bytes()
    return Source(path, doc_id, data, hashlib.sha1(data).hexdigest())


def parse_source(source: Source) -> Document:
    """Parse one file, by the reader its content and extension call for;
    raise ValueError when it cannot be used."""
    reader = formats.kind(source.path.name, source.data)
    if reader is None:
        raise Unsupported(source.path.suffix.lower() or "no extension")
    if reader == formats.TEXT:
        text, encoding = decode(source.data)
        doc = parse_text(text, source.doc_id, str(source.path), encoding)
    else:
        doc = _from_parsed(_read_formatted(reader, source.data), source)
    doc.digest = source.digest
    longest = max((len(p.text) for p in doc.paragraphs), default=0)
    if longest > MAX_PARAGRAPH_CHARS:
        raise ValueError(f"a paragraph of {longest:,} characters is over the "
                         f"{MAX_PARAGRAPH_CHARS:,}-character limit")
    if not doc.paragraphs:
        raise ValueError("no paragraphs")
    return doc


def _read_formatted(reader: str, data: bytes) -> formats.Parsed:
    """A Markdown, HTML or Word file through its reader. The libraries
    behind them raise many kinds of errors on damaged input: each becomes
    the file's skip reason, so one bad file never stops a rebuild."""
    try:
        if reader == formats.MARKDOWN:
            return formats.read_markdown(decode(data)[0])
        if reader == formats.HTML:
            return formats.read_html(data)
        if reader == formats.PDF:
            return pdf.read_pdf(data)
        return formats.read_docx(data)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - named in the summary, not raised
        raise ValueError(f"cannot be read as {reader} ({type(exc).__name__})") from None


def _from_parsed(parsed: formats.Parsed, source: Source) -> Document:
    doc = Document(doc_id=source.doc_id, path=str(source.path),
                   title=parsed.title.strip() or source.path.stem, author=parsed.author,
                   date=parsed.date, source=parsed.source, encoding="")
    doc.sections = [{"label": label, "heading": ""} for label in dict.fromkeys(parsed.sections)]
    pages = parsed.pages or [0] * len(parsed.paragraphs)
    doc.paragraphs = [Paragraph(n, text, section, page=page)
                      for n, ((section, text), page) in enumerate(zip(parsed.paragraphs, pages), 1)]
    return doc


def parse_or_skip(source: Source, skipped: list[Skipped]) -> Document | None:
    """The parsed document, or None with the reason added to ``skipped``."""
    try:
        return parse_source(source)
    except ValueError as exc:
        skipped.append(Skipped(str(source.path), str(exc), getattr(exc, "extension", "")))
        return None


def read_document(path: Path, doc_id: str | None = None) -> Document:
    """Read and parse one file; raise OSError or ValueError when it cannot be used."""
    return parse_source(_read_source(path, doc_id or doc_id_for(path)))


def read_corpus(corpus_dir: str | Path) -> tuple[list[Document], list[Skipped]]:
    """All readable documents of a folder, and the files that were skipped.

    Raises CorpusError when the folder is missing or holds no document at
    all; a single bad file is only reported.
    """
    sources, skipped = scan(corpus_dir)
    documents = [doc for source in sources if (doc := parse_or_skip(source, skipped))]
    return documents, skipped


DICTIONARY_FILE = "_dictionary.txt"  # jieba user dictionary, beside the documents
SYNONYMS_FILE = "_synonyms.txt"  # one group of synonyms a line


@dataclass
class Extras:
    """Corpus-wide files beside the documents: user dictionary and synonyms."""

    user_dict: str = ""
    synonyms: list[list[str]] = field(default_factory=list)


def read_extras(corpus_dir: str | Path) -> Extras:
    """The corpus folder's user dictionary and synonym groups (empty when absent)."""
    folder = Path(corpus_dir)
    extras = Extras()
    dict_path = folder / DICTIONARY_FILE
    if dict_path.is_file():
        extras.user_dict, _ = decode(dict_path.read_bytes())
    syn_path = folder / SYNONYMS_FILE
    if syn_path.is_file():
        text, _ = decode(syn_path.read_bytes())
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            group = list(dict.fromkeys(line.split()))
            if len(group) > 1:
                extras.synonyms.append(group)
    return extras
