"""Every paragraph's flat text: normalized, without white space, by docnum.

What literal matching reads (``analysis.flat_text``: a paragraph contains
X when X occurs in this text) and what the character index is made of, so
both are written from one list (``write``) in the same pass.

Files, per part of a build (``P`` is the part's name):
  P.normalized.txt   one flat text a line, in docnum order, UTF-8
  P.normalized.idx   uint64 byte offsets: each line's start, then the file's end
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.normalize import flat_text
from . import linetable
from .files import DamagedFile, Mapped
from .linetable import LineTable
from .partmap import PartMap

if TYPE_CHECKING:
    from .paragraphs import ParagraphStore

NORMALIZED_FILE, OFFSETS_FILE = "normalized.txt", "normalized.idx"
# past one candidate per this many bytes, scan the part whole (measured at
# 434,000 paragraphs: a line's check is about half a microsecond, and a
# scan pays a Python step per occurrence)
SCAN_BYTES_PER_CANDIDATE = 256


def files(part: str) -> list[str]:
    return [f"{part}.{NORMALIZED_FILE}", f"{part}.{OFFSETS_FILE}"]


def write(folder: Path, part: str, flats: list[str]) -> None:
    """Part ``part``'s flat texts, in docnum order."""
    text_file, offsets_file = (folder / f for f in files(part))
    linetable.write(text_file, offsets_file, (t.encode("utf-8") for t in flats))


class NormalizedTexts:
    """Every paragraph's normalized text (no white space), by docnum, one
    line table per part (held as one str per worker it was 2 bytes a
    character, most of a worker's memory). Containment is a byte search
    within the line: a UTF-8 string occurs in UTF-8 text only at
    character boundaries."""

    def __init__(self, parts: list[LineTable], numbering: PartMap):
        self._parts = parts
        self._numbering = numbering

    @classmethod
    def read(cls, folder: Path, names: list[str], counts: list[int],
             paragraphs: ParagraphStore) -> NormalizedTexts:
        """The parts' files; ``counts`` says how many texts each holds.
        Checked on every file's count and on its first and last paragraph
        against ``paragraphs`` (the paragraph store). Raises DamagedFile
        when they do not line up."""
        texts = cls([], PartMap(counts))
        try:
            for name, count in zip(names, counts):
                text_file, offsets_file = (folder / f for f in files(name))
                texts._parts.append(LineTable(text_file, offsets_file, count))
            if len(paragraphs) != len(texts):
                raise DamagedFile(files(names[0])[0] if names else NORMALIZED_FILE,
                                  "the normalized texts do not line up with the index")
            for name, first, count in zip(names, texts._numbering.bases, counts):
                for docnum in {first, first + count - 1} if count else ():
                    if flat_text(paragraphs.record(docnum)["text"]) != texts[docnum]:
                        raise DamagedFile(files(name)[0], "does not line up with the index")
        except BaseException:
            texts.close()
            raise
        return texts

    def __len__(self) -> int:
        return self._numbering.total

    def __getitem__(self, n: int) -> str:
        i, local = self._numbering.locate(n)
        return self._parts[i].line(local).decode("utf-8")

    def containing(self, docnums: np.ndarray, literal: str) -> np.ndarray:
        """The docnums of ``docnums`` (ascending) whose text contains
        ``literal``. A part with many candidates is scanned whole for the
        literal (a memchr-speed search, then each hit's line by binary
        search); fewer are checked one line at a time."""
        needle = literal.encode("utf-8")

        def occurrences(text: Mapped) -> Iterator[int]:
            i = text.find(needle, 0, len(text))
            while i != -1:
                yield i
                i = text.find(needle, i + len(needle), len(text))

        return self._select(docnums, occurrences,
                            lambda text, start, end: text.find(needle, start, end) != -1)

    def matching(self, docnums: np.ndarray, pattern: re.Pattern[bytes]) -> np.ndarray:
        """The docnums of ``docnums`` (ascending) whose UTF-8 text the bytes
        regex ``pattern`` finds something in, read as ``containing`` reads.
        A pattern that begins with a literal scans a part about as fast as
        ``bytes.count`` does (a lookbehind put first: 40 times slower)."""
        return self._select(docnums, lambda text: text.match_starts(pattern),
                            lambda text, start, end: text.search(pattern, start, end))

    def _select(self, docnums: np.ndarray, occurrences: Callable[[Mapped], Iterator[int]],
                check: Callable[[Mapped, int, int], bool]) -> np.ndarray:
        """The docnums of ``docnums`` whose line ``check(text, start, end)``
        accepts; a part with many of them is read whole instead, as the
        byte offsets ``occurrences(text)`` yields, each put in its line."""
        found = []
        numbering = self._numbering
        for i, local in numbering.split(np.asarray(docnums, dtype=np.int64)):
            table, base = self._parts[i], numbering.bases[i]
            if len(local) * SCAN_BYTES_PER_CANDIDATE > len(table.text):
                at = np.fromiter(occurrences(table.text), dtype=np.uint64)
                lines = np.unique(table.line_of(at))
                found.append(np.intersect1d(local, lines, assume_unique=True) + base)
            else:
                starts = table.starts
                found.append(np.fromiter(
                    (n for n in local.tolist() if check(table.text, starts[n], starts[n + 1] - 1)),
                    dtype=np.int64) + base)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def close(self) -> None:
        for table in self._parts:
            table.close()
        self._parts = []
