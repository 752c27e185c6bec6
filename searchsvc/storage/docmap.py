"""What serving needs of every document, written by the build as flat
arrays and mapped when a build opens (#38).

A worker used to decode documents.table (JSON, every field of every
document) to open a build: 0.6 s at 16x the help corpus, and the freed
objects left 20-30 MB of allocator pages in every worker. Here nothing is
decoded: these files' pages are the page cache's, once for every worker.
documents.table stays what a rebuild plans from.

Files, per build:
  documents.ids       the ids, UTF-8, one after another
  documents.titles    the titles, likewise
  documents.rows      uint64 × 5 per document, in corpus order: first
                      docnum, paragraphs, end of its line in
                      documents.jsonl, end of its id, end of its title
  documents.keys      uint64: the ids' stable keys (``postings.word_key``)
                      sorted, then each one's row
  headings.text       the heading field: each run's heading text
                      (``paragraphs.heading_texts``), UTF-8, "\\n" after each
  headings.runs       uint64 × 3 per run: first docnum, paragraphs, where
                      its text starts
  documents.position  uint32 per docnum: its place in corpus order; empty
                      when docnum order is corpus order (a full build)
  documents.tags      JSON: each normalized tag's documents as [first
                      docnum, paragraphs] pairs
  documents.digests   JSON: each file above's BLAKE2b digest, checked when
                      a build opens (tens of milliseconds at 64x): bytes
                      changed in place, which no size check sees, are a
                      503 naming the file, not a wrong id or title later
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..analysis.normalize import normalize_text
from .files import DamagedFile, Mapped, check_ends, check_utf8, decoded
from .paragraphs import DOCUMENTS, Entry
from .postings import word_key
from .table import DocumentsTable

IDS, TITLES, ROWS, KEYS = "documents.ids", "documents.titles", "documents.rows", "documents.keys"
HEADINGS, RUNS = "headings.text", "headings.runs"
POSITION, TAGS, DIGESTS = "documents.position", "documents.tags", "documents.digests"
ROW, RUN = 5, 3  # uint64 values per document's row, per heading run
_FIRST, _COUNT, _LINE, _ID, _TITLE = range(ROW)
_CODEC = ("utf-8", "surrogatepass")


def files() -> list[str]:
    return [*_DIGESTED, DIGESTS]


_DIGESTED = (IDS, TITLES, ROWS, KEYS, HEADINGS, RUNS, POSITION, TAGS)


def write(folder: Path, table: DocumentsTable, docnums: int) -> None:
    """The files of a build of ``docnums`` paragraph numbers, from its
    documents.table."""
    ids = [d.encode(*_CODEC) for d in table.doc_id]
    titles = [t.encode(*_CODEC) for t in table.title]
    rows = np.array([table.first, table.paragraphs, table.end,  # the order of _FIRST...
                     np.cumsum([len(b) for b in ids]), np.cumsum([len(b) for b in titles])],
                    dtype="<u8").T.copy()
    keys = np.fromiter((_id_key(d) for d in table.doc_id), dtype="<u8", count=len(table))
    order = np.argsort(keys, kind="stable")
    (folder / IDS).write_bytes(b"".join(ids))
    (folder / TITLES).write_bytes(b"".join(titles))
    rows.tofile(folder / ROWS)
    np.concatenate([keys[order], order.astype("<u8")]).astype("<u8").tofile(folder / KEYS)
    write_heading_field(folder, heading_runs(table))
    position = positions(table, docnums)
    (folder / POSITION).write_bytes(b"" if position is None else position.astype("<u4").tobytes())
    (folder / TAGS).write_text(json.dumps(tag_spans(table), ensure_ascii=False),
                               encoding="utf-8")
    (folder / DIGESTS).write_text(json.dumps({name: _digest((folder / name).read_bytes())
                                              for name in _DIGESTED}), encoding="utf-8")


def write_heading_field(folder: Path, runs: list[tuple[int, int, str]]) -> None:
    """headings.text and headings.runs of (first docnum, paragraphs, text) runs."""
    texts = [text.encode(*_CODEC) + b"\n" for _, _, text in runs]
    starts = np.cumsum([0, *(len(t) for t in texts)])[:-1]
    (folder / HEADINGS).write_bytes(b"".join(texts))
    np.array([(first, count, start) for (first, count, _), start in zip(runs, starts.tolist())],
             dtype="<u8").reshape(-1, RUN).tofile(folder / RUNS)


def heading_runs(table: DocumentsTable) -> list[tuple[int, int, str]]:
    """The heading field's runs: (first docnum, paragraphs, title + section
    label + section heading, flat, as the build made them) for each run of
    a document's paragraphs in one section."""
    runs = []
    for first, count, doc_runs, texts in zip(table.first, table.paragraphs,
                                             table.runs, table.headings):
        if not doc_runs:
            runs.append((first, count, texts[0]))
        for (_, length), text in zip(doc_runs, texts, strict=True):
            runs.append((first, length, text))
            first += length
    return runs


def positions(table: DocumentsTable, docnums: int) -> np.ndarray | None:
    """Each docnum's place in corpus order, or None when docnum order is
    corpus order (a full build). After an incremental rebuild a changed
    document's paragraphs sit at the end, yet ties must rank as a full
    rebuild ranks them; deleted docnums come after every live one."""
    spans = table.spans()
    place = 0
    for first, count in spans:
        if first != place:
            break
        place += count
    else:
        if place == docnums:
            return None
    position = np.full(docnums, docnums, dtype=np.uint32)
    place = 0
    for first, count in spans:
        position[first:first + count] = np.arange(place, place + count, dtype=np.uint32)
        place += count
    return position


def tag_spans(table: DocumentsTable) -> dict[str, list[tuple[int, int]]]:
    """Each tag's documents as (first docnum, paragraphs), normalized tag first."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for tags, first, count in zip(table.tags, table.first, table.paragraphs):
        for tag in dict.fromkeys(normalize_text(t) for t in tags):
            spans.setdefault(tag, []).append((first, count))
    return spans


class HeadingField:
    """The heading field as mapped: ``text`` (a ``Mapped``, searched in
    place) and per run its first docnum, paragraphs and text start;
    closing it closes both maps."""

    def __init__(self, text: Mapped, runs: Mapped, docnums: int):
        self.text, self._runs = text, runs
        values = runs.array("<u8")
        if len(values) % RUN:
            raise DamagedFile(RUNS, f"not {RUN} numbers per run")
        values = values.reshape(-1, RUN)
        self.firsts, self.counts, self.starts = values[:, 0], values[:, 1], values[:, 2]
        starts = self.starts
        if len(values) and (int(starts[0]) != 0 or np.any(starts[1:] <= starts[:-1])
                            or int(starts[-1]) >= len(text)
                            or int((self.firsts + self.counts).max()) > docnums):
            raise DamagedFile(RUNS, "runs that do not fit the heading text or the build")
        if not len(values) and len(text):
            raise DamagedFile(RUNS, "no runs for the heading text")
        self._bytes = text.array(np.uint8)
        self._seen: np.ndarray | None = None  # how often each byte value occurs, once asked
        ends = np.append(starts[1:], len(text)).astype(np.int64)
        if len(values) and np.any(self._bytes[ends - 1] != ord("\n")):
            raise DamagedFile(HEADINGS, "a run's text that does not end where the next starts")
        check_utf8(text, ends)

    def occurrences(self, needle: bytes) -> np.ndarray:
        """Where ``needle`` (no newline in it) occurs in the heading text,
        overlapping ones too: the places of its rarest byte, then the
        other bytes compared there, in numpy (a regex's match objects, one
        per occurrence, took a seventh of a fresh answer at 16x the help
        corpus, where a common word occurs in thousands of headings)."""
        data = self._bytes
        want = np.frombuffer(needle, dtype=np.uint8)
        if not len(want) or len(want) > len(data):
            return np.zeros(0, dtype=np.int64)
        if self._seen is None:
            self._seen = np.bincount(data, minlength=256)
        anchor = int(np.argmin(self._seen[want]))
        at = np.flatnonzero(data[anchor:len(data) - len(want) + 1 + anchor] == want[anchor])
        for k, byte in enumerate(want.tolist()):
            if k != anchor and len(at):
                at = at[data[at + k] == byte]
        return at

    def close(self) -> None:
        """Drops the arrays over the maps, then closes them (again, when
        ``Documents`` owns them: closing twice is nothing)."""
        self.firsts = self.counts = self.starts = np.zeros(0, dtype=np.uint64)
        self._bytes = np.zeros(0, dtype=np.uint8)
        self._runs.close()
        self.text.close()


class Documents:
    """Documents by id, as a read-only mapping of their metadata, over the
    mapped files above; the rest of an entry is read from its line of
    documents.jsonl when a page asks for it. Checked as a whole when
    opened (numbers that add up, ids and titles that decode), so a
    damaged file is a 503 naming it, never a failed request later."""

    def __init__(self, folder: Path, docnums: int):
        self._maps: list[Mapped] = []
        self._fields: list[HeadingField] = []
        self._n = 0
        try:
            self._open(folder, docnums)
        except BaseException:
            self.close()
            raise

    def _open(self, folder: Path, docnums: int) -> None:
        digests = decoded(DIGESTS, (folder / DIGESTS).read_bytes(), "as the digests")
        if not isinstance(digests, dict) or sorted(digests) != sorted(_DIGESTED):
            raise DamagedFile(DIGESTS, "not a digest per file")
        maps: dict[str, Mapped] = {}
        for name in (*_DIGESTED, DOCUMENTS):
            self._maps.append(maps.setdefault(name, Mapped(folder / name)))
        for name in _DIGESTED:  # hashed in place, from the page cache
            if _digest(maps[name].buffer()) != digests[name]:
                raise DamagedFile(name, "not the bytes the build wrote")
        self._lines, ids, titles = maps[DOCUMENTS], maps[IDS], maps[TITLES]
        rows_file, keys_file = maps[ROWS], maps[KEYS]
        rows = rows_file.array("<u8")
        if len(rows) % ROW:
            raise DamagedFile(ROWS, f"not {ROW} numbers per document")
        rows = rows.reshape(-1, ROW)
        n = len(rows)
        check_ends(ROWS, rows[:, _LINE], len(self._lines), strictly=True)
        if n and np.any(self._lines.array(np.uint8)[rows[:, _LINE].astype(np.int64) - 1]
                        != ord("\n")):
            raise DamagedFile(ROWS, f"line ends that are not the ends of {DOCUMENTS}'s lines")
        check_ends(ROWS, rows[:, _ID], len(ids), strictly=True)
        check_ends(ROWS, rows[:, _TITLE], len(titles))
        if n and int((rows[:, _FIRST] + rows[:, _COUNT]).max()) > docnums:
            raise DamagedFile(ROWS, f"a document reaches past the build's {docnums} paragraphs")
        check_utf8(ids, rows[:, _ID])
        check_utf8(titles, rows[:, _TITLE])
        keyed = keys_file.array("<u8")
        keys, order = keyed[:n], keyed[n:]
        if len(keyed) != 2 * n or np.any(keys[1:] < keys[:-1]) or \
                not np.array_equal(np.sort(order), np.arange(n, dtype=np.uint64)):
            raise DamagedFile(KEYS, "not each document's key, sorted, and its row")
        self._ids, self._titles = ids.buffer(), titles.buffer()
        self._rows = rows_file.integers()
        lookup = keys_file.integers()
        self._keys, self._order = lookup[:n], lookup[n:]
        self._n = n
        self.headings = HeadingField(maps[HEADINGS], maps[RUNS], docnums)
        self._fields = [self.headings]
        position = maps[POSITION]
        if len(position) not in (0, 4 * docnums) or \
                (len(position) and int(position.array("<u4").max(initial=0)) > docnums):
            raise DamagedFile(POSITION, f"not one place per paragraph of {docnums}")
        # a memoryview: an item read is a plain int (ranking's tie order)
        self.position = position.buffer().cast("I") if len(position) else None
        tags = decoded(TAGS, (folder / TAGS).read_bytes(), "as the documents' tags")
        if not isinstance(tags, dict) or not all(
                isinstance(spans, list) and all(isinstance(s, list) and len(s) == 2 and all(
                    isinstance(x, int) and 0 <= x <= docnums for x in s) for s in spans)
                for spans in tags.values()):
            raise DamagedFile(TAGS, "not each tag's [first, paragraphs] pairs")
        self.tags: dict[str, list[tuple[int, int]]] = {
            tag: [(first, count) for first, count in spans] for tag, spans in tags.items()}

    def _row(self, at: int, column: int) -> int:
        value: int = self._rows[at * ROW + column]
        return value

    def _bounds(self, at: int, column: int) -> tuple[int, int]:
        """Where document ``at``'s id, title or line starts and ends."""
        return (self._row(at - 1, column) if at else 0), self._row(at, column)

    def _position(self, doc_id: object) -> int:
        """The document's place in corpus order; -1 when there is none."""
        if not isinstance(doc_id, str):
            return -1
        key = _id_key(doc_id)
        i = bisect_left(self._keys, key)
        while i < self._n and self._keys[i] == key:
            at: int = self._order[i]
            if self._id(at) == doc_id:
                return at
            i += 1
        return -1

    def _id(self, at: int) -> str:
        start, end = self._bounds(at, _ID)
        return bytes(self._ids[start:end]).decode(*_CODEC)

    def _found(self, doc_id: str) -> int:
        at = self._position(doc_id)
        if at < 0:
            raise KeyError(doc_id)
        return at

    def __len__(self) -> int:
        return self._n

    def __contains__(self, doc_id: object) -> bool:
        return self._position(doc_id) >= 0

    def __iter__(self) -> Iterator[str]:
        return (self._id(at) for at in range(self._n))

    def __getitem__(self, doc_id: str) -> Entry:
        start, end = self._bounds(self._found(doc_id), _LINE)
        entry: Entry = decoded(DOCUMENTS, self._lines.read(start, end), f"at {start}")
        return entry

    def title(self, doc_id: str) -> str:
        start, end = self._bounds(self._found(doc_id), _TITLE)
        return bytes(self._titles[start:end]).decode(*_CODEC)

    def span(self, doc_id: str) -> tuple[int, int]:
        """(first docnum, number of paragraphs)."""
        at = self._found(doc_id)
        return self._row(at, _FIRST), self._row(at, _COUNT)

    def values(self) -> Iterator[Entry]:
        for doc_id in self:
            yield self[doc_id]

    def close(self) -> None:
        """Unmaps; a lookup after it finds no document (not an IndexError)."""
        self._n = 0
        self._ids = self._titles = memoryview(b"")
        self._rows = self._keys = self._order = memoryview(b"").cast("Q")
        self.position = None
        for field in self._fields:
            field.close()
        self._fields = []
        for mapped in reversed(self._maps):
            mapped.close()
        self._maps = []


def _digest(data: bytes | memoryview) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _id_key(doc_id: str) -> int:
    """A document id's key, as a word's (stable across processes)."""
    return word_key(doc_id.encode(*_CODEC))
