"""The character index: which paragraphs hold each character and character pair.

Every paragraph's normalized text (white space removed) is cut into its
characters and adjacent pairs; for each such gram the store keeps the
paragraphs that have it and how often. That is all literal matching needs:
candidates come from the rarest grams of a string, and each candidate is
then checked on its text. Kept out of Whoosh on purpose: through Whoosh's
pure-Python posting pipeline these ~2 postings per character made up three
quarters of the build time and most of the index size.

Files, per part of a build (see indexer; ``P`` is the part's name):
  P.grams.keys   sorted uint64 keys (see ``gram_key``)
  P.grams.meta   uint64 offset and uint32 count per key
  P.grams.post   per key: ``count`` uint32 paragraph numbers, then ``count`` uint32 frequencies

Paragraph numbers are the index's docnums (the part's first docnum plus
its position in the part), so a build's parts read as one store by
concatenating their postings.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from pathlib import Path

from .store import ReadAt

KEYS, META, POSTINGS = "grams.keys", "grams.meta", "grams.post"


def files(part: str) -> list[str]:
    return [f"{part}.{name}" for name in (KEYS, META, POSTINGS)]


def gram_key(gram: str) -> int:
    """One or two characters as a sortable integer (code points < 2**21)."""
    if len(gram) == 1:
        return ord(gram) << 22
    return (ord(gram[0]) << 22) | (ord(gram[1]) + 1)


def text_grams(text: str) -> Counter:
    """Characters and adjacent pairs of a paragraph's normalized text."""
    counts = Counter(text)
    counts.update(map(operator.add, text, text[1:]))
    return counts


def write(folder: Path, part: str, texts, base: int = 0) -> None:
    """Write part ``part`` for ``texts`` (normalized, no white space), whose
    docnums are ``base``, ``base + 1``, ... in order."""
    keys_file, meta_file, post_file = (folder / f for f in files(part))
    docs: dict[int, array] = defaultdict(lambda: array("I"))
    freqs: dict[int, array] = defaultdict(lambda: array("I"))
    for n, text in enumerate(texts, base):
        for gram, tf in text_grams(text).items():
            key = gram_key(gram)
            docs[key].append(n)
            freqs[key].append(tf)
    keys = array("Q", sorted(docs))
    offsets, counts = array("Q"), array("I")
    with open(post_file, "wb") as f:
        position = 0
        for key in keys:
            offsets.append(position)
            counts.append(len(docs[key]))
            docs[key].tofile(f)
            freqs[key].tofile(f)
            position += 8 * len(docs[key])
    with open(keys_file, "wb") as f:
        keys.tofile(f)
    with open(meta_file, "wb") as f:
        offsets.tofile(f)
        counts.tofile(f)


class GramStore:
    """Read side: document frequencies and postings of grams, over a build's parts."""

    def __init__(self, folder: Path, parts: list[str]):
        self.parts = []
        try:
            for part in parts:
                self.parts.append(_Part(folder, part))
        except BaseException:
            self.close()
            raise

    def df(self, gram: str) -> int:
        return sum(p.df(gram) for p in self.parts)

    def postings(self, gram: str, freqs: bool = False):
        """(paragraph numbers, frequencies or None) of one gram, in docnum order."""
        if len(self.parts) == 1:
            return self.parts[0].postings(gram, freqs)
        docs, tfs = array("I"), (array("I") if freqs else None)
        for part in self.parts:
            d, t = part.postings(gram, freqs)
            docs.extend(d)
            if freqs:
                tfs.extend(t)
        return docs, tfs

    def close(self) -> None:
        for part in self.parts:
            part.close()


class _Part:
    """One part's files: keys and offsets in memory, postings read from the file."""

    def __init__(self, folder: Path, part: str):
        keys_file, meta_file, post_file = (folder / f for f in files(part))
        self.keys = array("Q")
        self.keys.frombytes(keys_file.read_bytes())
        meta = meta_file.read_bytes()
        split = 8 * len(self.keys)
        self.offsets = array("Q")
        self.offsets.frombytes(meta[:split])
        self.counts = array("I")
        self.counts.frombytes(meta[split:])
        if len(self.counts) != len(self.keys):
            raise ValueError(f"{meta_file.name} does not match {keys_file.name}")
        self._postings = ReadAt(post_file)

    def _find(self, gram: str) -> int:
        key = gram_key(gram)
        i = bisect_left(self.keys, key)
        return i if i < len(self.keys) and self.keys[i] == key else -1

    def df(self, gram: str) -> int:
        i = self._find(gram)
        return self.counts[i] if i >= 0 else 0

    def postings(self, gram: str, freqs: bool = False):
        i = self._find(gram)
        docs = array("I")
        if i < 0:
            return docs, (array("I") if freqs else None)
        start, count = self.offsets[i], self.counts[i]
        if not freqs:
            docs.frombytes(self._postings.read(start, start + 4 * count))
            return docs, None
        both = self._postings.read(start, start + 8 * count)
        tfs = array("I")
        docs.frombytes(both[:4 * count])
        tfs.frombytes(both[4 * count:])
        return docs, tfs

    def close(self) -> None:
        self._postings.close()
