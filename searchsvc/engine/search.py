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
from itertools import islice
from typing import Any, NamedTuple

from pyroaring import FrozenBitMap

from ..analysis.normalize import normalize_text
from . import docsets, listing, pinyin
from .docsets import LiteralIndex
from .facets import facets
from .highlight import fragments, match_spans
from .listing import Picked
from .order import ranked_page
from .params import DATE, PER_PAGE
from .query import ParsedQuery, Term, parse_query
from .request import SearchRequest
from .results import Cached, Hit, SearchResult
from .retrieval import Retrieval
from .snapshot import Snapshot
from .spelling import did_you_mean
from .units import Asked, analyse

__all__ = ["Hit", "SearchRequest", "SearchResult", "document_marks", "fresh", "interpret",
           "ranked", "search", "suggest"]


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
    snapshot.rules()  # looked at first: a change to the equivalences drops kept answers
    found = snapshot.results.peek(request)
    if isinstance(found, Cached):
        return dataclasses.replace(found.result, took_ms=(time.perf_counter() - started) * 1000,
                                   cached=True)
    result = _search(snapshot, request, started)
    snapshot.results.put(request, Cached(result))
    return result


def fresh(snapshot: Snapshot, request: SearchRequest) -> SearchResult:
    """``search()``'s answer, computed and not kept in the result cache:
    for a caller that keeps the answer in its own form (the web keeps the
    JSON it sends), so one answer is not held twice."""
    return _search(snapshot, request, time.perf_counter())


class Interpretation(NamedTuple):
    """A request as it is searched: its query parsed, quoted phrases found
    nowhere unquoted, pinyin read as words, the request's filters added to
    those typed, and the whole analysed into what retrieval looks for. The
    results, the document view and the benchmarks all read a request
    through ``interpret``, so they find and mark the same things."""

    parsed: ParsedQuery
    relaxed: list[str]
    interpreted_as: str | None
    filters: dict[str, list[str]]  # as the result shows them: typed and asked, from/to
    asked: Asked


def interpret(snapshot: Snapshot, request: SearchRequest) -> Interpretation:
    parsed = parse_query(request.query)
    relaxed = relax_phrases(parsed, snapshot.literals)
    interpreted = pinyin.interpret(parsed, request.query, snapshot.literals, snapshot.readings,
                                   relaxed)
    for name, values in request.filters:
        typed = parsed.filters.setdefault(name, [])
        typed += [v for v in values if v not in typed]
    filters = {k: list(v) for k, v in parsed.filters.items()}
    if request.dates is not None:
        filters.update({k: [v] for k, v in zip(("from", "to"), request.dates.given) if v})
    return Interpretation(parsed, relaxed, interpreted, filters,
                          analyse(parsed, snapshot.synonyms, snapshot.user_dict, request.dates))


class Found(NamedTuple):
    """What retrieval found for one reading of a request, handed on to the
    stages after it (the page, the hits, the facets)."""

    retrieval: Retrieval
    matched: FrozenBitMap  # every result, the filters not applied (what facets count)
    allowed: FrozenBitMap  # the results: matched, within the filters
    complete: FrozenBitMap | None  # those with every unit; None when only filters were asked
    tiers: list[tuple[FrozenBitMap, bool]] | None  # best first (Tiers.ordered); None: browsing
    exact: bool  # some result holds the query as typed


def _search(snapshot: Snapshot, request: SearchRequest, started: float) -> SearchResult:
    reading = interpret(snapshot, request)
    parsed, asked = reading.parsed, reading.asked
    browsing = not parsed.clauses and not parsed.excluded
    if browsing and not parsed.filters and request.dates is None:
        return SearchResult(request.query, 0, request.page, request.per_page,
                            (time.perf_counter() - started) * 1000, [], filters=reading.filters,
                            sort=request.sort, group=request.group)
    found = _find(snapshot, asked, browsing)
    suggestion = None
    if not browsing and not found.exact and not reading.interpreted_as:  # a typo?
        correction = did_you_mean(parsed, request.query, snapshot.literals, snapshot.readings)
        suggestion = correction and correction.text
        if correction and correction.unseen and not request.as_typed:  # what was meant
            fixed = _search(snapshot, request.replace(query=correction.text, as_typed=True),
                            started)
            if fixed.total and not fixed.partial:
                return dataclasses.replace(fixed, query=request.query,
                                           did_you_mean=suggestion, corrected_to=suggestion)
    picked, more, groups = _page(snapshot, request, found)
    hits = _hits(snapshot, found, picked, more, marked=not browsing)
    allowed, complete = found.allowed, found.complete
    absent = list(asked.unfound)
    if complete is not None and len(complete) < len(allowed) and not absent:
        absent = [u.label for u in asked.units
                  if not found.retrieval.unit_docs(u).intersect(allowed)]
    return SearchResult(request.query, len(allowed), request.page, request.per_page,
                        (time.perf_counter() - started) * 1000, hits,
                        partial=bool(allowed) and complete is not None and not complete,
                        facets=facets(snapshot, found.matched, found.retrieval),
                        filters=reading.filters, ignored_terms=asked.ignored,
                        complete=len(complete) if complete is not None else len(allowed),
                        keywords=len(asked.terms), sort=request.sort, group=request.group,
                        groups=groups, relaxed_phrases=reading.relaxed,
                        did_you_mean=suggestion, interpreted_as=reading.interpreted_as,
                        absent=absent, pieces=asked.pieces)


def _find(snapshot: Snapshot, asked: Asked, browsing: bool) -> Found:
    """The results and their tiers; ``browsing``: filters only, every
    paragraph they keep."""
    retrieval = Retrieval(asked, snapshot)
    if browsing:
        every = snapshot.literals.every_live()
        kept = retrieval.filter_docs()
        return Found(retrieval, every, every if kept is None else kept, None, None, True)
    tiers = retrieval.tiers()
    return Found(retrieval, tiers.matched, tiers.allowed, tiers.complete, tiers.ordered(),
                 bool(tiers.exact))


def _page(snapshot: Snapshot, request: SearchRequest,
          found: Found) -> tuple[list[Picked], dict[int, int], int | None]:
    """The page's results (docnum, score, exact); grouped by document, each
    one's count of other results in its document and how many documents."""
    start, end = (request.page - 1) * request.per_page, request.page * request.per_page
    by_date = request.sort == DATE
    if found.tiers is None:  # the filters alone: reading order
        stream = listing.reading(snapshot, found.allowed, by_date=by_date)
        if not request.group:
            return list(islice(stream, start, end)), {}, None
    elif request.group:
        stream = (listing.by_date if by_date else listing.ranked)(found.retrieval, found.tiers)
    elif by_date:
        return listing.date_page(found.retrieval, found.tiers, start, end), {}, None
    else:
        return ranked_page(found.retrieval, found.tiers, start, end), {}, None
    picked, more, groups = listing.grouped(snapshot, stream, found.allowed, start, end)
    return picked, more, groups


def _hits(snapshot: Snapshot, found: Found, picked: list[Picked], more: dict[int, int],
          marked: bool) -> list[Hit]:
    """Each picked paragraph as a hit: its text, what matched and the
    snippet's fragments as offsets, the query units it lacks."""
    marks = found.retrieval.asked.marks
    date, source = snapshot.column("date"), snapshot.column("source")
    hits = []
    for docnum, score, is_exact in picked:
        para = snapshot.store.record(docnum)
        doc_id, number, text = para["doc"], para["n"], para["text"]
        spans = match_spans(text, marks) if marked else []
        hits.append(Hit(
            id=f"{doc_id}#p{number}", doc_id=doc_id, title=snapshot.documents.title(doc_id),
            section=para["section"], heading=para["heading"], paragraph=number, score=score,
            text=text, matches=[list(s) for s in spans],
            fragments=[list(f) for f in fragments(text, spans)], exact=is_exact,
            missing=missing(found.retrieval, docnum) if marked else [], page=para.get("page"),
            date=date.label(docnum), source=source.label(docnum),
            more=more.get(docnum) if more else None,
            near=near(found.retrieval, docnum) if marked else [],
            continues=bool(para.get("cont"))))
    return hits


def relax_phrases(parsed: ParsedQuery, literals: LiteralIndex) -> list[str]:
    """Quoted phrases that no paragraph contains lose their quotes (in
    ``parsed``), as a search engine shows the results without them rather
    than none; a quoted phrase that occurs keeps its exact, required
    meaning. Returns the phrases relaxed, as typed."""
    relaxed = []
    for clause in parsed.clauses:
        for i, term in enumerate(clause):
            if term.exact and not literals.containing(term.literal):
                clause[i] = Term(term.raw)
                relaxed.append(term.raw)
    return relaxed


def ranked(snapshot: Snapshot, query: str, limit: int = PER_PAGE) -> tuple[int, list[int]]:
    """The engine alone, without the result cache: how many paragraphs match ``query`` and
    the docnums of the best ``limit``, without snippets or facets. What
    the benchmark sets beside compiled engines (bench/anchors.py)."""
    reading = interpret(snapshot, SearchRequest(query))
    if not reading.parsed.clauses and not reading.parsed.excluded:
        return 0, []
    found = _find(snapshot, reading.asked, browsing=False)
    picked = ranked_page(found.retrieval, found.tiers or [], 0, limit)
    return len(found.allowed), [docnum for docnum, _, _ in picked]


def near(retrieval: Retrieval, docnum: int) -> list[str]:
    """The quoted phrases (as typed) this paragraph holds only as a near
    match: every word of the phrase, not the phrase as typed."""
    phrases = retrieval.asked.phrases
    if not phrases:
        return []
    text = retrieval.literals.text(docnum)
    return [raw for raw, forms, words in phrases
            if not any(f in text for f in forms) and words.holds(text)]


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
    reading = interpret(snapshot, SearchRequest(query)) if query.strip() else None
    if reading is None or not reading.parsed.positive:
        return [[] for _ in texts]
    asked = reading.asked
    retrieval = Retrieval(asked, snapshot)
    first, count = snapshot.documents.span(doc_id)
    in_doc = retrieval.candidates() & docsets.docset(range(first, first + count))
    best = retrieval.with_informative(in_doc) or in_doc  # the best the query finds here
    matched = {d - first + 1 for d in best}  # paragraphs are numbered from 1
    return [match_spans(t, asked.marks) if n in matched else [] for n, t in enumerate(texts, 1)]


MAX_SUGGEST_SCAN = 5000  # lexicon terms looked at for one prefix


def suggest(snapshot: Snapshot, query: str, limit: int = 8) -> list[dict[str, Any]]:
    """Completions of the query's last word from the index's own words.

    Ranked by how many paragraphs have the word, then shorter first; the
    rest of the query is kept in front (罗湖 营商 -> 罗湖 营商环境).
    """
    words = query.split()  # any white space: input methods type U+3000 between words
    head, last = " ".join(words[:-1]), words[-1] if words else ""
    prefix = normalize_text(last).strip()
    if not prefix or prefix[0] in "-+\"" or ":" in prefix:
        return []
    found: list[tuple[int, str]] = []
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
