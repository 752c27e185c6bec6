"""BM25F scores computed from postings, cached per term.

Whoosh's collectors score every matching paragraph in Python, one matcher
call at a time; for a frequent word that is most of a query's time. Here a
term's BM25 contribution to every paragraph that has it is computed once
(same formula and parameters as ``whoosh.scoring.BM25F``: B=0.75, K1=1.2,
idf = log(N / (df + 1)) + 1) and kept in a bounded LRU, both by paragraph
and best first, so a query's top 10 is usually read off the front.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from math import log

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .cache import SizedLRU

B = 0.75
K1 = 1.2
# Postings (8 to 12 bytes each) held by the score cache at most: 48 MB. The 240
# benchmark queries need 0.8 M at 108,000 paragraphs and 3.1 M at 434,000.
CACHE_ENTRIES = 4_000_000
DIRECT = 2048  # up to this many candidates, score every one
DEEP_PAGE = 512  # ranks past this (deep pages) also score every candidate


_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _length_column(reader, field: str) -> list[int] | None:
    """Every paragraph's field length, read as one column per segment (whoosh3 codec)."""
    lengths: list[int] = []
    for leaf, _ in reader.leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            return None
        column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            return None
        lengths.extend(_BYTE_LENGTHS[b] for b in column)
    return lengths


def postings(reader, field: str, text: str):
    """(docnums, frequencies) of one Whoosh term, read a block at a time.

    Deleted paragraphs are included: the caller filters them. Whoosh's
    generic matcher costs two method calls per posting; the whoosh3 codec's
    leaf matcher keeps each block's ids and weights in arrays, taken whole
    here (whoosh-reloaded 2.7.5, pinned; any other matcher takes the generic
    path). Each segment's docnums are shifted by its base, as Whoosh's
    multi-segment reader numbers them.
    """
    ids: list[int] = []
    ws: list[float] = []
    for leaf, base in reader.leaf_readers():
        try:
            m = leaf.postings(field, text)
        except TermNotFound:
            continue
        if isinstance(m, FilterMatcher):  # the segment's deletions, filtered by the caller
            m = m.child
        if all(hasattr(m, a) for a in ("_read_ids", "_read_weights", "_next_block", "_i")):
            while m.is_active():
                if m._ids is None:
                    m._read_ids()
                if m._weights is None:
                    m._read_weights()
                block = m._ids[m._i:]
                ids.extend(block if not base else (d + base for d in block))
                ws.extend(m._weights[m._i:])
                m._next_block()
            continue
        while m.is_active():
            ids.append(m.id() + base)
            ws.append(m.weight())
            m.next()
    return ids, ws


GRAMS = "grams"  # the pseudo-field of the character index (grams.py)


class Ranked:
    """One term's BM25 scores: by docnum for lookups, and best first.

    Parallel arrays, 8 bytes a posting (scores in single precision, which
    ranks alike to about seven digits), so many terms fit in the cache; 4
    more for the best-first order, made the first time a large set is
    ranked with this term (most terms never are). Ties in the best-first
    order keep docnum order.
    """

    __slots__ = ("ids", "scores", "_order")

    def __init__(self, ids: array, scores: array):
        self.ids, self.scores = ids, scores
        self._order: array | None = None

    @property
    def order(self) -> array:
        if self._order is None:
            self._order = array("I", sorted(range(len(self.ids)),
                                            key=self.scores.__getitem__, reverse=True))
        return self._order

    def __len__(self) -> int:
        return len(self.ids)

    def score_of(self, docnum: int) -> float:
        i = bisect_left(self.ids, docnum)
        return self.scores[i] if i < len(self.ids) and self.ids[i] == docnum else 0.0


def _summed(ranked: list[Ranked], docs) -> dict:
    """Each paragraph of ``docs`` with its summed score. A term's list that
    is not much longer than the set is walked once; a longer one is looked
    up (a binary search) per paragraph."""
    acc = dict.fromkeys(docs, 0.0)
    for r in ranked:
        if len(r) <= 4 * len(acc):
            for d, s in zip(r.ids, r.scores):
                if d in acc:
                    acc[d] += s
        else:
            score_of = r.score_of
            for d in acc:
                acc[d] += score_of(d)
    return acc


class Ranker:
    """Scores for Whoosh's ``text`` field and the character index's grams.

    ``deleted`` docnums (replaced by an incremental rebuild) count for
    nothing: N, document frequencies and average lengths are those of the
    live paragraphs, so scores equal a full rebuild's. ``position`` gives
    each docnum's place in corpus order, which breaks ties (None: docnum
    order is corpus order).
    """

    def __init__(self, searcher, grams, texts, deleted: frozenset = frozenset(),
                 position: array | None = None):
        self.reader = searcher.reader()
        self.grams = grams
        self.deleted = deleted
        self.position = position
        self.n = self.reader.doc_count_all() - len(deleted)
        self._cache = SizedLRU(CACHE_ENTRIES)
        gram_lengths = array("I", (texts.length(n) for n in range(len(texts))))
        text_lengths = _length_column(self.reader, "text")
        if text_lengths is None:
            text_lengths = [self.reader.doc_field_length(d, "text", 0)
                            for d in range(self.reader.doc_count_all())]
        self._lengths = {GRAMS: gram_lengths, "text": text_lengths}
        self._avg = {field: self._live_sum(lengths) / self.n if self.n else 1.0
                     for field, lengths in self._lengths.items()}

    def _live_sum(self, lengths) -> int:
        return sum(lengths) - sum(lengths[d] for d in self.deleted)

    def term(self, field: str, text: str) -> Ranked:
        """A term's scores for every paragraph that has it (cached)."""
        return self._cache.get((field, text), lambda: self._compute(field, text))

    def _compute(self, field: str, text: str) -> Ranked:
        if field == GRAMS:
            ids, tfs = self.grams.postings(text, freqs=True)
        else:
            ids, tfs = postings(self.reader, field, text)
        if self.deleted:
            deleted = self.deleted
            kept = [(d, tf) for d, tf in zip(ids, tfs) if d not in deleted]
            ids, tfs = [d for d, _ in kept], [tf for _, tf in kept]
        if not len(ids):
            return Ranked(array("I"), array("f"))
        lengths = self._lengths[field]
        avg = self._avg[field] or 1.0
        idf = log(self.n / (len(ids) + 1)) + 1
        k = K1 * (1 - B)
        kb = K1 * B / avg
        scores = array("f", (idf * tf * (K1 + 1) / (tf + k + kb * lengths[d])
                             for d, tf in zip(ids, tfs)))
        return Ranked(array("I", ids), scores)

    def top(self, terms: list[tuple[str, str]], docs, start: int, end: int):
        """Ranks ``start`` to ``end`` of ``docs`` by the summed scores of ``terms``.

        Ties keep document order, so pages are stable. A large set is ranked
        with the threshold algorithm over each term's best-first list: it
        stops as soon as no paragraph not yet seen can enter the top ``end``.
        """
        if end <= start or not docs:
            return []
        ranked = [self.term(f, t) for f, t in terms]
        place = self.position.__getitem__ if self.position is not None else int
        if len(docs) <= DIRECT or end > DEEP_PAGE or not ranked:
            best = heapq.nsmallest(end, _summed(ranked, docs).items(),
                                   key=lambda ds: (-ds[1], place(ds[0])))
            return best[start:end]
        heap: list[tuple[float, int, int]] = []  # (score, -place, docnum): heap[0] is the k-th best
        seen: set[int] = set()
        depth, deepest = 0, max(len(r) for r in ranked)
        orders = [r.order for r in ranked]
        while depth < deepest:
            threshold = 0.0
            for r, order in zip(ranked, orders):
                if depth < len(r):
                    i = order[depth]
                    d = r.ids[i]
                    threshold += r.scores[i]
                    if d not in seen and d in docs:
                        seen.add(d)
                        item = (sum(x.score_of(d) for x in ranked), -place(d), d)
                        if len(heap) < end:
                            heapq.heappush(heap, item)
                        elif item > heap[0]:
                            heapq.heapreplace(heap, item)
            if len(heap) >= end and heap[0][0] > threshold:
                break
            depth += 1
        if len(heap) < end:  # every list ran out: the rest score nothing
            for d in sorted(docs - seen, key=place)[:end - len(heap)]:
                heap.append((0.0, -place(d), d))
        best = sorted(heap, reverse=True)
        return [(d, s) for s, _, d in best[start:end]]
