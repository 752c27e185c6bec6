"""The one search function behind the page, the JSON API and the terminal.

``search`` parses the query (``query``), analyses it (``units``), finds
its tiers of results (``retrieval``), ranks one page (``order``) and
returns it as data: text, what matched and the snippet's fragments as
offsets (``highlight``), facets over every result. The web and the
command line render that data; answers are cached per index version.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from itertools import islice
from sys import getsizeof
from typing import Any, NamedTuple

from ..analysis import normalize_text
from . import docsets, listing, pinyin
from .facets import facets
from .filters import DATE_KEY
from .highlight import fragments, match_spans
from .order import ranked_page
from .params import DATE, PER_PAGE, RELEVANCE
from .query import ParsedQuery, Term, parse_query
from .request import SearchRequest
from .retrieval import Retrieval
from .snapshot import Snapshot
from .spelling import did_you_mean
from .units import Asked, analyse

# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

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
    facets: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
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

    @property
    def relaxed(self) -> bool:
        return bool(self.relaxed_phrases)

    @property
    def pages(self) -> int:
        shown = self.total if self.groups is None else self.groups
        return (shown + self.per_page - 1) // self.per_page


def search(snapshot: Snapshot, request: SearchRequest | str, *args: Any,
           **options: Any) -> SearchResult:
    """Ranked paragraphs for ``request``, one page of them, with what matched
    and the snippet's fragments as offsets into each text: the web renders
    them as HTML and links, the command line as terminal text. A query
    string and keyword arguments make the request (``SearchRequest.of``).

    The request's filters add to those typed in the query; an empty query
    with a filter lists what the filters keep, in reading order. When
    nothing matches as typed and a one-character correction of the query
    does (营商坏境), the hits are the correction's and ``corrected_to``
    names it, unless ``as_typed``. Results are kept per snapshot (so per
    index version) in a bounded cache keyed on the request: real query
    logs repeat a few queries often.
    """
    started = time.perf_counter()
    if not isinstance(request, SearchRequest):
        request = SearchRequest.of(request, *args, **options)
    found = snapshot.results.peek(request)
    if found is not None:
        return dataclasses.replace(found.result, took_ms=(time.perf_counter() - started) * 1000,
                                   cached=True)
    result = _search(snapshot, request, started)
    snapshot.results.put(request, _Cached(result))
    return result


class _Cached:
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


class Interpretation(NamedTuple):
    """A request as it is searched: its query parsed, quoted phrases found
    nowhere unquoted, pinyin read as words, the request's filters added to
    those typed, and the whole analysed into what retrieval looks for. The
    results, the document view and the benchmarks all read a request
    through ``interpret``, so they find and mark the same things."""

    parsed: ParsedQuery
    relaxed: list[str]
    interpreted_as: str | None
    filters: dict[str, list[Any]]  # as the result shows them: typed and asked, from/to
    asked: Asked


def interpret(snapshot: Snapshot, request: SearchRequest) -> Interpretation:
    parsed = parse_query(request.query)
    relaxed = relax_phrases(parsed, snapshot.literals)
    interpreted = pinyin.interpret(parsed, request.query, snapshot.literals, snapshot.readings,
                                   relaxed)
    for name, values in request.filters:
        typed = parsed.filters.setdefault(name, [])
        typed += [v for v in values if v not in typed]
    filters: dict[str, list[Any]] = {k: list(v) for k, v in parsed.filters.items()}
    if request.dates is not None:
        parsed.filters[DATE_KEY] = [request.dates]
        filters.update({k: [v] for k, v in zip(("from", "to"), request.dates.given) if v})
    return Interpretation(parsed, relaxed, interpreted, filters,
                          analyse(parsed, snapshot.synonyms, snapshot.user_dict))


def _search(snapshot: Snapshot, request: SearchRequest, started: float) -> SearchResult:
    parsed, relaxed, interpreted, filters, asked = interpret(snapshot, request)
    page, per_page, sort, group = request.page, request.per_page, request.sort, request.group
    start, end = (page - 1) * per_page, page * per_page
    browsing = not parsed.clauses and not parsed.excluded
    if browsing and not parsed.filters:
        return SearchResult(request.query, 0, page, per_page,
                            (time.perf_counter() - started) * 1000, [], filters=filters,
                            sort=sort, group=group)

    retrieval = Retrieval(asked, snapshot)
    suggestion = None
    if browsing:  # the filters alone: every paragraph they keep
        matched = snapshot.literals.all_docs()
        allowed = retrieval.filter_docs()
        complete = None
        stream = listing.reading(snapshot, allowed, by_date=sort == DATE)
    else:
        tiers = retrieval.tiers()
        matched, allowed = tiers.matched, tiers.allowed
        complete = tiers.complete
        if not tiers.exact and not interpreted:  # found nowhere as typed: a typo?
            correction = did_you_mean(parsed, request.query, snapshot.literals,
                                      snapshot.readings)
            suggestion = correction and correction.text
            if correction and correction.unseen and not request.as_typed:  # what was meant
                fixed = _search(snapshot, request.replace(query=suggestion, as_typed=True),
                                started)
                if fixed.total and not fixed.partial:
                    return dataclasses.replace(fixed, query=request.query,
                                               did_you_mean=suggestion, corrected_to=suggestion)
        if not group:
            stream = None  # one page, ranked directly
        elif sort == DATE:
            stream = listing.by_date(retrieval, tiers.ordered())
        else:
            stream = listing.ranked(retrieval, tiers.ordered())
    groups, more = None, {}
    if group:
        picked, more, groups = listing.grouped(snapshot, stream, allowed, start, end)
    elif browsing:
        picked = list(islice(stream, start, end))
    elif sort == DATE:
        picked = listing.date_page(retrieval, tiers.ordered(), start, end)
    else:
        picked = ranked_page(retrieval, tiers.ordered(), start, end)

    hits = []
    for docnum, score, is_exact in picked:
        para = snapshot.store.record(docnum)
        doc_id, number, text = para["doc"], para["n"], para["text"]
        spans = match_spans(text, asked.marks) if not browsing else []
        hits.append(Hit(
            id=f"{doc_id}#p{number}", doc_id=doc_id,
            title=snapshot.documents.title(doc_id),
            section=para["section"], heading=para["heading"],
            paragraph=number, score=score, text=text,
            matches=[list(s) for s in spans],
            fragments=[list(f) for f in fragments(text, spans)], exact=is_exact,
            missing=missing(retrieval, docnum) if not browsing else [], page=para.get("page"),
            date=snapshot.column("date").label(docnum),
            source=snapshot.column("source").label(docnum),
            more=more.get(docnum) if group else None))
    absent = []
    if complete is not None and len(complete) < len(allowed):
        absent = [u.label for u in asked.units if not retrieval.unit_docs(u).intersect(allowed)]
    return SearchResult(request.query, len(allowed), page, per_page,
                        (time.perf_counter() - started) * 1000, hits,
                        partial=bool(allowed) and complete is not None and not complete,
                        facets=facets(snapshot, matched, retrieval), filters=filters,
                        ignored_terms=asked.ignored,
                        complete=len(complete) if complete is not None else len(allowed),
                        keywords=len(asked.terms), sort=sort, group=group, groups=groups,
                        relaxed_phrases=relaxed, did_you_mean=suggestion,
                        interpreted_as=interpreted, absent=absent)


def relax_phrases(parsed: ParsedQuery, literals) -> list[str]:
    """Quoted phrases that no paragraph contains lose their quotes (in
    ``parsed``), as a search engine shows the results without them rather
    than none; a quoted phrase that occurs keeps its exact, required
    meaning. Returns the phrases relaxed, as typed."""
    relaxed = []
    for clause in parsed.clauses:
        for i, term in enumerate(clause):
            if term.exact and not literals.docs(term.literal):
                clause[i] = Term(term.raw)
                relaxed.append(term.raw)
    return relaxed


def ranked(snapshot: Snapshot, query: str, limit: int = PER_PAGE) -> tuple[int, list[int]]:
    """The engine alone, without the result cache: how many paragraphs match ``query`` and
    the docnums of the best ``limit``, without snippets or facets. What
    the benchmark sets beside compiled engines (bench/anchors.py)."""
    found = interpret(snapshot, SearchRequest(query))
    if not found.parsed.clauses and not found.parsed.excluded:
        return 0, []
    retrieval = Retrieval(found.asked, snapshot)
    tiers = retrieval.tiers()
    picked = ranked_page(retrieval, tiers.ordered(), 0, limit)
    return len(tiers.allowed), [docnum for docnum, _, _ in picked]


def missing(retrieval: Retrieval, docnum: int) -> list[str]:
    """The query's units this paragraph lacks (question words never count)."""
    text = retrieval.literals.text(docnum)
    return [u.label for u in retrieval.asked.units if not u.condition.holds(text)]


def document_marks(snapshot: Snapshot, doc_id: str, texts: list[str],
                   query: str) -> list[list[tuple[int, int]]]:
    """Per paragraph of a document, the spans of ``texts`` that ``query`` matches.

    Only the paragraphs that the query finds are marked, as in the results,
    so a lone character of a long query does not light up the whole page.
    """
    found = interpret(snapshot, SearchRequest(query)) if query.strip() else None
    if found is None or not found.parsed.positive:
        return [[] for _ in texts]
    asked = found.asked
    retrieval = Retrieval(asked, snapshot)
    first, count = snapshot.documents.span(doc_id)
    in_doc = docsets.docset(range(first, first + count))
    found = retrieval.candidates() & in_doc
    found = retrieval.with_informative(found) or found  # the best the query finds here
    matched = {d - first + 1 for d in found}  # paragraphs are numbered from 1
    return [match_spans(t, asked.marks) if n in matched else [] for n, t in enumerate(texts, 1)]


MAX_SUGGEST_SCAN = 5000  # lexicon terms looked at for one prefix


def suggest(snapshot: Snapshot, query: str, limit: int = 8) -> list[dict]:
    """Completions of the query's last word from the index's own words.

    Ranked by how many paragraphs have the word, then shorter first; the
    rest of the query is kept in front (罗湖 营商 -> 罗湖 营商环境).
    """
    words = query.split()  # any white space: input methods type U+3000 between words
    head, last = " ".join(words[:-1]), words[-1] if words else ""
    prefix = normalize_text(last).strip()
    if not prefix or prefix[0] in "-+\"" or ":" in prefix:
        return []
    found = []
    for i, word in enumerate(snapshot.words.words(prefix)):
        if i >= MAX_SUGGEST_SCAN:
            break
        if word != prefix:
            count = snapshot.words.doc_frequency(word)
            if count:
                found.append((count, word))
    found.sort(key=lambda fw: (-fw[0], len(fw[1]), fw[1]))
    lead = f"{head.strip()} " if head.strip() else ""
    return [{"text": lead + word, "word": word, "count": count}
            for count, word in found[:limit]]
