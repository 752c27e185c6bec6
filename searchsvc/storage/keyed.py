"""Keyed postings: sorted uint64 keys, each with its postings: the
character index (a gram's paragraphs) and the word postings (a word's
paragraphs and counts) are each one per part.

Files: ``keys`` (sorted uint64), ``meta`` (per key: its first posting and
how many, then whatever the kind adds, as one numpy record) and one or
more posting columns of equal length (paragraph numbers, counts). All
are mapped (docs/architecture.md, "Reading files").
"""

from __future__ import annotations

import struct
from bisect import bisect_left, bisect_right
from pathlib import Path

import numpy as np

from .files import DamagedFile, Mapped

ENTRY = [("first", "<u8"), ("count", "<u4")]  # what every key's record starts with


def first_of_each(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For keys sorted with repeats (a key per posting): the distinct
    keys and the first posting and count of each."""
    if not len(sorted_keys):
        return sorted_keys[:0], np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    return sorted_keys[starts], starts


def write(keys_file: Path, meta_file: Path, keys: np.ndarray, meta: np.ndarray) -> None:
    """The keys (sorted) and their records (``meta["first"]`` and
    ``meta["count"]`` set; the posting columns are the caller's files)."""
    keys.astype("<u8").tofile(keys_file)
    meta.tofile(meta_file)


def entries(count: int, dtype: np.dtype, starts: np.ndarray, total: int) -> np.ndarray:
    """``count`` records of ``dtype`` with each run's first posting and
    length from ``starts`` (each key's first posting) and ``total``."""
    meta = np.zeros(count, dtype=dtype)
    meta["first"] = starts
    meta["count"] = np.diff(np.append(starts, total))
    return meta


class KeyedPostings:
    """One part's keyed postings over its mapped files; ``columns``: the
    posting files and their types, each as long as the entries say. A key
    is found by binary search over the mapped keys and its entry read with
    ``struct`` (a search looks up hundreds of grams: numpy's per-call cost
    was most of it); its postings are numpy views over the map."""

    def __init__(self, keys_file: Path, meta_file: Path, dtype: np.dtype,
                 columns: list[tuple[Path, str]]):
        self._files: list[Mapped] = []
        self._dtype = dtype
        self._record = struct.Struct("<" + "".join(_CODES[dtype[name].str]
                                                     for name in dtype.names or ()))
        try:
            self._keys = self._map(keys_file).integers()
            meta = self._map(meta_file)
            self._meta = meta.buffer()
            self.columns = [self._map(path).array(kind) for path, kind in columns]
        except BaseException:
            self.close()
            raise
        self.postings_file = columns[0][0].name
        total = len(self.columns[0])
        if len(meta) != len(self._keys) * self._record.size or \
                any(len(c) != total for c in self.columns):
            self.close()
            raise DamagedFile(meta_file.name, f"does not line up with {keys_file.name}")
        if len(self._keys) and sum(self.entry(len(self._keys) - 1)[:2]) != total:
            self.close()
            raise DamagedFile(self.postings_file, "the postings do not match the table")

    def _map(self, path: Path) -> Mapped:
        self._files.append(mapped := Mapped(path))
        return mapped

    def find(self, key: int) -> range:
        """The indexes of ``key`` (none, one, or several when two names share a key)."""
        lo = bisect_left(self._keys, key)
        return range(lo, bisect_right(self._keys, key, lo))

    def entry(self, i: int) -> tuple[int, ...]:
        """Key ``i``'s record: its first posting, their count, then the kind's own fields."""
        return self._record.unpack_from(self._meta, i * self._record.size)

    def table(self) -> np.ndarray:
        """Every key's record, as a numpy view (a pass over all keys)."""
        return np.frombuffer(self._meta, dtype=self._dtype)

    def count(self, i: int) -> int:
        return self.entry(i)[1]

    def postings(self, i: int, column: int = 0) -> np.ndarray:
        """Key ``i``'s postings in one column (a view over the map)."""
        first, count = self.entry(i)[:2]
        if first + count > len(self.columns[column]):
            raise DamagedFile(self.postings_file, f"postings {first} to {first + count}")
        return self.columns[column][first:first + count]

    def close(self) -> None:
        self._keys = memoryview(b"").cast("Q")
        self._meta = memoryview(b"")
        self.columns = []
        for mapped in self._files:
            mapped.close()
        self._files = []


_CODES = {"<u8": "Q", "<u4": "I", "<u2": "H", "|u1": "B"}  # numpy's little-endian types in struct
