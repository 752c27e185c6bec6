"""Every paragraph as shown: its document, number, section, heading and text.

A hit's text and the document view are read from here, not from Whoosh's
stored fields: Whoosh pickles and compresses each paragraph's fields at
build time (about a fifth of a build's work) and unpickles them per hit;
here a paragraph is one JSON line, found through an offset table and read
with one ``pread``: every worker reads the same pages of the page cache.

Files, per part of a build (``P`` is the part's name):
  P.paragraphs.jsonl   one JSON object per paragraph, in docnum order:
                       {"doc", "n", "section", "heading", "text"}
  P.paragraphs.idx     uint64 byte offsets: the start of each line, then the file's end
"""

from __future__ import annotations

import json
import os
from array import array
from bisect import bisect_right
from pathlib import Path

LINES, OFFSETS = "paragraphs.jsonl", "paragraphs.idx"


class ReadAt:
    """Reads byte ranges of a file with ``pread``: no file position to share
    between threads, and nothing mapped into the process. A map would be
    faster by a microsecond a read, but the kernel maps the pages around
    each one touched, and every worker's resident size would grow by the
    whole file."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size

    def __len__(self) -> int:
        return self.size

    def read(self, start: int, end: int) -> bytes:
        data = os.pread(self._fd, end - start, start)
        if len(data) != end - start:
            raise OSError(f"short read at {start} (the index changed under us?)")
        return data

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def files(part: str) -> list[str]:
    return [f"{part}.{LINES}", f"{part}.{OFFSETS}"]


def write(folder: Path, part: str, records) -> None:
    """Write part ``part``: ``records`` are dicts, in docnum order."""
    lines_file, offsets_file = (folder / f for f in files(part))
    offsets = array("Q", [0])
    with open(lines_file, "wb") as f:
        for record in records:
            line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    with open(offsets_file, "wb") as f:
        offsets.tofile(f)


class ParagraphStore:
    """Read side over a build's parts; docnums run on from part to part."""

    def __init__(self, folder: Path, parts: list[str]):
        self._parts: list[tuple[ReadAt, array]] = []  # (lines, offsets) per part
        self._bases: list[int] = []
        base = 0
        try:
            for part in parts:
                lines_file, offsets_file = (folder / f for f in files(part))
                lines = ReadAt(lines_file)
                self._parts.append((lines, offsets := array("Q")))
                offsets.frombytes(offsets_file.read_bytes())
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
        """One paragraph: {"doc", "n", "section", "heading", "text"}."""
        if not 0 <= docnum < self.count:
            raise IndexError(docnum)
        i = bisect_right(self._bases, docnum) - 1
        lines, offsets = self._parts[i]
        local = docnum - self._bases[i]
        return json.loads(lines.read(offsets[local], offsets[local + 1]))

    def records(self, first: int, count: int) -> list[dict]:
        return [self.record(d) for d in range(first, first + count)]

    def close(self) -> None:
        for lines, _ in self._parts:
            lines.close()
        self._parts = []
