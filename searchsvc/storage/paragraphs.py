"""What pages show: every paragraph (its document, number, section,
heading and text) and every document's metadata.

A hit's text and the document view are read from here, not from Whoosh's
stored fields: Whoosh pickles and compresses each paragraph's fields at
build time (about a fifth of a build's work) and unpickles them per hit;
here a paragraph is one JSON line, found through an offset table and read
with one ``pread``: every worker reads the same pages of the page cache.

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
from bisect import bisect_right
from pathlib import Path

from ..analysis import flat_text
from .files import DamagedFile, Mapped, ReadAt, decoded, json_line
from .table import DEFAULTS, FIELDS, DocumentsTable
from .table import NAME as TABLE

LINES, OFFSETS = "paragraphs.jsonl", "paragraphs.idx"


def files(part: str) -> list[str]:
    return [f"{part}.{LINES}", f"{part}.{OFFSETS}"]


def write(folder: Path, part: str, records) -> None:
    """Write part ``part``: ``records`` are dicts, in docnum order."""
    lines_file, offsets_file = (folder / f for f in files(part))
    offsets = array("Q", [0])
    with open(lines_file, "wb") as f:
        for record in records:
            line = json_line(record)
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    with open(offsets_file, "wb") as f:
        offsets.tofile(f)


class ParagraphStore:
    """Read side over a build's parts; docnums run on from part to part."""

    def __init__(self, folder: Path, parts: list[str]):
        # (lines, offsets, the offsets' mapped file) per part: the offsets
        # are read in place, shared by every worker (8 bytes a paragraph)
        self._parts: list[tuple[ReadAt, memoryview, Mapped]] = []
        self._bases: list[int] = []
        base = 0
        try:
            for part in parts:
                lines_file, offsets_file = (folder / f for f in files(part))
                lines = ReadAt(lines_file)
                self._parts.append((lines, memoryview(b""), None))
                mapped = Mapped(offsets_file)
                offsets = mapped.integers("Q")
                self._parts[-1] = (lines, offsets, mapped)
                if len(offsets) < 1 or offsets[-1] != len(lines):
                    raise ValueError(f"{offsets_file.name} does not match {lines_file.name}")
                self._bases.append(base)
                base += len(offsets) - 1
        except BaseException:
            self.close()
            raise
        self.count = base

    def __len__(self) -> int:
        return self.count

    def record(self, docnum: int) -> dict:
        """One paragraph: {"doc", "n", "section", "heading", "text"}, and
        "page" for a PDF's."""
        return self.records(docnum, 1)[0]

    def records(self, first: int, count: int) -> list[dict]:
        """Consecutive paragraphs of one part (a document's), in one read."""
        if count < 1 or not 0 <= first <= self.count - count:
            raise IndexError(f"paragraphs {first} to {first + count - 1}")
        i = bisect_right(self._bases, first) - 1
        lines, offsets, _ = self._parts[i]
        local = first - self._bases[i]
        if local + count >= len(offsets):
            raise IndexError(f"paragraphs {first} to {first + count - 1} span two parts")
        start = offsets[local]
        data = lines.read(start, offsets[local + count])
        return [decoded(lines.name, data[offsets[k] - start:offsets[k + 1] - start],
                        f"for paragraph {self._bases[i] + k}") for k in range(local, local + count)]

    def close(self) -> None:
        for lines, _, mapped in self._parts:
            lines.close()
            if mapped is not None:
                mapped.close()
        self._parts = []


DOCUMENTS = "documents.jsonl"


def heading_texts(entry: dict) -> list[str]:
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

    def __getitem__(self, name: str):
        return self._table.values(name)[self._row]

    def get(self, name: str, default=None):
        return self._table.values(name)[self._row] if name in FIELDS else default

    def decoded(self) -> dict:
        return decoded(DOCUMENTS, self.line, f"for {self['doc_id']!r}")


def stored_entries(folder: Path) -> dict[str, StoredEntry]:
    """A build's entries by document id, undecoded, in corpus order."""
    table = read_table(folder)
    data = (folder / DOCUMENTS).read_bytes()
    ends = table.end
    if (ends[-1] if ends else 0) != len(data):
        raise DamagedFile(TABLE, f"does not line up with {DOCUMENTS}")
    return {doc_id: StoredEntry(data[start:end], table, i)
            for i, (doc_id, start, end) in enumerate(zip(table.doc_id, [0, *ends[:-1]], ends))}


def write_documents(folder: Path, entries: list) -> DocumentsTable:
    """documents.jsonl (one JSON object per document, in corpus order;
    a new entry gets its heading texts, a ``StoredEntry`` is written as it
    was) and documents.table, which is returned."""
    table: dict[str, list] = {name: [] for name in FIELDS}
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

    Only what every search needs stays in memory (title, first docnum,
    paragraph count); the rest of an entry is read from its line when a
    page asks for it. At 108,000 paragraphs in 9,500 documents the entries
    as dicts took 10 MB in every worker.
    """

    def __init__(self, folder: Path, index: dict[str, tuple]):
        self._lines = ReadAt(folder / DOCUMENTS)
        self._index = index  # doc_id -> (title, first, paragraphs, start, end)
        if index and next(reversed(index.values()))[4] != len(self._lines):
            self.close()
            raise DamagedFile(TABLE, f"does not line up with {DOCUMENTS}")

    @classmethod
    def open(cls, folder: Path, docnums: int | None = None) -> tuple[Documents, DocumentsTable]:
        """The documents, and documents.table, which the snapshot's
        columns and heading field are made from once."""
        table = read_table(folder, docnums)
        ends = table.end
        index = dict(zip(table.doc_id, zip(table.title, table.first, table.paragraphs,
                                           [0, *ends[:-1]], ends)))
        return cls(folder, index), table

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._index

    def __iter__(self):
        return iter(self._index)

    def __getitem__(self, doc_id: str) -> dict:
        _, _, _, start, end = self._index[doc_id]
        return decoded(DOCUMENTS, self._lines.read(start, end), f"at {start}")

    def title(self, doc_id: str) -> str:
        return self._index[doc_id][0]

    def span(self, doc_id: str) -> tuple[int, int]:
        """(first docnum, number of paragraphs)."""
        return self._index[doc_id][1:3]

    def head(self, n: int) -> list[dict]:
        """The first ``n`` documents' entries, in corpus order."""
        return [self[d] for d, _ in zip(self._index, range(n))]

    def values(self):
        for doc_id in self._index:
            yield self[doc_id]

    def close(self) -> None:
        self._lines.close()
