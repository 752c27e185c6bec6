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
from bisect import bisect_right
from pathlib import Path

import numpy as np

from ..analysis import flat_text
from .files import DamagedFile, Mapped

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
    lines = [(t + "\n").encode("utf-8") for t in flats]
    text_file.write_bytes(b"".join(lines))
    sizes = np.fromiter((len(line) for line in lines), dtype=np.uint64, count=len(lines))
    np.concatenate([[0], np.cumsum(sizes)]).astype("<u8").tofile(offsets_file)


class NormalizedTexts:
    """Every paragraph's normalized text (no white space), by docnum, read
    from the mapped files: every worker shares one copy in the page cache
    (held as one str per worker it was 2 bytes a character, most of a
    worker's memory). Containment is a byte search within the line: a
    UTF-8 string occurs in UTF-8 text only at character boundaries."""

    def __init__(self, parts: list[tuple[Mapped, memoryview, np.ndarray, Mapped]],
                 bases: list[int]):
        self._parts = parts  # (text, line starts as ints and as an array, their file) per part
        self._bases = bases
        self._count = bases[-1] + len(parts[-1][1]) - 1 if parts else 0

    @classmethod
    def read(cls, folder: Path, names: list[str], counts: list[int],
             paragraphs) -> NormalizedTexts:
        """The parts' files; ``counts`` says how many texts each holds.
        Checked on every file's count and on its first and last paragraph
        against ``paragraphs`` (the paragraph store). Raises DamagedFile
        when they do not line up."""
        texts = cls([], [])
        try:
            base = 0
            for name, count in zip(names, counts):
                text_file, offsets_file = (folder / f for f in files(name))
                text = Mapped(text_file)
                texts._parts.append((text, None, None, None))
                offsets = Mapped(offsets_file)
                starts = offsets.integers("Q")
                texts._parts[-1] = (text, starts, offsets.array("<u8"), offsets)
                texts._bases.append(base)
                if len(starts) != count + 1 or starts[0] != 0 or starts[-1] != len(text):
                    raise DamagedFile(offsets_file.name, f"does not line up with {text_file.name}")
                base += count
            texts._count = base
            if len(paragraphs) != len(texts):
                raise DamagedFile(files(names[0])[0] if names else NORMALIZED_FILE,
                                  "the normalized texts do not line up with the index")
            for name, first, count in zip(names, texts._bases, counts):
                for docnum in {first, first + count - 1} if count else ():
                    if flat_text(paragraphs.record(docnum)["text"]) != texts[docnum]:
                        raise DamagedFile(files(name)[0], "does not line up with the index")
        except BaseException:
            texts.close()
            raise
        return texts

    def __len__(self) -> int:
        return self._count

    def _where(self, n: int) -> tuple[Mapped, int, int]:
        """(file, start, end of the text without its newline) of docnum ``n``."""
        if not 0 <= n < self._count:
            raise IndexError(n)
        i = bisect_right(self._bases, n) - 1
        text, starts, _, _ = self._parts[i]
        local = n - self._bases[i]
        return text, starts[local], starts[local + 1] - 1

    def __getitem__(self, n: int) -> str:
        text, start, end = self._where(n)
        return text.read(start, end).decode("utf-8")

    def containing(self, docnums: np.ndarray, literal: str) -> np.ndarray:
        """The docnums of ``docnums`` (ascending) whose text contains
        ``literal``. A part with many candidates is scanned whole for the
        literal (a memchr-speed search, then each hit's line by binary
        search); fewer are checked one line at a time."""
        needle = literal.encode("utf-8")

        def occurrences(text):
            i = text.find(needle, 0, len(text))
            while i != -1:
                yield i
                i = text.find(needle, i + len(needle), len(text))

        return self._select(docnums, occurrences,
                            lambda text, start, end: text.find(needle, start, end) != -1)

    def matching(self, docnums: np.ndarray, pattern: re.Pattern) -> np.ndarray:
        """The docnums of ``docnums`` (ascending) whose UTF-8 text the bytes
        regex ``pattern`` finds something in, read as ``containing`` reads.
        A pattern that begins with a literal scans a part about as fast as
        ``bytes.count`` does (a lookbehind put first: 40 times slower)."""
        return self._select(docnums, lambda text: text.match_starts(pattern),
                            lambda text, start, end: text.search(pattern, start, end))

    def _select(self, docnums, occurrences, check) -> np.ndarray:
        """The docnums of ``docnums`` whose line ``check(text, start, end)``
        accepts; a part with many of them is read whole instead, as the
        byte offsets ``occurrences(text)`` yields, each put in its line."""
        found = []
        docnums = np.asarray(docnums, dtype=np.int64)
        cuts = np.searchsorted(docnums, self._bases[1:] + [self._count])
        for (text, starts, line_starts, _), base, lo, hi in zip(self._parts, self._bases,
                                                         [0, *cuts[:-1].tolist()], cuts.tolist()):
            if hi <= lo:
                continue
            local = docnums[lo:hi] - base
            if (hi - lo) * SCAN_BYTES_PER_CANDIDATE > len(text):
                at = np.fromiter(occurrences(text), dtype=np.uint64)
                lines = np.unique(np.searchsorted(line_starts, at, side="right") - 1)
                found.append(np.intersect1d(local, lines, assume_unique=True) + base)
            else:
                found.append(np.fromiter(
                    (n for n in local.tolist() if check(text, starts[n], starts[n + 1] - 1)),
                    dtype=np.int64) + base)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def close(self) -> None:
        files = [(text, offsets) for text, _, _, offsets in self._parts]
        self._parts = []  # the arrays over the maps go first, or a map cannot close
        for text, offsets in files:
            text.close()
            if offsets is not None:
                offsets.close()
