"""A file of lines and its table of where each starts: the paragraph
store, the flat texts and the pinyin table are each one.

Files: the lines (each ending in a newline) and the table, uint64 byte
offsets of each line's start, then the file's end. Both are mapped (the
I/O policy of every reader here: docs/architecture.md, "Reading files").
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .files import DamagedFile, Mapped


def write(lines_file: Path, offsets_file: Path, lines: Iterable[bytes]) -> None:
    """``lines`` (without their newlines) and their table."""
    ended = [line + b"\n" for line in lines]
    lines_file.write_bytes(b"".join(ended))
    sizes = np.fromiter((len(line) for line in ended), dtype=np.uint64, count=len(ended))
    np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(sizes, dtype=np.uint64)]) \
        .astype("<u8").tofile(offsets_file)


class LineTable:
    """The lines of one file, by number. ``count``: the lines the build
    says it holds (checked, as is the table against the file)."""

    def __init__(self, lines_file: Path, offsets_file: Path, count: int | None = None):
        self.text = Mapped(lines_file)
        self._table: Mapped | None = None
        try:
            self._table = Mapped(offsets_file)
            self.starts = self._table.integers()  # Python ints, for one line at a time
            self.array = self._table.array("<u8")  # the same, for numpy's searches
            if not len(self.starts) or self.starts[0] != 0 or self.starts[-1] != len(self.text) \
                    or (count is not None and len(self.starts) != count + 1):
                raise DamagedFile(offsets_file.name, f"does not line up with {lines_file.name}")
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self.starts) - 1

    def bounds(self, i: int) -> tuple[int, int]:
        """Where line ``i`` starts and ends (before its newline)."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.starts[i], self.starts[i + 1] - 1

    def line(self, i: int) -> bytes:
        return self.text.read(*self.bounds(i))

    def lines(self, first: int, count: int) -> list[bytes]:
        """``count`` lines from ``first``, in one read."""
        if count < 1 or not 0 <= first <= len(self) - count:
            raise IndexError(f"lines {first} to {first + count - 1}")
        start = self.starts[first]
        data = self.text.read(start, self.starts[first + count])
        return [data[self.starts[k] - start:self.starts[k + 1] - start - 1]
                for k in range(first, first + count)]

    def line_of(self, offsets: np.ndarray) -> np.ndarray:
        """The line each byte offset lies in."""
        return np.searchsorted(self.array, offsets, side="right") - 1

    def close(self) -> None:
        self.starts = memoryview(b"").cast("Q")
        self.array = np.zeros(0, dtype="<u8")
        self.text.close()
        if self._table is not None:
            self._table.close()
