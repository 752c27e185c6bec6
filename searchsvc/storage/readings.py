"""A build's pinyin table: toneless pinyin → the index's words read so.

What a query typed in pinyin (``zhengfu gongzuo baogao``, typed without
an input method) is read with: the engine cuts the letters into keys of
this table and searches the words found. The build package makes the
table (with pypinyin); this module owns its files:

  readings.txt   one key a line, sorted: ``key<TAB>word count<TAB>word count…``,
                 the most frequent word first (count: paragraphs holding it)
  readings.idx   uint64 byte offsets: each line's start, then the file's end

Both are mapped: a lookup is a binary search over the lines, so no worker
holds the table in its own memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .files import DamagedFile, Mapped

TABLE_FILE, OFFSETS_FILE = "readings.txt", "readings.idx"
FILES = (TABLE_FILE, OFFSETS_FILE)


def write(folder: Path, table: dict[str, list[tuple[str, int]]]) -> None:
    """``table``: key → (word, count) pairs, most frequent first."""
    lines = [("\t".join([key, *(f"{w} {c}" for w, c in table[key])]) + "\n").encode("utf-8")
             for key in sorted(table)]
    (folder / TABLE_FILE).write_bytes(b"".join(lines))
    sizes = np.fromiter((len(line) for line in lines), dtype=np.uint64, count=len(lines))
    np.concatenate([[0], np.cumsum(sizes)]).astype("<u8").tofile(folder / OFFSETS_FILE)


class Readings:
    """The table of one build, read from its mapped files."""

    def __init__(self, folder: Path):
        self._text = Mapped(folder / TABLE_FILE)
        self._index = Mapped(folder / OFFSETS_FILE)
        self._starts = self._index.integers("Q")
        if not len(self._starts) or self._starts[-1] != len(self._text):
            self.close()
            raise DamagedFile(OFFSETS_FILE, f"does not end at {TABLE_FILE}'s size")

    def __len__(self) -> int:
        return max(0, len(self._starts) - 1)

    def _line(self, i: int) -> bytes:
        return self._text.read(self._starts[i], self._starts[i + 1] - 1)

    def words(self, key: str) -> list[tuple[str, int]]:
        """The words read ``key`` (toneless pinyin, no spaces), most frequent
        first, with how many paragraphs hold each; [] for none."""
        wanted = key.encode("ascii", "replace")
        lo, hi = 0, len(self)
        while lo < hi:  # the first line whose key is >= wanted
            mid = (lo + hi) // 2
            if self._line(mid).partition(b"\t")[0] < wanted:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(self):
            return []
        found, _, rest = self._line(lo).partition(b"\t")
        if found != wanted:
            return []
        pairs = []
        for item in rest.decode("utf-8").split("\t"):
            word, _, count = item.rpartition(" ")
            pairs.append((word, int(count)))
        return pairs

    def close(self) -> None:
        self._starts = memoryview(b"").cast("Q")
        self._text.close()
        self._index.close()
