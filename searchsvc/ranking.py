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
token count. A second, weaker field is the paragraph's heading: the
document's title, its section label and heading (``Headings``).
"""

from __future__ import annotations

import heapq
import io
import pickle
import zlib
from array import array
from bisect import bisect_left, bisect_right
from math import log

import numpy as np

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import unpack_int
from whoosh.util.numeric import byte_to_length

from .cache import SizedLRU
from .docsets import to_array

B = 0.75
K1 = 1.2
# Postings (8 to 12 bytes each) held by the score cache at most: 48 MB. The 240
# benchmark queries need 0.8 M at 108,000 paragraphs and 3.1 M at 434,000.
CACHE_ENTRIES = 4_000_000
SMALL = 256  # up to this many candidates, score every one in Python
DIRECT = 2048  # up to this many, score every one with numpy
FEW_LISTS = 2  # past this many terms the threshold algorithm reads too deep
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


def postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, frequencies) of one Whoosh term, as arrays.

    Deleted paragraphs are included: the caller filters them. Each
    segment's docnums are shifted by its base, as Whoosh's multi-segment
    reader numbers them. The whoosh3 codec's postings are decoded a whole
    term at a time (``_whoosh3_blocks``); any other matcher takes Whoosh's
    generic path, two method calls per posting.
    """
    ids: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    for leaf, base in reader.leaf_readers():
        try:
            m = leaf.postings(field, text)
        except TermNotFound:
            continue
        if isinstance(m, FilterMatcher):  # the segment's deletions, filtered by the caller
            m = m.child
        if isinstance(m, W3LeafMatcher) and not m._byteids:
            for block_ids, block_weights in _whoosh3_blocks(m):
                ids.append(block_ids + base if base else block_ids)
                ws.append(block_weights)
            continue
        one, w = [], []
        while m.is_active():
            one.append(m.id() + base)
            w.append(m.weight())
            m.next()
        ids.append(np.asarray(one, dtype=np.int64))
        ws.append(np.asarray(w, dtype=np.float64))
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(ids), np.concatenate(ws)


def _whoosh3_blocks(m: W3LeafMatcher):
    """Each block of a whoosh3 term's postings as (docnums, weights) arrays.

    The layout, as ``W3PostingsWriter._write_block`` writes it (whoosh-
    reloaded 2.7.5, pinned; tests/test_ranking.py compares this with
    Whoosh's own matcher): after a 4-byte magic, blocks of a big-endian
    int32 length (negative for the last block), a pickled info tuple
    (count, last id, max weight, compression, min and max length bytes) and
    the data, a pickled (delta-coded ids, weights, values) tuple,
    zlib-compressed when the compression level is not 0. Weights are None
    (all 1), one float (all equal) or one per posting. Reading the term's
    bytes at once and decoding in numpy replaces a Python loop per posting.
    The term's byte length comes from its term info, which this Whoosh
    unpacks as a 1-tuple when reading it back.
    """
    size = m._length[0] if isinstance(m._length, tuple) else m._length
    raw = io.BytesIO(m._postfile.get(m._startoffset, size))
    if raw.read(4) != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"not a whoosh3 posting list: {m._term!r}")
    while True:
        (length,) = unpack_int(raw.read(4))
        end = raw.tell() + abs(length)
        count, _, _, compression, _, _ = pickle.load(raw)
        data = raw.read(end - raw.tell())
        deltas, weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        ids = np.cumsum(np.asarray(deltas, dtype=np.int64))
        if weights is None or isinstance(weights, float):
            w = np.full(count, 1.0 if weights is None else weights)
        else:
            w = np.asarray(weights, dtype=np.float64)
        yield ids, w
        if length < 0:
            return


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


HEADING_WEIGHT = 0.3  # a word in the heading counts this share of its idf


class Ranker:
    """Scores of query words over one snapshot's live paragraphs.

    ``deleted`` docnums (replaced by an incremental rebuild) count for
    nothing: N and the average length are those of the live paragraphs,
    and document frequencies come from live docsets, so scores equal a full
    rebuild's. ``position`` gives each docnum's place in corpus order,
    which breaks ties (None: docnum order is corpus order).
    """

    def __init__(self, searcher, deleted=(), position: array | None = None, headings=None):
        self.reader = searcher.reader()
        self.position = position
        self._headings = headings  # made on first use: it reads every document's entry
        self.n = self.reader.doc_count_all() - len(deleted)
        self._cache = SizedLRU(CACHE_ENTRIES)
        lengths = _length_column(self.reader, "text")
        if lengths is None:
            lengths = [self.reader.doc_field_length(d, "text", 0)
                       for d in range(self.reader.doc_count_all())]
        self._lengths = np.asarray(lengths, dtype=np.float64)
        live = sum(lengths) - sum(lengths[d] for d in deleted)
        self._avg = live / self.n if self.n else 1.0

    @property
    def headings(self):
        if callable(self._headings):
            self._headings = self._headings()
        return self._headings

    def idf(self, df: int) -> float:
        return idf(self.n, df)

    def word(self, word: str, docs) -> Ranked:
        """BM25 of ``word`` in every paragraph of ``docs`` (those that
        contain it), cached by word: ``docs`` must be the word's docset."""
        return self._cache.get(("text", word), lambda: self._word(word, docs))

    def _word(self, word: str, docs) -> Ranked:
        if not docs:
            return Ranked(array("I"), array("f"))
        ids = to_array(docs)
        token_ids, token_tfs = postings(self.reader, "text", word)
        tfs = np.ones(len(ids), dtype=np.float64)  # inside a longer word: once
        if len(token_ids):
            pos = np.minimum(np.searchsorted(ids, token_ids), len(ids) - 1)
            found = ids[pos] == token_ids  # deleted paragraphs are not in ``docs``
            tfs[pos[found]] = token_tfs[found]
        weight = self.idf(len(ids)) * (K1 + 1)
        k = K1 * (1 - B)
        kb = K1 * B / (self._avg or 1.0)
        scores = weight * tfs / (tfs + k + kb * self._lengths[ids])
        return Ranked(array("I", ids.astype(np.uint32).tobytes()),
                      array("f", scores.astype(np.float32).tobytes()))

    def heading(self, word: str, df: int) -> Ranked:
        """The heading field: ``HEADING_WEIGHT`` of the word's idf for every
        paragraph whose heading (title, section) contains it."""
        if self.headings is None:
            return Ranked(array("I"), array("f"))
        return self._cache.get(("heading", word), lambda: Ranked(
            ids := self.headings.docs(word),
            array("f", [HEADING_WEIGHT * self.idf(df)]) * len(ids)))

    def top(self, ranked: list[Ranked], docs, start: int, end: int) -> list[tuple[int, float]]:
        """Ranks ``start`` to ``end`` of ``docs`` by the summed scores of ``ranked``.

        Ties keep document order, so pages are stable. A large set is ranked
        with the threshold algorithm over each term's best-first list: it
        stops as soon as no paragraph not yet seen can enter the top ``end``.
        """
        if end <= start or not docs:
            return []
        ranked = [r for r in ranked if len(r)]
        place = self.position.__getitem__ if self.position is not None else int
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
        best = sorted(heap, reverse=True)
        return [(d, s) for s, _, d in best[start:end]]


    def _top_arrays(self, ranked: list[Ranked], docs, start: int, end: int):
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

    Kept as one joined string with the run starts, so finding the runs whose
    heading contains a word is a few ``find`` calls.
    """

    def __init__(self, runs: list[tuple[int, int, str]]):
        self.firsts = array("I", (first for first, _, _ in runs))
        self.counts = array("I", (count for _, count, _ in runs))
        self.offsets = array("I")
        parts, at = [], 0
        for _, _, text in runs:
            self.offsets.append(at)
            parts.append(text)
            at += len(text) + 1
        self.joined = "\n".join(parts)

    def docs(self, word: str) -> array:
        """Sorted docnums of the paragraphs whose heading contains ``word``."""
        found: set[int] = set()
        i = self.joined.find(word) if word else -1
        while i != -1:
            run = bisect_right(self.offsets, i) - 1
            found.add(run)
            nxt = self.offsets[run + 1] if run + 1 < len(self.offsets) else len(self.joined)
            i = self.joined.find(word, nxt)
        ids = array("I")
        for run in sorted(found, key=self.firsts.__getitem__):
            ids.extend(range(self.firsts[run], self.firsts[run] + self.counts[run]))
        return ids
