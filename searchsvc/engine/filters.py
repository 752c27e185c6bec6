"""Filters over a collection's metadata: a date range, sources and tags,
beside the section and document filters, each a set of paragraphs read
from the build's columns (``storage.columns``) or its documents' tags.

Dates are ISO strings of a year, month or day (``ingest.metadata``). A
range keeps a document whose date overlaps it: ``from=2019-06`` keeps a
report dated only ``2019``, and ``to=2020`` keeps every day of 2020.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis import normalize_text
from .params import BadParameter, read_date


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


def date_range(date_from: str, date_to: str) -> DateRange | None:
    """The range ``from``/``to`` ask for (year, month or day; either may
    be empty); None when neither is given. Raises BadParameter naming the
    parameter that cannot be read, or both when from is after to."""
    given = [read_date("from", date_from or ""), read_date("to", date_to or "")]
    bounds = [earliest(given[0]) if given[0] else "", latest(given[1]) if given[1] else ""]
    if not any(bounds):
        return None
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise BadParameter("invalid_date_range",
                           f"from ({date_from.strip()}) is after to ({date_to.strip()})")
    return DateRange(*bounds, given=tuple(given))


def date_docs(column, wanted: DateRange) -> np.ndarray:
    """The docnums whose document's date overlaps ``wanted``."""
    codes = [i for i, label in enumerate(column.labels) if wanted.keeps(label)]
    return np.flatnonzero(np.isin(column.codes, codes))


def label_docs(column, values) -> np.ndarray:
    """The docnums whose label is one of ``values``, compared normalized
    (width, case, traditional or simplified)."""
    return column.docs({normalize_text(v) for v in values}, key=normalize_text)


def tag_docs(tags: dict[str, list[tuple[int, int]]], values) -> np.ndarray:
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
