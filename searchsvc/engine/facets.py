"""Facets: a query's results counted per section, document, source and
year, each counted with every other filter applied and its own left out
(disjunctive facets, as Algolia and Meilisearch count them), so a value
shown is a choice that has results; years and sources also count the
documents with hits, which the page's year chart and the start page show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from pyroaring import FrozenBitMap

from . import docsets
from .filters import DATE_KEY, FILTERS, year_counts
from .snapshot import Snapshot

if TYPE_CHECKING:
    from .retrieval import Retrieval

MAX_FACET_VALUES = 30


class Facet(NamedTuple):
    """One facet value and its hit count (a tuple: a cached result holds up
    to 60 of them, and with a dict each they made a quarter of its memory)."""

    value: str
    count: int  # type: ignore[assignment]  # the API's name for it, over tuple.count


# facet → the column it counts: one per filter with a column, and the years
# (the date range's)
FACET_COLUMNS = {**{f.name: f.column for f in FILTERS if f.column}, "year": "date"}


def facets(snapshot: Snapshot, matched: FrozenBitMap,
           retrieval: Retrieval) -> dict[str, list[Facet]]:
    """Hit counts per section, document and source (the 30 largest, most
    hits first) and per year (every year, newest first), each counted with
    every filter applied but its own, as disjunctive facets are: a value
    shown is one more choice that has results under the other filters.
    ``year_documents`` and ``source_documents`` count the documents with
    hits of each year and source."""
    out: dict[str, list[Facet]] = {}
    kept: dict[tuple[str, ...], np.ndarray] = {}  # the filters applied → the results they keep
    firsts: dict[tuple[str, ...], np.ndarray] = {}  # ... one per document
    for name, column in FACET_COLUMNS.items():
        key = DATE_KEY if name == "year" else name  # the filter it leaves out
        applied = tuple(k for k in retrieval.filter_names() if k != key)
        if applied not in kept:
            others = retrieval.filter_docs(leave_out=key)
            kept[applied] = docsets.to_array(matched if others is None else matched & others)
        ids = kept[applied]
        if name in ("year", "source") and applied not in firsts:
            firsts[applied] = _firsts(snapshot, ids)
        if name == "year":
            date = snapshot.column("date")
            out[name] = [Facet(*f) for f in year_counts(date.counts(ids))]
            out["year_documents"] = [Facet(*f) for f in year_counts(date.counts(firsts[applied]))]
        elif name == "source":
            source = snapshot.column("source")
            out[name] = [Facet(*f) for f in source.top(ids, MAX_FACET_VALUES)]
            documents = source.counts(firsts[applied])
            out["source_documents"] = [Facet(f.value, documents[f.value]) for f in out[name]]
        else:
            out[name] = [Facet(*f) for f in snapshot.column(column).top(ids, MAX_FACET_VALUES)]
    return out


def _firsts(snapshot: Snapshot, ids: np.ndarray) -> np.ndarray:
    """One docnum per document among the sorted docnums ``ids`` (a
    document's paragraphs have consecutive docnums)."""
    if not len(ids):
        return ids
    codes = snapshot.column("doc_id").codes[ids]
    return ids[np.concatenate(([True], codes[1:] != codes[:-1]))]
