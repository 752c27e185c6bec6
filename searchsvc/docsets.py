"""Exact sets of paragraphs that contain a literal string.

Matching in searchsvc is literal: a word matches a paragraph when its
normalized form occurs in the paragraph's normalized text (a jieba token of
the paragraph is such a substring, so the word field adds ranking signal,
never recall). This module answers "which paragraphs contain S?":

* one character or two: the character index's postings, exact as they are;
* longer: intersect the postings of S's pairs, rarest first, until few
  candidates are left, then check each candidate's text.

Answers are cached per snapshot in a bounded LRU (bounded by the number of
paragraph numbers held, not by the number of entries).
"""

from __future__ import annotations

from .analysis import literal_grams
from .cache import SizedLRU
from .grams import GramStore

VERIFY_AT = 1024  # stop intersecting postings once this few candidates remain
CACHE_IDS = 200_000  # paragraph numbers held by the cache at most


class LiteralIndex:
    """Docsets of literal strings over one opened snapshot.

    ``texts`` (indexer.NormalizedTexts) holds each paragraph's normalized
    text without white space; the gram store is built from the same texts,
    in the same order. ``deleted`` are docnums of paragraphs an incremental
    rebuild replaced: still in the files, never in an answer.
    """

    def __init__(self, grams: GramStore, texts, deleted: frozenset = frozenset()):
        self.grams = grams
        self.texts = texts
        self.deleted = deleted
        self._cache = SizedLRU(CACHE_IDS)
        self._all: frozenset | None = None  # made on first use (7 MB at 108,000 paragraphs)

    def df(self, gram: str) -> int:
        return self.grams.df(gram)

    def rarest_gram(self, literal: str) -> str:
        """The gram of ``literal`` in fewest paragraphs; ties go to the
        smallest gram, never to set order (which changes with the hash seed)."""
        return min(literal_grams(literal), key=lambda g: (self.df(g), g))

    def all_docs(self) -> frozenset:
        """Every live paragraph: what a query of exclusions only starts from."""
        if self._all is None:
            self._all = frozenset(range(len(self.texts))) - self.deleted
        return self._all

    def text(self, docnum: int) -> str:
        """A paragraph's normalized text without white space, for checks."""
        return self.texts[docnum]

    def _postings(self, gram: str) -> frozenset:
        return self._cache.get("\0" + gram, lambda: frozenset(self.grams.postings(gram)[0]))

    def docs(self, literal: str) -> frozenset:
        """Paragraphs whose normalized text contains ``literal``.

        ``literal`` is already normalized and has no white space.
        """
        if not literal:
            return frozenset()
        return self._cache.get(literal, lambda: self._live(self._compute(literal)))

    def _live(self, docs: frozenset) -> frozenset:
        return docs - self.deleted if self.deleted else docs

    def _compute(self, literal: str) -> frozenset:
        grams = sorted(set(literal_grams(literal)), key=lambda g: (self.df(g), g))
        if not grams or self.df(grams[0]) == 0:
            return frozenset()
        candidates = self._postings(grams[0])
        for gram in grams[1:]:
            if len(candidates) <= VERIFY_AT:
                break
            candidates = candidates & self._postings(gram)
            if not candidates:
                return frozenset()
        if len(literal) <= 2:
            return candidates  # a character or pair posting is exact
        contains = self.texts.contains
        return frozenset(d for d in candidates if contains(d, literal))
