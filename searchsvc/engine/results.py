"""What a search answers, as data: the hits of one page with their
offsets, the facets and what the query was read as. The web renders it
as HTML and JSON, the command line as terminal text; the result cache
holds it (``Cached``, sized by the memory it holds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from sys import getsizeof

from .facets import Facet
from .params import RELEVANCE


@dataclass(slots=True)  # slots: a cached result holds ten of these
class Hit:
    id: str
    doc_id: str
    title: str
    section: str
    heading: str
    paragraph: int
    score: float
    text: str
    matches: list[list[int]]  # [start, end) offsets into text of what the query matched
    fragments: list[list[int]]  # [start, end) of the text a snippet shows (highlight.fragments)
    exact: bool  # holds every clause as typed
    missing: list[str] = field(default_factory=list)  # query words it lacks
    page: int | None = None  # a PDF's page where the paragraph starts
    date: str = ""  # its document's date (ISO: year, month or day), "" when unknown
    source: str = ""  # its document's source
    more: int | None = None  # grouped by document: the document's other results
    near: list[str] = field(default_factory=list)  # quoted phrases it holds only in part
    continues: bool = False  # a long paragraph's later piece (ingest.split)

    @property
    def partial(self) -> bool:
        return bool(self.missing)


@dataclass(slots=True)
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    partial: bool = False  # there are results, and none has every query word
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    ignored_terms: int = 0  # typed terms past MAX_CLAUSES, not searched
    complete: int = 0  # results with every query word
    keywords: int = 0  # typed terms (a whole question is one)
    sort: str = RELEVANCE
    group: str = ""  # "doc": one hit per document
    groups: int | None = None  # grouped: how many documents have results
    cached: bool = field(default=False, compare=False)  # this answer came from the result cache
    relaxed_phrases: list[str] = field(default_factory=list)  # quoted, found nowhere: unquoted
    did_you_mean: str | None = None  # the query with a frequent word for a rare or absent one
    interpreted_as: str | None = None  # typed in pinyin: the query as searched, in words
    corrected_to: str | None = None  # the hits are this correction's (nothing matched as typed)
    absent: list[str] = field(default_factory=list)  # query units no result holds
    pieces: list[str] = field(default_factory=list)  # no word occurs: the pieces searched instead

    @property
    def relaxed(self) -> bool:
        return bool(self.relaxed_phrases)

    @property
    def pages(self) -> int:
        shown = self.total if self.groups is None else self.groups
        return (shown + self.per_page - 1) // self.per_page


class Cached:
    """A result in the result cache, sized by the memory it holds."""

    __slots__ = ("result", "size")

    def __init__(self, result: SearchResult):
        self.result = result
        self.size = self.estimate(result)

    @staticmethod
    def estimate(result: SearchResult) -> int:
        """Bytes the result holds: its strings as Python stores them plus
        each object's fixed cost. A test holds it to a walk over every
        object, which is too slow to run here: a sixth of a cold question."""
        size = 1000
        for h in result.hits:
            size += 500 + 120 * (len(h.matches) + len(h.fragments)) + 60 * len(h.missing) + \
                sum(map(getsizeof, (h.id, h.doc_id, h.title, h.section, h.heading, h.text)))
        for values in result.facets.values():
            size += 56 + sum(72 + getsizeof(f.value) for f in values)
        return size

    def __len__(self) -> int:
        return self.size
