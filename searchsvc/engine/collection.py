"""The collection at a glance: what the start page shows before a query.

How many documents and paragraphs, the dates they span, their sources,
every document by year (a page at a time), and example queries taken
from the collection itself (its frequent words, a real section name and
source), so the front door of a folder of reports speaks of those
reports and not of the sample article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np

from ..analysis.words import is_stop_word, word_spans
from ..storage.paragraphs import Entry
from .docsets import to_array
from .snapshot import Snapshot

SAMPLE = 400  # paragraphs, spread over the collection, read for example words
EXAMPLES = 3
_HAN_WORD = re.compile(r"[\u3400-\u9fff]{2,}")


T = TypeVar("T")


@dataclass(frozen=True)
class Overview:
    documents: int
    paragraphs: int
    first_date: str  # the earliest document date ("" when none is dated)
    last_date: str
    sources: list[tuple[str, int]]  # (source, documents), most first
    examples: list[str]  # frequent words of the collection, to try
    section: str  # a short real section name, for the section: example


def _once(snapshot: Snapshot, name: str, make: Callable[[Snapshot], T]) -> T:
    """``make(snapshot)``, kept with the snapshot: a build's figures never change."""
    found = snapshot.derived.get(name)
    if found is None:
        found = snapshot.derived[name] = make(snapshot)
    return cast(T, found)


def overview(snapshot: Snapshot) -> Overview:
    """The collection's figures, computed once per snapshot."""
    return _once(snapshot, "overview", _overview)


def _document_dates(snapshot: Snapshot) -> dict[str, str]:
    """Each document's date, read from the date column at its first paragraph."""
    column = snapshot.column("date")
    spans = {doc_id: snapshot.documents.span(doc_id) for doc_id in snapshot.documents}
    return {doc_id: column.label(first) for doc_id, (first, count) in spans.items() if count}


def _overview(snapshot: Snapshot) -> Overview:
    dates, _ = _by_date(snapshot)
    dated = sorted(d for d in dates.values() if d)
    source = snapshot.column("source")
    sources = Counter(source.label(snapshot.documents.span(d)[0]) for d in dates)
    sources.pop("", None)
    live = to_array(snapshot.literals.every_live())
    return Overview(
        documents=len(snapshot.documents), paragraphs=len(live),
        first_date=dated[0] if dated else "", last_date=dated[-1] if dated else "",
        sources=sorted(sources.items(), key=lambda kv: (-kv[1], kv[0])),
        examples=_examples(snapshot, live), section=_section(snapshot, live))


def _examples(snapshot: Snapshot, live: np.ndarray) -> list[str]:
    """The collection's characteristic words: counted over paragraphs
    spread evenly through it (jieba's words, Chinese, two characters or
    more), words of four characters first, none inside another one chosen."""
    if not len(live):
        return []
    picks = np.unique(np.linspace(0, len(live) - 1, min(SAMPLE, len(live))).astype(np.int64))
    counts: Counter[str] = Counter()
    for docnum in live[picks].tolist():
        text = snapshot.literals.text(int(docnum))
        counts.update({w for w, *_ in word_spans(text, "query", snapshot.user_dict)
                       if _HAN_WORD.fullmatch(w) and not is_stop_word(w)})
    # four characters and more first: 营商环境 says more of a collection than 发展
    ranked = sorted(counts.items(), key=lambda kv: (len(kv[0]) < 4, -kv[1], kv[0]))
    chosen: list[str] = []
    for word, count in ranked:
        if count < 2 and len(live) > 1:
            break
        if not any(word in c or c in word for c in chosen):
            chosen.append(word)
        if len(chosen) == EXAMPLES:
            break
    return chosen


def _section(snapshot: Snapshot, live: np.ndarray) -> str:
    """A section name to show ``section:`` with: the most frequent one that
    is short and has no blank (it is typed after the colon)."""
    for label, _ in snapshot.column("section").top(live, 50):
        if len(label) <= 16 and not any(c.isspace() for c in label):
            return str(label)
    return ""


def documents_by_year(snapshot: Snapshot, page: int,
                      per_page: int) -> tuple[list[tuple[str, list[Entry]]], int]:
    """One page of every document, newest first (undated last, then in
    corpus order), grouped by year: [(year or "", [entries])], and the
    number of pages."""
    dates, order = _by_date(snapshot)
    pages = max(1, (len(order) + per_page - 1) // per_page)
    groups: list[tuple[str, list[Entry]]] = []
    for doc_id in order[(page - 1) * per_page:page * per_page]:
        year = dates[doc_id][:4]
        if not groups or groups[-1][0] != year:
            groups.append((year, []))
        groups[-1][1].append(snapshot.documents[doc_id])
    return groups, pages


def _by_date(snapshot: Snapshot) -> tuple[dict[str, str], list[str]]:
    """Each document's date, and the documents newest first; once per snapshot."""
    def make(snapshot: Snapshot) -> tuple[dict[str, str], list[str]]:
        dates = _document_dates(snapshot)
        return dates, sorted(dates, key=lambda d: (not dates[d], _negated(dates[d])))
    return _once(snapshot, "by_date", make)


def _negated(date: str) -> tuple[int, ...]:
    """A date's sort key for newest first (a year alone before its months)."""
    return tuple(-int(p) for p in date.split("-")) if date else ()
