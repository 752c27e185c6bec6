"""documents.table as a typed value: one list per field, in corpus order.

What a search needs of every document (where its paragraphs lie, its
section runs, heading texts, date, source, tags) and what a rebuild's plan
needs (file, digest, size, mtime), read once when a build opens. It is
checked as a whole when read, types and the way its numbers fit together,
so a damaged table is refused as the build opens (503, "run searchsvc
rebuild") instead of failing a request later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .files import DamagedFile

NAME = "documents.table"
DEFAULTS = {"date": "", "source": "", "tags": [], "file": "", "digest": "", "size": 0,
            "mtime": 0}


@dataclass(frozen=True)
class DocumentsTable:
    doc_id: list[str]
    title: list[str]
    first: list[int]  # the document's first paragraph number
    paragraphs: list[int]  # how many paragraph numbers it has
    end: list[int]  # where its line in documents.jsonl ends
    runs: list[list[tuple[str, int]]]  # its section runs, [label, paragraphs] each
    headings: list[list[str]]  # the heading text of each run (one when it has none)
    date: list[str]
    source: list[str]
    tags: list[list[str]]
    file: list[str]
    digest: list[str]
    size: list[int]
    mtime: list[float]

    def __len__(self) -> int:
        return len(self.doc_id)

    def values(self, name: str) -> list[Any]:
        """One field's list, by name (the plan and the columns ask by name)."""
        if name not in FIELD_SET:
            raise KeyError(name)
        values: list[Any] = getattr(self, name)
        return values

    def spans(self) -> list[tuple[int, int]]:
        """Each document's (first paragraph number, paragraphs)."""
        return list(zip(self.first, self.paragraphs))

    @classmethod
    def empty(cls) -> DocumentsTable:
        return cls(**{name: [] for name in FIELDS})

    @classmethod
    def of(cls, data: object, docnums: int | None = None) -> DocumentsTable:
        """The table decoded from its JSON object, checked; DamagedFile
        names what is wrong. ``docnums``: the build's paragraph numbers,
        which every document's span must lie within."""
        if not isinstance(data, dict) or sorted(data) != sorted(FIELDS):
            raise DamagedFile(NAME, "not an object of the table's fields")
        if any(not isinstance(v, list) for v in data.values()) or \
                len({len(v) for v in data.values()}) > 1:
            raise DamagedFile(NAME, "not a list per field, of one length")
        table = cls(**data)
        table._check(docnums)
        return table

    def _check(self, docnums: int | None) -> None:
        def wrong(field: str, why: str) -> DamagedFile:
            return DamagedFile(NAME, f"{field}: {why}")

        # exact types (what JSON decodes to; a bool is no int): a third of
        # the time an incremental rebuild took to plan at 150,000 documents
        for name, kind in _KINDS.items():
            allowed = (int, float) if kind is float else (kind,)
            if not all(type(v) in allowed for v in getattr(self, name)):
                raise wrong(name, f"not every value is {kind.__name__ if kind is not list else 'a list'}")
        if len(set(self.doc_id)) != len(self.doc_id):
            raise wrong("doc_id", "an id appears twice")
        for field in ("tags", "headings"):
            if not all(type(x) is str for v in getattr(self, field) for x in v):
                raise wrong(field, "not lists of strings")
        previous_end, taken = 0, 0
        for i, (first, count, end, runs, headings) in enumerate(zip(
                self.first, self.paragraphs, self.end, self.runs, self.headings)):
            if first < 0 or count < 0 or end <= previous_end:
                raise wrong("first/paragraphs/end", f"row {i} out of order")
            if docnums is not None and first + count > docnums:
                raise wrong("first", f"row {i} reaches past the build's {docnums} paragraphs")
            if not all(isinstance(r, list) and len(r) == 2 and type(r[0]) is str
                       and type(r[1]) is int and r[1] >= 0 for r in runs):
                raise wrong("runs", f"row {i} is not [label, paragraphs] pairs")
            if runs and sum(r[1] for r in runs) != count:
                raise wrong("runs", f"row {i}'s runs do not add up to its paragraphs")
            if len(headings) != max(1, len(runs)):
                raise wrong("headings", f"row {i} has not one heading per run")
            previous_end, taken = end, taken + count
        if docnums is not None and taken > docnums:
            raise wrong("paragraphs", f"more than the build's {docnums}")


FIELDS = tuple(f.name for f in fields(DocumentsTable))
FIELD_SET = frozenset(FIELDS)
_KINDS = {"doc_id": str, "title": str, "first": int, "paragraphs": int, "end": int,
          "runs": list, "headings": list, "date": str, "source": str, "tags": list,
          "file": str, "digest": str, "size": int, "mtime": float}

