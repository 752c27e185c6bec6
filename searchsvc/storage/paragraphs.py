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
  documents.table      every document's row: one JSON object of a list per
                       field (``table.DocumentsTable``), what a
                       rebuild plans from (and the serving files of
                       ``docmap`` are made from); a page reads an entry
                       from its line
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..analysis.normalize import flat_text
from . import linetable
from .files import DamagedFile, decoded, json_line
from .linetable import LineTable
from .partmap import PartMap
from .table import DEFAULTS, FIELD_SET, FIELDS, DocumentsTable
from .table import NAME as TABLE

__all__ = ["DOCUMENTS", "TABLE", "ParagraphStore", "StoredEntry", "files",
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
        return self._table.values(name)[self._row] if name in FIELD_SET else default

    def decoded(self) -> Entry:
        entry: Entry = decoded(DOCUMENTS, self.line, f"for {self['doc_id']!r}")
        return entry


def stored_entries(folder: Path, docnums: int | None = None) -> dict[str, StoredEntry]:
    """A build's entries by document id, undecoded, in corpus order;
    ``docnums``: the build's paragraph numbers, which every document's
    span must lie within (``read_table``)."""
    table = read_table(folder, docnums)
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
