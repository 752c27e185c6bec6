"""BM25 scores computed from postings, cached per query word.

A query word's contribution to every paragraph that contains it is
computed once and kept in a bounded LRU, both by paragraph and best first,
so a query's top 10 is usually read off the front (Whoosh's collectors
would score every match in Python, one matcher call at a time).

The formula is Lucene's BM25 (K1=1.2, B=0.75, idf = ln(1 + (N - df + 0.5) /
(df + 0.5))), whose idf goes to zero for a word in nearly every paragraph,
so 的 or 一个 cannot outvote the subject of a query. ``df`` counts the
paragraphs that contain the word (literal matching, see docsets.py), the
term frequency is the word's count among the paragraph's jieba tokens (1
when it only occurs inside other words) and the length is the paragraph's
token count. A Latin word that occurs only inside longer Latin words (tar
in whatarethe, up in superled) scores a quarter: those paragraphs are
found, and are short, so they would outrank the word itself. A second,
weaker field is the paragraph's heading: the document's title, its section
label and heading (``Headings``).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection
from math import log
from typing import TYPE_CHECKING

import numpy as np
from pyroaring import FrozenBitMap

from ..analysis.scripts import HAN_CHAR
from ..storage.docmap import HeadingField
from ..storage.wordindex import WordIndex
from .cache import SizedLRU, entry_bytes
from .docsets import to_array

if TYPE_CHECKING:
    from ..storage.postings import Lengths

Docs = FrozenBitMap | Collection[int]  # a set of paragraphs: a docset, or numbers

B = 0.75
K1 = 1.2
INSIDE = 0.25  # a Latin word inside a longer one (tar in whatarethe) scores this share
HAN_INSIDE = 0.25  # a one-character word inside a longer one (学 in 学校) scores this share
# The score cache: 24 MB, 2 M postings at 12 bytes (docnum, score and the
# best-first order), and at most 20,000 terms. A repeated search is
# answered from the web's kept answers or the result cache, so this one
# serves fresh searches that share a word with an earlier one: on the
# help corpus ×4's long-tailed log (20,000 lines, in process) 48 MB held
# 39 MB and 24 MB took the same time within the machine's noise (±10%),
# 16 MB about a tenth more, 4 MB a third more (#38).
POSTING_BYTES = 12
CACHE_BYTES = 2_000_000 * POSTING_BYTES
CACHE_ENTRIES = 20_000
SMALL = 256  # up to this many candidates, score every one in Python
DIRECT = 2048  # up to this many, score every one with numpy
FEW_LISTS = 2  # past this many terms the threshold algorithm reads too deep
DEEP_PAGE = 512  # ranks past this (deep pages) also score every candidate


def idf(n: int, df: int) -> float:
    """Lucene's BM25 idf: about 0 for a word in every paragraph, never negative."""
    return log(1 + (n - df + 0.5) / (df + 0.5))


class Ranked:
    """One term's BM25 scores: by docnum for lookups, and best first.

    Parallel arrays, 8 bytes a posting (scores in single precision, which
    ranks alike to about seven digits), so many terms fit in the cache; 4
    more for the best-first order, made the first time a large set is
    ranked with this term (most terms never are). Ties in the best-first
    order keep docnum order.
    """

    __slots__ = ("ids", "scores", "_order")

    def __init__(self, ids: array[int], scores: array[float]):
        self.ids, self.scores = ids, scores
        self._order: array[int] | None = None

    @property
    def order(self) -> array[int]:
        if self._order is None:
            self._order = array("I", sorted(range(len(self.ids)),
                                            key=self.scores.__getitem__, reverse=True))
        return self._order

    def __len__(self) -> int:
        return len(self.ids)

    def score_of(self, docnum: int) -> float:
        i = bisect_left(self.ids, docnum)
        return self.scores[i] if i < len(self.ids) and self.ids[i] == docnum else 0.0


def _summed(ranked: list[Ranked], docs: Docs) -> dict[int, float]:
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


HEADING_WEIGHT = 0.3  # a word in the heading counts this share of its idf


class Ranker:
    """Scores of query words over one snapshot's live paragraphs.

    ``words`` is the word index and ``lengths`` its paragraph lengths,
    both without the paragraphs an incremental rebuild deleted: N and
    the average length are those of the live paragraphs, and document
    frequencies come from live docsets, so scores equal a full rebuild's.
    ``position`` gives each docnum's place in corpus order, which breaks
    ties (None: docnum order is corpus order).
    """

    def __init__(self, words: WordIndex, lengths: Lengths, position: memoryview | None = None,
                 headings: Headings | None = None):
        self.words = words
        self.position = position
        self.headings = headings  # the heading field (``Headings``), or None
        self.n = words.deletions.live_count
        self._cache: SizedLRU[tuple[str, str], Ranked] = SizedLRU(
            CACHE_BYTES, CACHE_ENTRIES, weigh=lambda r: POSTING_BYTES * len(r),
            entry_cost=entry_bytes)
        self._lengths = lengths  # words per docnum, 0 for deleted paragraphs
        self._avg = float(self._lengths.sum()) / self.n if self.n else 1.0

    def idf(self, df: int) -> float:
        return idf(self.n, df)

    def word(self, word: str, docs: FrozenBitMap,
             inside: Callable[[], FrozenBitMap | None] = lambda: None) -> Ranked:
        """BM25 of ``word`` in every paragraph of ``docs`` (those that
        contain it), cached by word: ``docs`` must be the word's docset.
        ``inside()``: those of them where the word is only part of a longer
        Latin word (tar in whatarethe), which score INSIDE of it."""
        return self._cache.get(("text", word), lambda: self._word(word, docs, inside()))

    def _word(self, word: str, docs: FrozenBitMap, inside: FrozenBitMap | None = None) -> Ranked:
        if not docs:
            return Ranked(array("I"), array("f"))
        ids = to_array(docs)
        token_ids, token_tfs = self.words.postings(word)
        tfs = np.ones(len(ids), dtype=np.float64)  # inside a longer word: once
        if len(token_ids):
            pos = np.minimum(np.searchsorted(ids, token_ids), len(ids) - 1)
            found = ids[pos] == token_ids  # deleted paragraphs are not in ``docs``
            tfs[pos[found]] = token_tfs[found]
        standing = None
        if len(word) == 1 and HAN_CHAR.match(word):  # 学: as a word, not inside 学校
            standing = np.zeros(len(ids), dtype=bool)
            if len(token_ids):
                standing[pos[found]] = True
        # a one-character word is weighed by the paragraphs where it stands
        # as a word: 学 is inside 学校 in forty times more of them (#39)
        df = (int(standing.sum()) or len(ids)) if standing is not None else len(ids)
        weight = self.idf(df) * (K1 + 1)
        k = K1 * (1 - B)
        kb = K1 * B / (self._avg or 1.0)
        scores = weight * tfs / (tfs + k + kb * self._lengths[ids])
        if inside:
            scores[np.searchsorted(ids, to_array(inside))] *= INSIDE
        if standing is not None:
            scores[~standing] *= HAN_INSIDE
        return Ranked(array("I", ids.astype(np.uint32).tobytes()),
                      array("f", scores.astype(np.float32).tobytes()))

    def heading(self, word: str, df: int) -> Ranked:
        """The heading field: ``HEADING_WEIGHT`` of the word's idf for every
        paragraph whose heading (title, section) contains it."""
        if self.headings is None:
            return Ranked(array("I"), array("f"))
        headings = self.headings
        return self._cache.get(("heading", word), lambda: Ranked(
            ids := headings.under(word),
            array("f", [HEADING_WEIGHT * self.idf(df)]) * len(ids)))

    def top(self, ranked: list[Ranked], docs: Docs, start: int, end: int) -> list[tuple[int, float]]:
        """Ranks ``start`` to ``end`` of ``docs`` by the summed scores of ``ranked``.

        Ties keep document order, so pages are stable. A large set is ranked
        with the threshold algorithm over each term's best-first list: it
        stops as soon as no paragraph not yet seen can enter the top ``end``.
        """
        if end <= start or not docs:
            return []
        ranked = [r for r in ranked if len(r)]
        place: Callable[[int], int] = self.position.__getitem__ if self.position is not None \
            else int
        if len(docs) <= SMALL or end > DEEP_PAGE or not ranked:
            best = heapq.nsmallest(end, _summed(ranked, docs).items(),
                                   key=lambda ds: (-ds[1], place(ds[0])))
            return best[start:end]
        if len(ranked) > FEW_LISTS or len(docs) <= DIRECT:
            return self._top_arrays(ranked, docs, start, end)
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
            for d in sorted((d for d in docs if d not in seen), key=place)[:end - len(heap)]:
                heap.append((0.0, -place(d), d))
        by_rank = sorted(heap, reverse=True)
        return [(d, s) for s, _, d in by_rank[start:end]]


    def _top_arrays(self, ranked: list[Ranked], docs: Docs, start: int,
                    end: int) -> list[tuple[int, float]]:
        """The same ranking computed with numpy: every paragraph of ``docs``
        looked up in each term's list at once (binary searches in C), then
        the best ``end`` by score, ties by corpus order. Scores are summed
        in the terms' order in double precision, as ``_summed`` sums them."""
        ids = to_array(docs)
        acc = np.zeros(len(ids), dtype=np.float64)
        for r in ranked:
            rid = np.frombuffer(r.ids, dtype=np.uint32)
            pos = np.minimum(np.searchsorted(rid, ids), len(rid) - 1)
            hit = rid[pos] == ids
            acc[hit] += np.frombuffer(r.scores, dtype=np.float32)[pos[hit]]
        if end < len(ids):  # keep those at least as good as the end-th best
            kth = np.partition(acc, len(ids) - end)[len(ids) - end]
            keep = acc >= kth
            ids, acc = ids[keep], acc[keep]
        places = ids if self.position is None else \
            np.frombuffer(self.position, dtype=np.uint32)[ids]
        order = np.lexsort((places, -acc))[start:end]
        return [(int(ids[i]), float(acc[i])) for i in order]


class Headings:
    """The heading field: per run of paragraphs, the document's title, the
    section label and the section's heading, normalized without white space.

    Read in place from the build's mapped heading text (``storage.docmap``)
    with each run's start, so finding the runs whose heading contains a
    word is one search of that text, shared by every worker.
    """

    def __init__(self, field: HeadingField):
        self._field = field  # its arrays read at each call: closing the build drops them

    def under(self, word: str) -> array[int]:
        """Sorted docnums of the paragraphs whose heading contains ``word``."""
        if not word:
            return array("I")
        field = self._field
        at = field.occurrences(word.encode("utf-8", "surrogatepass")).astype(np.uint64)
        if not len(at):
            return array("I")
        runs = np.unique(np.searchsorted(field.starts, at, side="right") - 1)
        runs = runs[np.argsort(field.firsts[runs], kind="stable")]
        firsts = field.firsts[runs].astype(np.int64)
        counts = field.counts[runs].astype(np.int64)
        starts = np.cumsum(counts) - counts  # each run's place in the answer
        ids = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(firsts - starts, counts)
        return array("I", ids.astype(np.uint32).tobytes())
