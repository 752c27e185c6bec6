"""Per-docnum columns of a build: the document, section, date and source
of every paragraph (filters and facets), written when a build finishes
and mapped when it opens (every worker reads the same pages; made at open
they were 16 bytes a paragraph in each), made from documents.table
(``table.DocumentsTable``).

Files, per build:
  columns.labels   JSON: each column's labels, sorted ("" first: no value),
                   but the document column's
  columns.doc_id.labels, columns.doc_id.ends
                   the document column's labels (every id), sorted, as
                   UTF-8 one after another and uint64 ends: mapped, not
                   a list of strings in every worker (#38)
  columns.NAME     int32 per docnum: its label's place in its labels
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from .files import DamagedFile, Mapped, check_ends, check_utf8, decoded
from .table import DocumentsTable

NAMES = ("doc_id", "section", "date", "source")
LABELS = "columns.labels"
MAPPED = "doc_id"  # the column whose labels are mapped
MAPPED_LABELS, MAPPED_ENDS = f"columns.{MAPPED}.labels", f"columns.{MAPPED}.ends"


def files() -> list[str]:
    return [LABELS, MAPPED_LABELS, MAPPED_ENDS, *(f"columns.{name}" for name in NAMES)]


class Labels:
    """Sorted labels as mapped, each decoded when asked; found by binary
    search (UTF-8's byte order is code point order, Python's str order)."""

    def __init__(self, text: Mapped, ends: Mapped):
        check_ends(ends.name, ends.array("<u8"), len(text))
        check_utf8(text, ends.array("<u8"))
        self._text, self._ends = text.buffer(), ends.integers()
        if not len(self._ends) or self._ends[0] != 0:
            raise DamagedFile(ends.name, "no empty label first")

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += len(self._ends)
        start: int = self._ends[i - 1] if i else 0
        return bytes(self._text[start:self._ends[i]]).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))

    def __contains__(self, label: object) -> bool:
        return isinstance(label, str) and find(self, label) >= 0

    def index(self, label: str) -> int:
        at = find(self, label)
        if at < 0:
            raise ValueError(label)
        return at

    def release(self) -> None:
        self._text, self._ends = memoryview(b""), memoryview(b"").cast("Q")


def find(labels: Labels | list[str], label: str) -> int:
    """``label``'s place in sorted ``labels``; -1 when it is not one."""
    at = bisect_left(labels, label)
    return at if at < len(labels) and labels[at] == label else -1


class Column:
    """One label per docnum (a document's id, a section), held as numpy
    codes into a sorted list of distinct labels; "" for deleted docnums.
    Counting the labels of a set of paragraphs is one bincount."""

    def __init__(self, labels: list[str] | Labels, codes: np.ndarray):
        self.labels = labels
        self.codes = codes
        self.empty = labels.index("") if "" in labels else -1

    def with_label(self, wanted: Iterable[str],
                   key: Callable[[str], str] | None = None) -> np.ndarray:
        """The docnums whose label is one of ``wanted``, compared through
        ``key`` when given (a section filter compares normalized labels)."""
        asked = set(wanted)
        if key is None:
            codes = sorted(i for i in (find(self.labels, w) for w in asked if w) if i >= 0)
        else:
            codes = [i for i, label in enumerate(self.labels) if label and key(label) in asked]
        return np.flatnonzero(np.isin(self.codes, codes))

    def label(self, docnum: int) -> str:
        return self.labels[int(self.codes[docnum])]

    def _counted(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(codes, paragraphs) of the labels the docnums ``ids`` have, in
        label order."""
        if len(self.labels) == 1:  # one label for all (no dates in the collection): no counting
            return np.zeros(1, dtype=np.int64), np.array([len(ids)])
        codes = self.codes[ids]
        if 8 * len(codes) < len(self.labels):  # few paragraphs of many labels (documents)
            return np.unique(codes, return_counts=True)
        counts = np.bincount(codes, minlength=len(self.labels))
        found = np.flatnonzero(counts)
        return found, counts[found]

    def counts(self, ids: np.ndarray) -> dict[str, int]:
        """Paragraphs per label among the docnums ``ids`` (labels with none
        left out, the empty label kept)."""
        if not len(ids):
            return {}
        found, counts = self._counted(ids)
        return {self.labels[c]: int(n) for c, n in zip(found.tolist(), counts.tolist())}

    def top(self, ids: np.ndarray, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` labels with most paragraphs among the docnums
        ``ids``, most first, then in label order; the empty label (no
        section) left out."""
        if not len(ids):
            return []
        found, counts = self._counted(ids)
        keep = found != self.empty
        found, counts = found[keep], counts[keep]
        best = np.lexsort((found, -counts))[:limit]
        return [(self.labels[found[i]], int(counts[i])) for i in best.tolist()]


def write(folder: Path, table: DocumentsTable, docnums: int) -> None:
    """The columns' files of a build of ``docnums`` paragraph numbers."""
    made = columns(table, docnums)
    (folder / LABELS).write_text(json.dumps({n: made[n].labels for n in NAMES if n != MAPPED},
                                            ensure_ascii=False), encoding="utf-8")
    mapped = [label.encode("utf-8", "surrogatepass") for label in made[MAPPED].labels]
    (folder / MAPPED_LABELS).write_bytes(b"".join(mapped))
    np.cumsum([len(b) for b in mapped], dtype=np.uint64).astype("<u8").tofile(folder / MAPPED_ENDS)
    for name in NAMES:
        made[name].codes.astype("<i4").tofile(folder / f"columns.{name}")


class Columns:
    """A build's mapped columns, checked: every code names a label."""

    def __init__(self, folder: Path, docnums: int):
        self._files: list[Mapped] = []
        self._columns: dict[str, Column] = {}
        self._labels: Labels | None = None
        labels = decoded(LABELS, (folder / LABELS).read_bytes(), "as the columns' labels")
        try:
            if isinstance(labels, dict):
                self._files += [text := Mapped(folder / MAPPED_LABELS),
                                ends := Mapped(folder / MAPPED_ENDS)]
                labels[MAPPED] = self._labels = Labels(text, ends)
            for name in NAMES:
                if not isinstance(labels, dict) or \
                        not isinstance(labels.get(name), (list, Labels)) or "" not in labels[name]:
                    raise DamagedFile(LABELS, f"no labels for {name}")
                self._files.append(mapped := Mapped(folder / f"columns.{name}"))
                codes = mapped.array("<i4")
                if len(codes) != docnums or (docnums and (
                        int(codes.min()) < 0 or int(codes.max()) >= len(labels[name]))):
                    raise DamagedFile(mapped.name, "codes that name no label")
                self._columns[name] = Column(labels[name], codes)
        except BaseException:
            self.close()
            raise

    def __getitem__(self, name: str) -> Column:
        return self._columns[name]

    def close(self) -> None:
        self._columns = {}  # the arrays over the maps go first
        if self._labels is not None:
            self._labels.release()
        for mapped in self._files:
            mapped.close()
        self._files = []


def columns(table: DocumentsTable, docnums: int) -> dict[str, Column]:
    """Document, section, date and source of every docnum, from the
    documents' rows and section runs: a few slice assignments per
    document."""
    made = {}
    spans = table.spans()
    for name in ("doc_id", "date", "source"):
        labels = sorted({""} | set(table.values(name)))
        code = {label: i for i, label in enumerate(labels)}
        values = np.full(docnums, code[""], dtype=np.int32)
        for (first, count), label in zip(spans, table.values(name)):
            values[first:first + count] = code[label]
        made[name] = Column(labels, values)
    labels = sorted({""} | {label for runs in table.runs for label, _ in runs})
    code = {label: i for i, label in enumerate(labels)}
    sections = np.full(docnums, code[""], dtype=np.int32)
    for first, runs in zip(table.first, table.runs):
        for label, length in runs:
            sections[first:first + length] = code[label]
            first += length
    made["section"] = Column(labels, sections)
    return made
