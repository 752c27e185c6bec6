"""The third stage of a query: one page of results, in order.

Within a tier, paragraphs are ranked by BM25 over the query's scoring
words plus the heading field (``ranking``); the best ``RERANK`` of each
tier are then reordered with a bonus for query words that stand close
together. That block is the same whatever page is asked for, so pages
never overlap.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pyroaring import FrozenBitMap

from ..analysis.scripts import LATIN_EDGE
from .ranking import Ranked
from .retrieval import Retrieval

RERANK = 50  # the best this many of each tier are reordered with proximity
# Scores in the rerank scale by (FLOOR + (1 - FLOOR) x share) ** COVERAGE,
# the share being that of the query's units a paragraph holds, each weighed
# by its idf (#39). Measured against the unweighted square root on DRCD
# (2,000 questions, four forms) and the known-item sets: weighed, a power of
# 0.5 with no floor lowered the known items by 0.005; 0.75 lost DRCD
# questions from the first ten (answers that hold few of a long question's
# words); the floor keeps those and the steeper power ranks fuller
# paragraphs higher: DRCD's MRR@10 up 0.004 on every form, recall at 10 the
# same or higher, the known items up 0.001.
COVERAGE = 1.5
COVERAGE_FLOOR = 0.4
PROXIMITY_WEIGHT = 0.5  # two query words side by side add this share of the rarer one's idf


def ranked_lists(retrieval: Retrieval) -> list[Ranked]:
    """Each scoring word's BM25 list and its heading-field list."""
    ranker = retrieval.snapshot.ranker
    lists: list[Ranked] = []
    for word in retrieval.asked.words:
        docs = retrieval.containing(word)
        lists.append(ranker.word(word, docs, partial(_inside, retrieval, word, docs)))
        lists.append(ranker.heading(word, len(docs)))
    return lists


def _inside(retrieval: Retrieval, word: str, docs: FrozenBitMap) -> FrozenBitMap | None:
    """Paragraphs of ``docs`` where a word with Latin ends is only inside
    longer Latin words; None for other words."""
    if not LATIN_EDGE.search(word):
        return None
    return docs - retrieval.standing(word)


class Proximity:
    """A bonus for consecutive query words that stand close together in a
    paragraph: side by side earns PROXIMITY_WEIGHT of the rarer word's
    idf, ten characters apart about a tenth of that."""

    def __init__(self, retrieval: Retrieval):
        self.literals = retrieval.literals
        self.held = [retrieval.unit_docs(u) for u in retrieval.asked.units]
        idf = retrieval.snapshot.ranker.idf
        # what holding each unit is worth: its idf, a one-character
        # word's from the paragraphs where it stands as a word (#39)
        words = retrieval.snapshot.words
        self.weights = [idf((words.doc_frequency(u.condition.first) or len(docs))
                            if u.condition.is_word and len(u.condition.first) == 1
                            else len(docs)) for u, docs in zip(retrieval.asked.units, self.held)]
        self.total = sum(self.weights)
        # (word, idf) per unit; None: several words that may stand apart
        self.placed = [(u.condition.first, idf(len(retrieval.containing(u.condition.first))))
                       if u.condition.is_word else None for u in retrieval.asked.units]

    def coverage(self, docnum: int) -> float:
        """The share of the query's units the paragraph holds, each weighed
        by its idf, above a floor, to the power COVERAGE (see there): BM25
        favours short paragraphs, so a title with one query word would
        outrank a paragraph with most of a long query; weighed, missing the
        one rare word the query is about costs more than missing a common
        one (上, 年)."""
        if not COVERAGE or len(self.held) < 2 or self.total <= 0:
            return 1.0
        held = sum(w for w, docs in zip(self.weights, self.held) if docnum in docs)
        return float((COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * held / self.total) ** COVERAGE)

    def __call__(self, docnum: int) -> float:
        text = self.literals.text(docnum)
        bonus, previous = 0.0, None
        for placed in self.placed:
            if placed is None:
                previous = None
                continue
            word, weight = placed
            spots = _positions(text, word)
            if spots and previous is not None:
                gap = min(_gap(a, b) for a in previous[0] for b in spots)
                bonus += PROXIMITY_WEIGHT * min(previous[1], weight) / (1 + gap)
            previous = (spots, weight) if spots else None
        return bonus


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two occurrences; one more when they come in the
    other order than typed, none when they overlap."""
    if b[0] >= a[1]:
        return b[0] - a[1]
    if a[0] >= b[1]:
        return a[0] - b[1] + 1
    return 0


def _positions(text: str, word: str, limit: int = 16) -> list[tuple[int, int]]:
    """(start, end) of the first ``limit`` occurrences of ``word``."""
    out: list[tuple[int, int]] = []
    i = text.find(word)
    while i != -1 and len(out) < limit:
        out.append((i, i + len(word)))
        i = text.find(word, i + 1)
    return out


def ranked_page(retrieval: Retrieval, tiers: Iterable[tuple[FrozenBitMap, bool]], start: int,
                end: int) -> list[tuple[int, float, bool]]:
    """Ranks ``start`` to ``end`` over ``tiers`` (``Tiers.ordered``):
    (docnum, score, holds the query as typed)."""
    top = retrieval.snapshot.ranker.top
    lists: list[Ranked] | None = None
    proximity: Proximity | None = None
    picked: list[tuple[int, float, bool]] = []
    offset = 0
    for docs, is_exact in tiers:
        lo, hi = max(0, start - offset), min(end - offset, len(docs))
        offset += len(docs)
        if lo >= hi:
            continue
        if lists is None or proximity is None:
            lists, proximity = ranked_lists(retrieval), Proximity(retrieval)
        rerank = proximity
        best = top(lists, docs, 0, max(hi, min(RERANK, len(docs))))
        head = sorted(((d, (s + rerank(d)) * rerank.coverage(d)) for d, s in best[:RERANK]),
                      key=lambda ds: -ds[1])  # stable: ties keep their order
        picked += [(d, s, is_exact) for d, s in (head + best[RERANK:])[lo:hi]]
    return picked
