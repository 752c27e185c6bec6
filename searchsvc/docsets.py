"""Exact sets of paragraphs that contain a literal string.

Matching in searchsvc is literal: a word matches a paragraph when its
normalized form occurs in the paragraph's normalized text (a jieba token of
the paragraph is such a substring, so the word field adds ranking signal,
never recall). This module answers "which paragraphs contain S?":

* one character or two: the character index's postings, exact as they are;
* longer: intersect the postings of S's pairs, rarest first, until few
  candidates are left, then check each candidate's text.

Sets of paragraph numbers are compressed bitmaps (pyroaring's
``FrozenBitMap``): made from a posting list in one call, intersected and
united in C, a few bytes per paragraph. Answers are cached per snapshot in
a bounded LRU (bounded by the number of paragraph numbers held, not by the
number of entries).
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np
from pyroaring import FrozenBitMap

from .analysis import flat_text, literal_grams
from .cache import SizedLRU, entry_bytes
from .grams import GramStore

VERIFY_AT = 1024  # stop intersecting postings once this few candidates remain
# The docset cache: 8 MB, about 4 M paragraph numbers (a roaring bitmap
# holds at most 2 bytes a number, far less for dense sets), and at most
# 20,000 docsets (most literals in a long-tailed log are found once).
CACHE_BYTES = 8_000_000
CACHE_ENTRIES = 20_000
BITMAP_BYTES = 2  # per paragraph number, at most (an array container)
EMPTY = FrozenBitMap()


def union(sets) -> FrozenBitMap:
    """The union of docsets, without copying when only one distinct
    non-empty set is given (a word and the term it was typed as often
    share one cached docset)."""
    distinct = list({id(s): s for s in sets if s}.values())
    if len(distinct) == 1:
        return distinct[0]
    return FrozenBitMap.union(*distinct) if distinct else EMPTY


def docset(numbers) -> FrozenBitMap:
    """A docset of paragraph numbers (any iterable of ints)."""
    return FrozenBitMap(numbers)


def to_array(docs) -> np.ndarray:
    """A docset's paragraph numbers as a sorted int64 array (any iterable)."""
    if isinstance(docs, FrozenBitMap):
        return np.frombuffer(docs.to_array(), dtype=np.uint32).astype(np.int64)
    return np.sort(np.fromiter(docs, dtype=np.int64, count=len(docs)))


class NormalizedTexts:
    """Every paragraph's normalized text (no white space), by docnum.

    Held as one string with an offset table rather than a list of strings:
    a quarter of the memory, and a substring test is ``find`` within bounds.
    """

    def __init__(self, joined: str, starts: array):
        self.joined = joined
        self.starts = starts  # len(self) + 1 offsets; text n is [starts[n], starts[n+1] - 1)

    @classmethod
    def read(cls, files: list[Path], counts: list[int], paragraphs) -> "NormalizedTexts":
        """The parts' files, one text a line in docnum order; ``counts``
        says how many each holds. Checked on every file's count and on its
        first and last paragraph against ``paragraphs`` (the paragraph
        store). Raises ValueError when they do not line up, OSError."""
        chunks = [f.read_text(encoding="utf-8") for f in files]
        joined = "".join(chunks)
        starts = array("I", [0])
        position = joined.find("\n")
        while position != -1:
            starts.append(position + 1)
            position = joined.find("\n", position + 1)
        texts = cls(joined, starts)
        lines = [chunk.count("\n") for chunk in chunks]
        if lines != list(counts) or any(c and not c.endswith("\n") for c in chunks) or \
                len(paragraphs) != len(texts):
            raise ValueError("the normalized texts do not line up with the index")
        base = 0
        for path, count in zip(files, counts):
            for docnum in {base, base + count - 1} if count else ():
                if flat_text(paragraphs.record(docnum)["text"]) != texts[docnum]:
                    raise ValueError(f"{path.name} does not line up with the index")
            base += count
        return texts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, n: int) -> str:
        return self.joined[self.starts[n]:self.starts[n + 1] - 1]

    def length(self, n: int) -> int:
        return self.starts[n + 1] - self.starts[n] - 1

    def contains(self, n: int, literal: str) -> bool:
        return self.joined.find(literal, self.starts[n], self.starts[n + 1] - 1) != -1


class LiteralIndex:
    """Docsets of literal strings over one opened snapshot.

    ``texts`` (NormalizedTexts) holds each paragraph's normalized
    text without white space; the gram store is built from the same texts,
    in the same order, and leaves out the paragraphs an incremental rebuild
    deleted, so every docset here holds live paragraphs only.
    """

    def __init__(self, grams: GramStore, texts):
        self.grams = grams
        self.texts = texts
        self.deleted = grams.deleted
        self._cache = SizedLRU(CACHE_BYTES, CACHE_ENTRIES, weigh=lambda d: BITMAP_BYTES * len(d),
                               entry_cost=entry_bytes)
        self._all: FrozenBitMap | None = None  # made on first use

    def df(self, gram: str) -> int:
        return self.grams.df(gram)

    def rarest_gram(self, literal: str) -> str:
        """The gram of ``literal`` in fewest paragraphs; ties go to the
        smallest gram, never to set order (which changes with the hash seed)."""
        return min(literal_grams(literal), key=lambda g: (self.df(g), g))

    def all_docs(self) -> FrozenBitMap:
        """Every live paragraph: what a query of exclusions only starts from."""
        if self._all is None:
            self._all = FrozenBitMap(range(len(self.texts))) - self.deleted
        return self._all

    def text(self, docnum: int) -> str:
        """A paragraph's normalized text without white space, for checks."""
        return self.texts[docnum]

    def _postings(self, gram: str) -> FrozenBitMap:
        return self._cache.get("\0" + gram, lambda: self.grams.docs(gram))

    def docs(self, literal: str) -> FrozenBitMap:
        """Paragraphs whose normalized text contains ``literal``.

        ``literal`` is already normalized and has no white space.
        """
        if not literal:
            return EMPTY
        return self._cache.get(literal, lambda: self._compute(literal))

    def _compute(self, literal: str) -> FrozenBitMap:
        grams = sorted(set(literal_grams(literal)), key=lambda g: (self.df(g), g))
        if not grams or self.df(grams[0]) == 0:
            return EMPTY
        candidates = self._postings(grams[0])
        for gram in grams[1:]:
            if len(candidates) <= VERIFY_AT:
                break
            candidates = candidates & self._postings(gram)
            if not candidates:
                return EMPTY
        if len(literal) <= 2:
            return candidates  # a character or pair posting is exact
        contains = self.texts.contains
        return FrozenBitMap(d for d in candidates if contains(d, literal))
