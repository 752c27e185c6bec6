"""Exact sets of paragraphs that contain a literal string.

Matching in searchsvc is literal (``condition``: a paragraph contains S
when S occurs in its flat text; a jieba token of the paragraph is such a
substring, so the word index adds ranking signal, never recall). This
module answers "which paragraphs contain S?":

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

import copy
import re
from array import array
from collections.abc import Callable, Collection, Iterable

import numpy as np
from pyroaring import FrozenBitMap

from ..analysis.normalize import literal_grams
from ..analysis.scripts import LATIN_LEAD, LATIN_TAIL
from ..storage.grams import EMPTY, GramStore
from ..storage.texts import NormalizedTexts
from .cache import SizedLRU, entry_bytes

VERIFY_AT = 1024  # stop intersecting postings once this few candidates remain
# The docset cache: 8 MB, about 4 M paragraph numbers (a roaring bitmap
# holds at most 2 bytes a number, far less for dense sets), and at most
# 20,000 docsets (most literals in a long-tailed log are found once).
CACHE_BYTES = 8_000_000
CACHE_ENTRIES = 20_000
BITMAP_BYTES = 2  # per paragraph number, at most (an array container)
# what a cache key holds, its first item: a literal may be any string, so
# the kinds never share one namespace (a query of "\x01tar" once answered
# for "tar" standing as a word)
_GRAM, _CONTAINS, _STANDING = 0, 1, 2


def union(sets: Iterable[FrozenBitMap]) -> FrozenBitMap:
    """The union of docsets, without copying when only one distinct
    non-empty set is given (a word and the term it was typed as often
    share one cached docset)."""
    distinct = list({id(s): s for s in sets if s}.values())
    if len(distinct) == 1:
        return distinct[0]
    return FrozenBitMap.union(*distinct) if distinct else EMPTY


def docset(numbers: Iterable[int] | np.ndarray) -> FrozenBitMap:
    """A docset of paragraph numbers (any iterable of ints; a numpy array
    goes through an array of uint32, ten times faster than item by item)."""
    if isinstance(numbers, np.ndarray):
        packed = array("I")
        packed.frombytes(numbers.astype(np.uint32).tobytes())
        return FrozenBitMap(packed)
    return FrozenBitMap(numbers)


def to_array(docs: FrozenBitMap | Collection[int]) -> np.ndarray:
    """A docset's paragraph numbers as a sorted int64 array (any iterable)."""
    if isinstance(docs, FrozenBitMap):
        return np.frombuffer(docs.to_array(), dtype=np.uint32).astype(np.int64)
    return np.sort(np.fromiter(docs, dtype=np.int64, count=len(docs)))


class LiteralIndex:
    """Docsets of literal strings over one opened snapshot.

    ``texts`` holds each paragraph's flat text; the gram store is built
    from the same texts, in the same order, and leaves out the paragraphs
    an incremental rebuild deleted, so every docset here holds live
    paragraphs only.
    """

    def __init__(self, grams: GramStore, texts: NormalizedTexts):
        self.grams = grams
        self.texts = texts
        self._cache: SizedLRU[tuple[int, str], FrozenBitMap] = SizedLRU(
            CACHE_BYTES, CACHE_ENTRIES, weigh=lambda d: BITMAP_BYTES * len(d),
            entry_cost=entry_bytes)
        self._read: dict[int, str] | None = None  # one query's texts (``for_query``)

    def for_query(self) -> LiteralIndex:
        """The same index for one query's work, which reads each paragraph's
        flat text once: its checks, proximity and missing words read about
        half of their 100 texts twice. Docsets stay shared."""
        view = copy.copy(self)
        view._read = {}
        return view

    def df(self, gram: str) -> int:
        return self.grams.df(gram)

    def rarest_gram(self, literal: str) -> str:
        """The gram of ``literal`` in fewest paragraphs; ties go to the
        smallest gram, never to set order (which changes with the hash seed)."""
        return min(literal_grams(literal), key=lambda g: (self.df(g), g))

    def every_live(self) -> FrozenBitMap:
        """Every live paragraph: what a query of exclusions only starts from."""
        return self.grams.deletions.every_live()

    def text(self, docnum: int) -> str:
        """A paragraph's flat text."""
        read = self._read
        if read is None:
            return self.texts[docnum]
        text = read.get(docnum)
        if text is None:
            text = read[docnum] = self.texts[docnum]
        return text

    def _postings(self, gram: str) -> FrozenBitMap:
        return self._cache.get((_GRAM, gram), lambda: self.grams.with_gram(gram))

    def containing(self, literal: str) -> FrozenBitMap:
        """Paragraphs whose normalized text contains ``literal``.

        ``literal`` is already normalized and has no white space.
        """
        if not literal:
            return EMPTY
        return self._cache.get((_CONTAINS, literal), lambda: self._compute(literal))

    def standing(self, literal: str,
                 tokens: Callable[[], FrozenBitMap] = lambda: EMPTY) -> FrozenBitMap:
        """Paragraphs where ``literal`` stands as a word: not inside a longer
        Latin word (``tar`` in ``tar命令``, ``pm`` in ``pm2.5``, not in
        ``whatarethe``). ``tokens()``: paragraphs that have it as a jieba
        token, which stands (``set up`` is ``setup`` in the flat text).
        Only Latin letters at its ends are checked."""
        lead, tail = LATIN_LEAD.match(literal), LATIN_TAIL.search(literal)
        if not (lead or tail):
            return self.containing(literal)
        return self._cache.get((_STANDING, literal), lambda: self._standing(literal, lead, tail, tokens))

    def _standing(self, literal: str, lead: re.Match[str] | None, tail: re.Match[str] | None,
                  tokens: Callable[[], FrozenBitMap]) -> FrozenBitMap:
        """Letters only: the paragraphs where they are a whole Latin run (the
        character index keeps those). Otherwise a paragraph needs its letters
        at each end as whole runs, and those that have them are read."""
        if lead and lead.end() == len(literal):
            return self.grams.with_latin_run(literal) | tokens()
        docs = self.containing(literal)
        kept = docs & tokens()
        candidates = docs - kept
        for run in (lead, tail):
            if run and candidates:
                candidates = candidates & self.grams.with_latin_run(run.group())
        if not candidates:
            return kept
        escaped = re.escape(literal.encode("utf-8"))  # the literal first: see texts.matching
        pattern = re.compile(escaped + (b"(?<![a-z]" + escaped + b")" if lead else b"")
                             + (b"(?![a-z])" if tail else b""))
        return kept | docset(self.texts.matching(to_array(candidates), pattern))

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
        return docset(self.texts.containing(to_array(candidates), literal))
