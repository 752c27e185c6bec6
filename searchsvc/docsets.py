"""Exact sets of paragraphs that contain a literal string.

Matching in searchsvc is literal: a word matches a paragraph when its
normalized form occurs in the paragraph's normalized text (a jieba token of
the paragraph is such a substring, so the word field adds ranking signal,
never recall). This module answers "which paragraphs contain S?" fast:

* one character or two: the ``chars`` field's postings, exact as they are;
* longer: intersect the postings of S's bigrams, rarest first, until few
  candidates are left, then verify each candidate on its stored text (or,
  for a large candidate set, let Whoosh check bigram positions).

Answers are cached per snapshot in a bounded LRU (bounded by the number of
document ids held, not the number of entries).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from whoosh import query as Q
from whoosh.reading import TermNotFound

from .analysis import literal_grams, normalize_text

VERIFY_AT = 256  # stop intersecting postings once this few candidates remain
VERIFY_MAX = 4096  # above this, check positions with a Whoosh phrase instead
CACHE_IDS = 400_000  # document ids held by the cache at most
NORM_CACHE = 8192  # normalized paragraph texts kept for verification


def postings(reader, field: str, text: str, weights: bool = False):
    """(docnums, weights) of one term, read a block at a time.

    Whoosh's generic ``all_ids()`` costs a generator step and two method
    calls per posting; the whoosh3 codec's leaf matcher keeps each block's
    ids and weights in arrays, which are taken whole here (whoosh-reloaded
    2.7.5, pinned; any other matcher takes the generic path).
    """
    try:
        m = reader.postings(field, text)
    except TermNotFound:
        return [], []
    ids: list[int] = []
    ws: list[float] = []
    if all(hasattr(m, a) for a in ("_read_ids", "_read_weights", "_next_block", "_i")):
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            ids.extend(m._ids[m._i:])
            if weights:
                if m._weights is None:
                    m._read_weights()
                ws.extend(m._weights[m._i:])
            m._next_block()
        return ids, ws
    while m.is_active():
        ids.append(m.id())
        if weights:
            ws.append(m.weight())
        m.next()
    return ids, ws


class LiteralIndex:
    """Docsets of literal strings over one opened snapshot."""

    def __init__(self, searcher, texts: list[str] | None = None):
        self.searcher = searcher
        self.texts = texts  # normalized paragraph texts by docnum, if known
        self.reader = searcher.reader()
        self._cache: OrderedDict[str, frozenset] = OrderedDict()
        self._held = 0
        self._norm: OrderedDict[int, str] = OrderedDict()
        self._lock = threading.Lock()
        self._all: frozenset | None = None

    # -- small pieces -------------------------------------------------------

    def df(self, gram: str) -> int:
        return self.reader.doc_frequency("chars", gram)

    def rarest_gram(self, literal: str) -> str:
        return min(set(literal_grams(literal)), key=self.df)

    def all_docs(self) -> frozenset:
        if self._all is None:
            self._all = frozenset(self.reader.all_doc_ids())
        return self._all

    def _postings(self, gram: str) -> frozenset:
        return self._cached("\0" + gram, lambda: frozenset(
            postings(self.reader, "chars", gram)[0]))

    def text(self, docnum: int) -> str:
        """A paragraph's normalized text without white space, for checks."""
        if self.texts is not None:
            return self.texts[docnum]
        text = self._norm.get(docnum)
        if text is None:
            raw = self.searcher.stored_fields(docnum)["text"]
            text = "".join(normalize_text(raw).split())
            with self._lock:
                self._norm[docnum] = text
                if len(self._norm) > NORM_CACHE:
                    self._norm.popitem(last=False)
        return text

    def _cached(self, key: str, compute) -> frozenset:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        value = compute()
        with self._lock:
            if key not in self._cache:
                self._cache[key] = value
                self._held += len(value)
                while self._held > CACHE_IDS and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._held -= len(old)
        return value

    # -- the answer ---------------------------------------------------------

    def docs(self, literal: str) -> frozenset:
        """Docnums of paragraphs whose normalized text contains ``literal``.

        ``literal`` is already normalized and has no white space.
        """
        if not literal:
            return frozenset()
        return self._cached(literal, lambda: self._compute(literal))

    def _compute(self, literal: str) -> frozenset:
        grams = sorted(set(literal_grams(literal)), key=self.df)
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
            return candidates  # a unigram or bigram posting is exact
        if len(candidates) > VERIFY_MAX and len(grams) <= 64:
            phrase = Q.Phrase("chars", literal_grams(literal))
            return frozenset(self.searcher.docs_for_query(phrase)) & candidates
        return frozenset(d for d in candidates if literal in self.text(d))
