"""BM25F scores computed from postings, cached per term.

Whoosh's collectors score every matching paragraph in Python, one matcher
call at a time; for a frequent word that is most of a query's time. Here a
term's BM25 contribution to every paragraph that has it is computed once
(same formula and parameters as ``whoosh.scoring.BM25F``: B=0.75, K1=1.2,
idf = log(N / (df + 1)) + 1) and kept in a bounded LRU, so a query adds up a
few dictionaries.
"""

from __future__ import annotations

import heapq
from array import array
import threading
from collections import OrderedDict
from math import log

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from whoosh.reading import TermNotFound

B = 0.75
K1 = 1.2
CACHE_ENTRIES = 200_000  # (docnum, score) pairs held by the cache at most


_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _length_column(reader, field: str) -> list[int] | None:
    """Every paragraph's field length, read as one column (whoosh3 codec)."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return None
    return [_BYTE_LENGTHS[b] for b in column]


def postings(reader, field: str, text: str):
    """(docnums, frequencies) of one Whoosh term, read a block at a time.

    Whoosh's generic matcher costs two method calls per posting; the whoosh3
    codec's leaf matcher keeps each block's ids and weights in arrays, taken
    whole here (whoosh-reloaded 2.7.5, pinned; any other matcher takes the
    generic path).
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
            if m._weights is None:
                m._read_weights()
            ids.extend(m._ids[m._i:])
            ws.extend(m._weights[m._i:])
            m._next_block()
        return ids, ws
    while m.is_active():
        ids.append(m.id())
        ws.append(m.weight())
        m.next()
    return ids, ws


GRAMS = "grams"  # the pseudo-field of the character index (grams.py)


class Ranker:
    """Scores for Whoosh's ``text`` field and the character index's grams."""

    def __init__(self, searcher, grams, texts):
        self.reader = searcher.reader()
        self.grams = grams
        self.n = self.reader.doc_count_all()
        self._lengths: dict[str, list[int]] = {}
        self._avg: dict[str, float] = {}
        self._cache: OrderedDict[tuple, dict] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        gram_lengths = array("I", (texts.length(n) for n in range(len(texts))))
        self._lengths[GRAMS] = gram_lengths
        self._avg[GRAMS] = sum(gram_lengths) / len(gram_lengths) if gram_lengths else 1.0

    def _field_lengths(self, field: str) -> list[int]:
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = _length_column(self.reader, field)
            if lengths is None:
                length = self.reader.doc_field_length
                lengths = [length(d, field, 0) for d in range(self.n)]
            self._lengths[field] = lengths
            self._avg[field] = (self.reader.field_length(field) / self.n) if self.n else 1.0
        return lengths

    def term_scores(self, field: str, text: str) -> dict[int, float]:
        """docnum -> BM25 contribution of one term, for every docnum with it."""
        key = (field, text)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        scores = self._compute(field, text)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = scores
                self._held += len(scores)
                while self._held > CACHE_ENTRIES and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._held -= len(old)
        return scores

    def _compute(self, field: str, text: str) -> dict[int, float]:
        if field == GRAMS:
            ids, tfs = self.grams.postings(text, freqs=True)
        else:
            ids, tfs = postings(self.reader, field, text)
        if not ids:
            return {}
        lengths = self._field_lengths(field)
        avg = self._avg[field] or 1.0
        idf = log(self.n / (len(ids) + 1)) + 1
        k = K1 * (1 - B)
        kb = K1 * B / avg
        return {d: idf * tf * (K1 + 1) / (tf + k + kb * lengths[d]) for d, tf in zip(ids, tfs)}

    def top(self, terms: list[tuple[str, str]], docs, start: int, end: int):
        """Ranks ``start`` to ``end`` of ``docs`` by the summed scores of ``terms``.

        Ties keep document order, so pages are stable.
        """
        if end <= start or not docs:
            return []
        tables = [self.term_scores(f, t) for f, t in terms]
        if len(docs) <= sum(len(t) for t in tables):
            scored = ((sum(t.get(d, 0.0) for t in tables), d) for d in docs)
        else:
            totals: dict[int, float] = {}
            for table in tables:
                for d, s in table.items():
                    if d in docs:
                        totals[d] = totals.get(d, 0.0) + s
            scored = ((totals.get(d, 0.0), d) for d in docs)
        best = heapq.nsmallest(end, scored, key=lambda sd: (-sd[0], sd[1]))
        return [(d, s) for s, d in best[start:end]]
