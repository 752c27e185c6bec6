"""Every paragraph as shown: its document, number, section, heading and text.

A hit's text and the document view are read from here, not from Whoosh's
stored fields: Whoosh pickles and compresses each paragraph's fields at
build time (about a fifth of a build's work) and unpickles them per hit;
here a paragraph is one JSON line in a memory-mapped file, found through
an offset table, so every worker reads the same pages of the page cache.

Files, per part of a build (``P`` is the part's name):
  P.paragraphs.jsonl   one JSON object per paragraph, in docnum order:
                       {"doc", "n", "section", "heading", "text"}
  P.paragraphs.idx     uint64 byte offsets: the start of each line, then the file's end
"""

from __future__ import annotations

import json
import mmap
from array import array
from bisect import bisect_right
from pathlib import Path

LINES, OFFSETS = "paragraphs.jsonl", "paragraphs.idx"


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
        self._parts: list[tuple] = []  # (lines, offset table) per part
        self._bases: list[int] = []
        self._maps: list[mmap.mmap] = []
        base = 0
        try:
            for part in parts:
                lines_file, offsets_file = (folder / f for f in files(part))
                data, offsets = self._map(lines_file), self._map(offsets_file)
                table = memoryview(offsets).cast("Q")
                if len(table) < 1 or table[-1] != len(data):
                    raise ValueError(f"{offsets_file.name} does not match {lines_file.name}")
                self._parts.append((data, table))
                self._bases.append(base)
                base += len(table) - 1
        except BaseException:
            self.close()
            raise
        self.count = base

    def _map(self, path: Path):
        with open(path, "rb") as f:
            if not path.stat().st_size:
                return b""
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._maps.append(mapped)
        return mapped

    def __len__(self) -> int:
        return self.count

    def record(self, docnum: int) -> dict:
        """One paragraph: {"doc", "n", "section", "heading", "text"}."""
        if not 0 <= docnum < self.count:
            raise IndexError(docnum)
        i = bisect_right(self._bases, docnum) - 1
        data, table = self._parts[i]
        local = docnum - self._bases[i]
        return json.loads(data[table[local]:table[local + 1]])

    def records(self, first: int, count: int) -> list[dict]:
        return [self.record(d) for d in range(first, first + count)]

    def close(self) -> None:
        for part in self._parts:
            part[1].release()
        self._parts = []
        for mapped in self._maps:
            mapped.close()
        self._maps = []
