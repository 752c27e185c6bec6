"""The corpus folder: files to documents, with the files skipped and why.

Every file of the folder's tree that ``tree`` lists is a candidate
document, named by its path in the folder (``2023/gwr.txt``, id
``2023-gwr``); the folder's ``_`` files (the dictionary, synonyms, heading
rules and metadata table) live beside the documents: ``Extras``. Plain
text is read by ``text``; Markdown, HTML, Word and PDF files by their
readers (``readers``); any other file is named as skipped, with its type.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis import equivalences
from ..analysis.normalize import normalize_text
from . import metadata, readers
from .headings import DEFAULT_RULES, RULES_FILE, Outline, Rule, parse_rules
from .model import Document, Paragraph, Parsed, Skipped, Unsupported
from .readers import decode
from .split import split_long
from .text import parse_text
from .tree import IGNORE_FILE, CorpusError, listed  # noqa: F401  (the names callers know)

_SAFE_ID = re.compile(r"[^\w.\-]+")
_LISTED = re.compile(r"(?!\./)(?:(?!\.?/)[^/\x00]+/)*(?!\.\Z)[^/\x00]+")  # no /, ., // parts
MAX_FILE_BYTES = 64 * 1024 * 1024  # a larger file is not a report
# what the readers make of a file; raised when that changes, so the next
# rebuild reads every file again (2: a line of digits is text, #36; 3: tables,
# web text, long paragraphs split and a PDF's hanging lines, #40)
READERS = 3
MAX_PARAGRAPH_CHARS = 100_000  # a longer "paragraph" is a dump, not prose


def doc_id_for(path: Path | str) -> str:
    """A stable, URL-safe id from the file's path in the corpus without its
    extension: ``gwr-2024.txt`` → ``gwr-2024``, ``2023/省级/广东.txt`` →
    ``2023-省级-广东``."""
    if isinstance(path, str) and _LISTED.fullmatch(path):
        # a path as the listing gives it (parts joined by "/"), cut as
        # pathlib would: a Path a file cost a tenth of a rebuild's listing
        name = path.rpartition("/")[2]
        dot = name.rfind(".")
        stem = path[:len(path) - len(name) + dot] if 0 < dot < len(name) - 1 else path
    else:
        path = Path(path)
        if path.is_absolute():  # a file outside a corpus' listing: its name alone
            path = Path(path.name)
        stem = path.with_suffix("").as_posix() if path.suffix else path.as_posix()
    return _SAFE_ID.sub("-", stem.replace("/", "-")).strip("-") or "doc"


@dataclass
class Source:
    """A document file as found: its id, bytes, content digest, size and
    modification time.

    The digest lets a rebuild keep what it indexed before for a file that
    has not changed, without parsing it again; size and time let it skip
    reading such a file at all (``scan``'s ``known``).
    """

    path: Path
    doc_id: str
    data: bytes | None  # None: not read (known unchanged); ``content`` reads it
    digest: str
    size: int = 0
    mtime: int = 0  # st_mtime_ns
    name: str = ""  # its path in the corpus folder (2023/gwr.txt), "/" between parts

    def __post_init__(self):
        self.name = self.name or self.path.name

    def content(self) -> bytes:
        if self.data is None:
            self.data = self.path.read_bytes()
        return self.data


Known = dict[str, tuple[int, int, str]]  # path in the folder -> (size, mtime_ns, digest)


def scan(corpus_dir: str | Path, known: Known | None = None) -> tuple[list[Source], list[Skipped]]:
    """Every document file of a folder, read but not parsed, in order.

    A file that ``known`` lists with its size and modification time (what
    the current build recorded) is taken as unchanged and not read, as
    rsync and make decide; a rebuild with ``full`` reads every file. Ids
    are unique: a second file whose name gives the same id gets ``-2``.
    Raises CorpusError for a missing or empty folder.
    """
    sources = []
    found, skipped = listed(corpus_dir)
    used: set[str] = set()
    for relative, entry in found:
        path = Path(entry.path)
        doc_id = doc_id_for(relative)
        base, n = doc_id, 2
        while doc_id in used:
            doc_id, n = f"{base}-{n}", n + 1
        used.add(doc_id)
        try:
            source = _read_source(path, doc_id, (known or {}).get(relative), entry.stat())
            source.name = relative
            sources.append(source)
        except (OSError, ValueError) as exc:
            skipped.append(Skipped(str(path), getattr(exc, "strerror", None) or str(exc)))
    return sources, skipped


def _read_source(path: Path, doc_id: str, known: tuple[int, int, str] | None = None,
                 stat: os.stat_result | None = None) -> Source:
    stat = stat or path.stat()
    size = stat.st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file of {size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit")
    if known is not None and known[:2] == (size, stat.st_mtime_ns):
        return Source(path, doc_id, None, known[2], size, stat.st_mtime_ns)
    data = path.read_bytes()
    return Source(path, doc_id, data, hashlib.sha1(data).hexdigest(), size, stat.st_mtime_ns)


def parse_source(source: Source, extras: Extras | None = None) -> Document:
    """Parse one file, by the reader its content and extension call for,
    with the corpus's heading rules and ``_metadata.csv`` row
    (``extras``); raise ValueError when it cannot be used."""
    extras = extras or Extras()
    data = source.content()
    reader = readers.kind(source.path.name, data)
    if reader is None:
        raise Unsupported(source.path.suffix.lower() or "no extension")
    if reader == readers.TEXT:
        text, encoding = decode(data)
        doc = parse_text(text, source.doc_id, str(source.path), encoding, rules=extras.rules)
    else:
        doc = _from_parsed(readers.read(reader, data), source,
                           extras.rules)
    overrides = extras.metadata.get(source.name) or extras.metadata.get(source.path.name)
    if overrides:
        if "tags" in overrides:
            doc.tags = []  # the table's tags replace the file's own
        metadata.apply(doc, overrides, METADATA_FILE)
    doc.digest = source.digest
    doc.file = source.name
    longest = max((len(p.text) for p in doc.paragraphs), default=0)
    if longest > MAX_PARAGRAPH_CHARS:
        raise ValueError(f"a paragraph of {longest:,} characters is over the "
                         f"{MAX_PARAGRAPH_CHARS:,}-character limit")
    doc.paragraphs, doc.reasons = split_long(doc.paragraphs, doc.reasons)  # for reading
    if not doc.paragraphs:
        raise ValueError("no paragraphs")
    return doc


def _from_parsed(parsed: Parsed, source: Source, rules: tuple | None) -> Document:
    """A formatted file's document; ``rules``: the heading rules to read
    its paragraphs with (Markdown and web pages: a numbered line under a
    Markdown heading becomes a heading under that section)."""
    author = parsed.author.strip()
    if author and not metadata.plausible_author(author):  # an account name, not a person's
        parsed.problems.append(f"the file's properties: author {author!r} reads as an "
                               "account name; left out")
        author = ""
    doc = Document(doc_id=source.doc_id, path=str(source.path),
                   title=parsed.title.strip() or source.path.stem, author=author,
                   date="", source=parsed.source, encoding="", tags=list(parsed.tags),
                   problems=list(parsed.problems))
    if parsed.date:
        metadata.apply(doc, {"date": parsed.date}, "the file's properties")
    metadata.apply(doc, parsed.fields, "front matter")
    pages = parsed.pages or [0] * len(parsed.paragraphs)
    reasons = parsed.reasons or [""] * len(parsed.paragraphs)
    doc.dropped = list(parsed.dropped)
    outline = Outline(rules) if rules else None
    base = None
    for (section, text), page, why in zip(parsed.paragraphs, pages, reasons):
        heading = ""
        if outline is not None:
            if section != base:
                outline.restart(section)
                base = section
            taken, opens_with = outline.read(text, normalize_text(text))
            if taken:
                continue
            section, heading = outline.section, outline.heading or opens_with
        doc.paragraphs.append(Paragraph(len(doc.paragraphs) + 1, text, section, heading,
                                        page=page))
        doc.reasons.append(why)
    labels = list(parsed.sections) + [p.section for p in doc.paragraphs]
    doc.sections = [{"label": label, "heading": ""} for label in dict.fromkeys(labels) if label]
    return doc


def parse_or_skip(source: Source, skipped: list[Skipped],
                  extras: Extras | None = None) -> Document | None:
    """The parsed document, or None with the reason added to ``skipped``."""
    try:
        return parse_source(source, extras)
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
    extras = read_extras(corpus_dir)
    sources, skipped = scan(corpus_dir)
    documents = [doc for source in sources if (doc := parse_or_skip(source, skipped, extras))]
    return documents, skipped


DICTIONARY_FILE = "_dictionary.txt"  # jieba user dictionary, beside the documents
SYNONYMS_FILE = equivalences.SYNONYMS_FILE  # one rule a line, read at query time
METADATA_FILE = "_metadata.csv"  # file name -> date, source, author, tags, title


@dataclass
class Extras:
    """Corpus-wide files beside the documents: user dictionary, synonyms,
    heading rules (``_headings.txt``, else ``headings.DEFAULT_RULES``) and
    the metadata table (``_metadata.csv``), whose rows override what a
    file says of itself. ``problems``: what of them could not be used."""

    user_dict: str = ""
    synonyms: list[list[str]] = field(default_factory=list)
    rules: tuple[Rule, ...] = DEFAULT_RULES
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    parsing: str = ""  # the rules' and table's text: a change re-reads every file
    problems: list[str] = field(default_factory=list)


def read_extras(corpus_dir: str | Path) -> Extras:
    """The corpus folder's extras (each empty or the default when absent).
    Raises CorpusError for heading rules that cannot be read (the sections
    of every document depend on them); a metadata table that cannot be
    read is left out and named in ``problems``."""
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
    rules_path = folder / RULES_FILE
    if rules_path.is_file():
        try:
            text, _ = decode(rules_path.read_bytes())
            extras.rules = parse_rules(text)
        except ValueError as exc:
            raise CorpusError(f"{RULES_FILE}: {exc}") from None
        extras.parsing += text
    table_path = folder / METADATA_FILE
    if table_path.is_file():
        try:
            text, _ = decode(table_path.read_bytes())
            extras.metadata = metadata.read_table(text)
            extras.parsing += "\0" + text
        except ValueError as exc:
            extras.problems.append(f"{METADATA_FILE}: not read ({exc})")
    return extras
