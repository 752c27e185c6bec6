"""What pages show: every paragraph (its document, number, section,
heading and text) and every document's metadata.

A hit's text and the document view are read from here, not from Whoosh's
stored fields: Whoosh pickles and compresses each paragraph's fields at
build time (about a fifth of a build's work) and unpickles them per hit;
here a paragraph is one JSON line of a line table (``linetable``).

Files, per part of a build (``P`` is the part's name):
  P.paragraphs.jsonl   one JSON object per paragraph, in docnum order:
                       {"doc", "n", "section", "heading", "text"}
  P.paragraphs.idx     uint64 byte offsets: the start of each line, then the file's end
and, per build:
  documents.jsonl      one JSON object per document, in corpus order
  documents.table      what a search needs of every document: one JSON object
                       of a list per field (``table.DocumentsTable``), read when a
                       build opens, where documents.jsonl's entries
                       (sections and all) took seconds at 1.7 M paragraphs
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..analysis.normalize import flat_text
from . import linetable
from .files import DamagedFile, Mapped, decoded, json_line
from .linetable import LineTable
from .partmap import PartMap
from .postings import word_key
from .table import DEFAULTS, FIELDS, DocumentsTable
from .table import NAME as TABLE

__all__ = ["DOCUMENTS", "TABLE", "Documents", "ParagraphStore", "StoredEntry", "files",
           "heading_texts", "read_table", "stored_entries", "write", "write_documents"]

LINES, OFFSETS = "paragraphs.jsonl", "paragraphs.idx"


def files(part: str) -> list[str]:
    return [f"{part}.{LINES}", f"{part}.{OFFSETS}"]


def write(folder: Path, part: str, records: Iterable[dict[str, Any]]) -> None:
    """Write part ``part``: ``records`` are dicts, in docnum order."""
    lines_file, offsets_file = (folder / f for f in files(part))
    linetable.write(lines_file, offsets_file, (json_line(r)[:-1] for r in records))


class ParagraphStore:
    """Read side over a build's parts; docnums run on from part to part."""

    def __init__(self, folder: Path, parts: list[str]):
        self._parts: list[LineTable] = []
        try:
            for part in parts:
                lines_file, offsets_file = (folder / f for f in files(part))
                self._parts.append(LineTable(lines_file, offsets_file))
        except BaseException:
            self.close()
            raise
        self._numbering = PartMap([len(t) for t in self._parts])
        self.count = self._numbering.total

    def __len__(self) -> int:
        return self.count

    def record(self, docnum: int) -> dict[str, Any]:
        """One paragraph: {"doc", "n", "section", "heading", "text"}, and
        "page" for a PDF's."""
        return self.records(docnum, 1)[0]

    def records(self, first: int, count: int) -> list[dict[str, Any]]:
        """Consecutive paragraphs of one part (a document's), in one read."""
        if count < 1 or not 0 <= first <= self.count - count:
            raise IndexError(f"paragraphs {first} to {first + count - 1}")
        i, local = self._numbering.locate(first)
        table = self._parts[i]
        if local + count > len(table):
            raise IndexError(f"paragraphs {first} to {first + count - 1} span two parts")
        return [decoded(table.text.name, line, f"for paragraph {first + k}")
                for k, line in enumerate(table.lines(local, count))]

    def close(self) -> None:
        for table in self._parts:
            table.close()
        self._parts = []


DOCUMENTS = "documents.jsonl"
Entry = dict[str, Any]  # a document's entry: its metadata, sections and runs


def heading_texts(entry: Entry) -> list[str]:
    """The heading field of each run of a document's paragraphs (one for
    the document when it has no runs): its title, section label and the
    section's heading, flat (``analysis.flat_text``), joined by NUL so no
    word runs across two of them. Computed once, when the document is
    indexed, and kept in its entry."""
    title = flat_text(entry["title"])
    if not entry["runs"]:
        return [title]
    headings: dict[str, str] = {}
    if any(label for label, _ in entry["runs"]):
        for section in entry.get("sections", []):
            headings.setdefault(section.get("label", ""), section.get("heading", ""))
    return ["\0".join((title, flat_text(label), flat_text(headings.get(label, ""))))
            for label, _ in entry["runs"]]


class StoredEntry:
    """A document's entry as a previous build stored it: its documents.jsonl
    line (bytes, written back as they are) and its row of documents.table
    (what a rebuild's plan reads). A rebuild of 150,000 documents decoded
    and encoded every entry again, most of an incremental rebuild."""

    __slots__ = ("line", "_table", "_row")

    def __init__(self, line: bytes, table: DocumentsTable, row: int):
        self.line, self._table, self._row = line, table, row

    def __getitem__(self, name: str) -> Any:
        return self._table.values(name)[self._row]

    def get(self, name: str, default: Any = None) -> Any:
        return self._table.values(name)[self._row] if name in FIELDS else default

    def decoded(self) -> Entry:
        entry: Entry = decoded(DOCUMENTS, self.line, f"for {self['doc_id']!r}")
        return entry


def stored_entries(folder: Path) -> dict[str, StoredEntry]:
    """A build's entries by document id, undecoded, in corpus order."""
    table = read_table(folder)
    data = (folder / DOCUMENTS).read_bytes()
    ends = table.end
    if (ends[-1] if ends else 0) != len(data):
        raise DamagedFile(TABLE, f"does not line up with {DOCUMENTS}")
    return {doc_id: StoredEntry(data[start:end], table, i)
            for i, (doc_id, start, end) in enumerate(zip(table.doc_id, [0, *ends[:-1]], ends))}


def write_documents(folder: Path, entries: list[StoredEntry | Entry]) -> DocumentsTable:
    """documents.jsonl (one JSON object per document, in corpus order;
    a new entry gets its heading texts, a ``StoredEntry`` is written as it
    was) and documents.table, which is returned."""
    table: dict[str, list[Any]] = {name: [] for name in FIELDS}
    end = 0
    with open(folder / DOCUMENTS, "wb") as f:
        for entry in entries:
            if isinstance(entry, StoredEntry):
                line = entry.line
            else:
                if "headings" not in entry:
                    entry["headings"] = heading_texts(entry)
                line = json_line(entry)
            f.write(line)
            end += len(line)
            for name, values in table.items():
                values.append(end if name == "end" else entry.get(name) or DEFAULTS[name]
                              if name in DEFAULTS else entry[name])
        f.flush()
        os.fsync(f.fileno())
    with open(folder / TABLE, "wb") as f:
        f.write(json_line(table))
        f.flush()
        os.fsync(f.fileno())
    return DocumentsTable(**table)


def read_table(folder: Path, docnums: int | None = None) -> DocumentsTable:
    """documents.table, checked (``table.DocumentsTable.of``)."""
    return DocumentsTable.of(decoded(TABLE, (folder / TABLE).read_bytes(),
                                     "as the documents' table"), docnums)


class Documents:
    """Documents by id, as a read-only mapping of their metadata.

    Only what every search needs stays in memory (the ids, titles, first
    docnums and paragraph counts), and not as objects per document: the
    ids and titles are each one string with their offsets, the numbers
    int arrays, an id found through a sorted array of the stable keys the
    word postings use (``postings.word_key``). The rest of an entry is read from its line
    when a page asks for it. At 16x the help corpus (38,000 documents) a
    dict of tuples of them held about 20 MB in every worker, most of it
    small objects left between the freed ones of documents.table's
    decoding (#38).
    """

    def __init__(self, folder: Path, ids: list[str], titles: list[str], first: list[int],
                 paragraphs: list[int], ends: list[int]):
        self._lines = Mapped(folder / DOCUMENTS)
        self._ids, self._id_at = _joined(ids)
        self._titles, self._title_at = _joined(titles)
        # arrays, not numpy's: an item read is a plain int, at list speed
        self._first = array("q", first)
        self._count = array("q", paragraphs)
        self._ends = array("q", [0, *ends])
        keys = [_id_key(d) for d in ids]
        order = sorted(range(len(ids)), key=keys.__getitem__)
        self._order = array("q", order)
        self._keys = array("Q", [keys[i] for i in order])
        if ids and self._ends[-1] != len(self._lines):
            self.close()
            raise DamagedFile(TABLE, f"does not line up with {DOCUMENTS}")

    @classmethod
    def open(cls, folder: Path, docnums: int | None = None) -> tuple[Documents, DocumentsTable]:
        """The documents, and documents.table, which the snapshot's
        columns and heading field are made from once."""
        table = read_table(folder, docnums)
        return cls(folder, table.doc_id, table.title, table.first, table.paragraphs,
                   table.end), table

    def _position(self, doc_id: object) -> int:
        """The document's place in corpus order; -1 when there is none."""
        if not isinstance(doc_id, str):
            return -1
        key = _id_key(doc_id)
        i = bisect_left(self._keys, key)
        while i < len(self._keys) and self._keys[i] == key:
            at = self._order[i]
            if self._id(at) == doc_id:
                return at
            i += 1
        return -1

    def _id(self, at: int) -> str:
        return self._ids[self._id_at[at]:self._id_at[at + 1]]

    def _found(self, doc_id: str) -> int:
        at = self._position(doc_id)
        if at < 0:
            raise KeyError(doc_id)
        return at

    def __len__(self) -> int:
        return len(self._first)

    def __contains__(self, doc_id: object) -> bool:
        return self._position(doc_id) >= 0

    def __iter__(self) -> Iterator[str]:
        return (self._id(at) for at in range(len(self)))

    def __getitem__(self, doc_id: str) -> Entry:
        at = self._found(doc_id)
        start, end = self._ends[at], self._ends[at + 1]
        entry: Entry = decoded(DOCUMENTS, self._lines.read(start, end), f"at {start}")
        return entry

    def title(self, doc_id: str) -> str:
        at = self._found(doc_id)
        return self._titles[self._title_at[at]:self._title_at[at + 1]]

    def span(self, doc_id: str) -> tuple[int, int]:
        """(first docnum, number of paragraphs)."""
        at = self._found(doc_id)
        return self._first[at], self._count[at]

    def head(self, n: int) -> list[Entry]:
        """The first ``n`` documents' entries, in corpus order."""
        return [self[d] for d, _ in zip(self, range(n))]

    def values(self) -> Iterator[Entry]:
        for doc_id in self:
            yield self[doc_id]

    def close(self) -> None:
        self._lines.close()


def _joined(values: list[str]) -> tuple[str, array[int]]:
    """The strings as one, with where each starts (and the end)."""
    offsets, at = array("q", [0]), 0
    for v in values:
        at += len(v)
        offsets.append(at)
    return "".join(values), offsets


def _id_key(doc_id: str) -> int:
    """A document id's key, as a word's (stable across processes)."""
    return word_key(doc_id.encode("utf-8", "surrogatepass"))
