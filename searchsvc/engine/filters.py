"""Filters over a collection's metadata: a date range, sources and tags,
beside the section and document filters, each a set of paragraphs read
from the build's columns (``storage.columns``) or its documents' tags.

``FILTERS`` names each filter of values once: the URL parameter, the
command line's option, the query's ``name:value`` syntax, the search
request's field, the facet counted for it and the paragraphs it keeps all
come from its entry (the date range, ``from`` and ``to``, is the one
filter of another shape: ``DateRange``).

Dates are ISO strings of a year, month or day (``ingest.metadata``). A
range keeps a document whose date overlaps it: ``from=2019-06`` keeps a
report dated only ``2019``, and ``to=2020`` keeps every day of 2020.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.normalize import normalize_text

if TYPE_CHECKING:
    from ..storage.columns import Column
    from .snapshot import Snapshot


@dataclass(frozen=True)
class DateRange:
    start: str  # first day it keeps, YYYY-MM-DD ("" : no lower bound)
    end: str  # last day it keeps ("" : no upper bound)
    given: tuple[str, str] = ("", "")  # from and to as asked, read as ISO (2015, 2019-03)

    def keeps(self, date: str) -> bool:
        """Whether a document dated ``date`` (of any precision) overlaps it."""
        if not date:
            return False
        first, last = earliest(date), latest(date)
        return (not self.start or last >= self.start) and (not self.end or first <= self.end)


def earliest(date: str) -> str:
    return date + "-01-01"[len(date) - 4:] if len(date) < 10 else date


def latest(date: str) -> str:
    return date + "-12-31"[len(date) - 4:] if len(date) < 10 else date


def date_docs(column: Column, wanted: DateRange) -> np.ndarray:
    """The docnums whose document's date overlaps ``wanted``."""
    codes = [i for i, label in enumerate(column.labels) if wanted.keeps(label)]
    found: np.ndarray = np.flatnonzero(np.isin(column.codes, codes))
    return found


def label_docs(column: Column, values: Iterable[str]) -> np.ndarray:
    """The docnums whose label is one of ``values``, compared normalized
    (width, case, traditional or simplified)."""
    return column.with_label({normalize_text(v) for v in values}, key=normalize_text)


def tag_docs(tags: dict[str, list[tuple[int, int]]], values: Iterable[str]) -> np.ndarray:
    """The docnums of documents with one of the tags ``values``."""
    spans = [span for v in dict.fromkeys(normalize_text(v) for v in values)
             for span in tags.get(v, [])]
    if not spans:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate([np.arange(first, first + count) for first, count in spans]))


def year_counts(date_counts: dict[str, int]) -> list[tuple[str, int]]:
    """Paragraphs per year from paragraphs per date label, newest year first."""
    years: dict[str, int] = {}
    for date, count in date_counts.items():
        if date:
            years[date[:4]] = years.get(date[:4], 0) + count
    return sorted(years.items(), reverse=True)


@dataclass(frozen=True)
class Filter:
    """A filter of values: any of them keeps a paragraph."""

    name: str  # URL parameter, --option, query syntax (name:value), request and facet key
    help: str  # what it keeps, as the API, the CLI and the OpenAPI document say it
    keeps: Callable[[Snapshot, tuple[str, ...]], np.ndarray]  # the docnums it keeps
    column: str | None = None  # the build's column a facet counts, if it has one


FILTERS = (
    Filter("section", "Only paragraphs of this section (repeatable: any of them).",
           lambda snap, values: label_docs(snap.column("section"), values), column="section"),
    Filter("doc", "Only paragraphs of this document id (repeatable: any of them).",
           lambda snap, values: snap.column("doc_id").with_label(values), column="doc_id"),
    Filter("source", "Only paragraphs of documents from this source (repeatable).",
           lambda snap, values: label_docs(snap.column("source"), values), column="source"),
    Filter("tag", "Only paragraphs of documents with this tag (repeatable).",
           lambda snap, values: tag_docs(snap.tags, values)),
)
BY_NAME = {f.name: f for f in FILTERS}
DATE_KEY = "date"  # the date range's key among a query's filters
