"""A build's pinyin table: toneless pinyin → the index's words read so.

What a query typed in pinyin (``zhengfu gongzuo baogao``, typed without
an input method) is read with: the engine cuts the letters into keys of
this table and searches the words found. The build package makes the
table (with pypinyin); this module owns its files:

  readings.txt   one key a line, sorted: ``key<TAB>word count<TAB>word count…``,
                 the most frequent word first (count: paragraphs holding it);
                 after them (UTF-8 sorts Chinese after ASCII) one line per
                 character, ``字<TAB>reading``: its usual toneless reading,
                 for every character pypinyin knows, in the corpus or not
  readings.idx   uint64 byte offsets: each line's start, then the file's end

A line table (``linetable``): a lookup is a binary search over the lines, so no worker
holds the table in its own memory, and no worker loads pypinyin (its
dictionaries cost each process some 60 MB).
"""

from __future__ import annotations

from pathlib import Path

from . import linetable
from .linetable import LineTable

TABLE_FILE, OFFSETS_FILE = "readings.txt", "readings.idx"
FILES = (TABLE_FILE, OFFSETS_FILE)


def write(folder: Path, table: dict[str, list[tuple[str, int]]],
          chars: dict[str, str] | None = None) -> None:
    """``table``: key → (word, count) pairs, most frequent first;
    ``chars``: character → its reading."""
    rows = [(key, "\t".join([key, *(f"{w} {c}" for w, c in found)])) for key, found in table.items()]
    rows += [(ch, f"{ch}\t{reading}") for ch, reading in (chars or {}).items()]
    linetable.write(folder / TABLE_FILE, folder / OFFSETS_FILE,
                    (line.encode("utf-8") for _, line in sorted(rows, key=lambda r: r[0].encode("utf-8"))))


class Readings:
    """The table of one build, a line table binary-searched by key."""

    def __init__(self, folder: Path):
        self._lines = LineTable(folder / TABLE_FILE, folder / OFFSETS_FILE)

    def __len__(self) -> int:
        return len(self._lines)

    def _find(self, wanted: bytes) -> bytes | None:
        """The rest of the line keyed ``wanted``, or None."""
        lines = self._lines
        lo, hi = 0, len(lines)
        while lo < hi:  # the first line whose key is >= wanted
            mid = (lo + hi) // 2
            if lines.line(mid).partition(b"\t")[0] < wanted:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(lines):
            return None
        found, _, rest = lines.line(lo).partition(b"\t")
        return rest if found == wanted else None

    def reading(self, ch: str) -> str | None:
        """A Chinese character's usual toneless reading (坏 huai), or None."""
        rest = self._find(ch.encode("utf-8")) if len(ch) == 1 and not ch.isascii() else None
        return rest.decode("ascii") if rest else None

    def words(self, key: str) -> list[tuple[str, int]]:
        """The words read ``key`` (toneless pinyin, no spaces), most frequent
        first, with how many paragraphs hold each; [] for none."""
        rest = self._find(key.encode("ascii")) if key.isascii() and key else None
        if rest is None:
            return []
        pairs = []
        for item in rest.decode("utf-8").split("\t"):
            word, _, count = item.rpartition(" ")
            pairs.append((word, int(count)))
        return pairs

    def close(self) -> None:
        self._lines.close()
