"""Results in the orders a collection is read in: by relevance, newest
first, in reading order, and one per document.

Each order is a stream of (docnum, score, holds the query as typed),
made a window at a time, so a page near the top ranks only what it
shows; grouping by document reads a stream until it has seen enough
documents.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pyroaring import FrozenBitMap

from .docsets import to_array
from .order import ranked_page
from .retrieval import Retrieval
from .snapshot import Snapshot

WINDOW = 64  # results ranked at first; each further window is four times larger

Picked = tuple[int, float, bool]  # (docnum, score, holds the query as typed)
Tiers = list[tuple[FrozenBitMap, bool]]  # retrieval.Tiers.ordered: (docs, exact) per tier


def ranked(retrieval: Retrieval, tiers: Tiers) -> Iterator[Picked]:
    """Every result of ``tiers`` (``Tiers.ordered``) by relevance: the order
    of ``order.ranked_page``, whose pages never overlap."""
    total = sum(len(docs) for docs, _ in tiers)
    done, window = 0, WINDOW
    while done < total:
        end = min(done + window, total)
        yield from ranked_page(retrieval, tiers, done, end)
        done, window = end, window * 4


def _date_codes(snapshot: Snapshot, ids: np.ndarray) -> np.ndarray:
    codes: np.ndarray = snapshot.column("date").codes[ids]
    return codes


def _date_buckets(retrieval: Retrieval, tiers: Tiers) -> Iterator[Tiers]:
    """``tiers`` cut by document date, newest first (undated last): per
    date, the tiers' docs of that date."""
    allowed = FrozenBitMap().union(*(docs for docs, _ in tiers))
    ids = to_array(allowed)
    codes = _date_codes(retrieval.snapshot, ids)
    for code in np.unique(codes)[::-1].tolist():  # labels sort as dates; "" first
        bucket = FrozenBitMap(ids[codes == code].astype(np.uint32))
        yield [(docs & bucket, exact) for docs, exact in tiers]


def by_date(retrieval: Retrieval, tiers: Tiers) -> Iterator[Picked]:
    """Newest document date first (undated last), by relevance within a date."""
    for bucket in _date_buckets(retrieval, tiers):
        yield from ranked(retrieval, bucket)


def date_page(retrieval: Retrieval, tiers: Tiers, start: int, end: int) -> list[Picked]:
    """Results ``start`` to ``end`` of ``by_date``, ranking only the dates
    the page reaches."""
    picked: list[Picked] = []
    offset = 0
    for bucket in _date_buckets(retrieval, tiers):
        size = sum(len(docs) for docs, _ in bucket)
        lo, hi = max(0, start - offset), min(end - offset, size)
        offset += size
        if lo < hi:
            picked += ranked_page(retrieval, bucket, lo, hi)
        if offset >= end:
            break
    return picked


def reading(snapshot: Snapshot, allowed: FrozenBitMap, by_date: bool = False) -> Iterator[Picked]:
    """``allowed`` in reading order (corpus order, a document's paragraphs
    in turn), newest document first when ``by_date``; score 0."""
    ids = to_array(allowed).astype(np.int64)
    position = snapshot.ranker.position
    places = ids if position is None else np.frombuffer(position, dtype=np.uint32)[ids]
    keys = (places,) if not by_date else (places, -_date_codes(snapshot, ids))
    for docnum in ids[np.lexsort(keys)].tolist():
        yield docnum, 0.0, False


def grouped(snapshot: Snapshot, stream: Iterator[Picked], allowed: FrozenBitMap, start: int,
            end: int) -> tuple[list[Picked], dict[int, int], int]:
    """Groups ``start`` to ``end`` of one result per document (its first in
    ``stream``): the picked results, each one's count of other results in
    its document, and how many documents have results."""
    codes = snapshot.column("doc_id").codes
    per_doc = np.bincount(codes[to_array(allowed)], minlength=len(snapshot.column("doc_id").labels))
    seen: set[int] = set()
    picked: list[Picked] = []
    more: dict[int, int] = {}
    if start < end:
        for docnum, score, exact in stream:
            code = int(codes[docnum])
            if code in seen:
                continue
            seen.add(code)
            if len(seen) > start:
                picked.append((docnum, score, exact))
                more[docnum] = int(per_doc[code]) - 1
                if len(seen) >= end:
                    break
    return picked, more, int(np.count_nonzero(per_doc))
