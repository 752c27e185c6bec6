"""The one search function behind the page, the JSON API and the terminal.

A query is read forgivingly (see :func:`parse_query`): words are ranked
by how much of the query a paragraph covers, ``+word`` requires one,
``OR`` joins alternatives, ``-word``/``NOT word`` exclude, ``"…"`` is a
required exact phrase, ``section:`` and ``doc:`` filter. Nothing a user types is an
error: unknown syntax is literal text.

A string matches the paragraphs whose flat normalized text contains it
(found through the character index, see docsets.py), so any string that
occurs in a paragraph finds it whatever jieba made of either. Retrieval is
ranked (see :class:`QueryPlan`): paragraphs that hold the query as typed
come first, then those with every informative word, then those with some;
each hit says which query words it lacks.
"""

from __future__ import annotations

import dataclasses
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from sys import getsizeof
from typing import NamedTuple

import numpy as np
from pyroaring import FrozenBitMap

from . import docsets
from .analysis import STOP_WORDS, flat_text, is_stop_word, normalize_text, query_units
from .highlight import fragments, match_spans
from .index import Snapshot

FIELDS = {"section": "section", "doc": "doc_id"}
_SYNTAX = re.compile(r'(?P<field>[A-Za-z_]+):"(?P<fvalue>[^"]*)"|"(?P<phrase>[^"]*)"|(?P<word>\S+)')
_FIELD_NAME = re.compile(r"^[A-Za-z_]+$")


# --------------------------------------------------------------------------
# Query language
# --------------------------------------------------------------------------

@dataclass
class Term:
    """One thing the user typed: a word (maybe several jieba words) or a phrase."""

    raw: str
    exact: bool = False  # typed in quotes
    required: bool = False  # typed with a leading +

    @cached_property
    def literal(self) -> str:
        return flat_text(self.raw)


@dataclass
class ParsedQuery:
    clauses: list[list[Term]] = field(default_factory=list)  # AND of ORs
    excluded: list[Term] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def positive(self) -> list[Term]:
        return [t for clause in self.clauses for t in clause]

    def is_empty(self) -> bool:
        return not self.clauses and not self.excluded and not self.filters


def parse_query(text: str) -> ParsedQuery:
    """Read the query language; anything unrecognised is literal text."""
    text = unicodedata.normalize("NFKC", text)
    parsed = ParsedQuery()
    negate = join_or = False
    for m in _SYNTAX.finditer(text):
        if m["phrase"] is not None:
            term = Term(m["phrase"], exact=True)
        else:
            if m["field"] is not None:
                name, value, raw = m["field"], m["fvalue"], m.group()
            else:
                raw = m["word"]
                name, _, value = raw.partition(":")
            key = FIELDS.get(name.lower()) if _FIELD_NAME.match(name) else None
            if key and value.strip():
                parsed.filters.setdefault(key, []).append(value.strip())
                negate = join_or = False
                continue
            if raw in ("OR", "|", "||"):
                join_or = bool(parsed.clauses) and not negate
                continue
            if raw in ("AND", "&&"):
                continue
            if raw == "NOT":
                negate = True
                continue
            # -word excludes and +word requires; before a digit (2019-2025,
            # 1+1+9) the sign is part of the text.
            required = False
            if raw[:1] in "-+" and len(raw) > 1 and not raw[1].isdigit() and raw[1] not in "-+":
                negate, required, raw = negate or raw[0] == "-", raw[0] == "+", raw[1:]
            term = Term(raw, required=required)
        if not term.literal:
            continue
        if negate:
            parsed.excluded.append(term)
        elif join_or and parsed.clauses:
            parsed.clauses[-1].append(term)
        else:
            parsed.clauses.append([term])
        negate = join_or = False
    return parsed


# --------------------------------------------------------------------------
# Matching and ranking: units a paragraph has or lacks, words that score
# --------------------------------------------------------------------------

MAX_CLAUSES = 32  # typed terms beyond this are ignored (and reported)
MAX_UNITS = 32  # the rarest words of a long query decide and rank its results
MAX_SCORING_WORDS = 32
COMMON = 0.5  # a word in more than this share of paragraphs is not informative
RERANK = 50  # the best this many of each tier are reordered with proximity
PROXIMITY_WEIGHT = 0.5  # two query words side by side add this share of the rarer one's idf
VERIFY_AT = 256  # with this few candidates left, check the rest on their text


@dataclass
class Unit:
    """Something a paragraph has or lacks: a query word, a quoted phrase,
    an OR of alternatives. ``options`` says how it is present: any option
    whose every group has one of its literals in the paragraph's text."""

    label: str  # what a hit's ``missing`` shows
    options: list[list[list[str]]]
    required: bool = False  # +word and "phrase": every result has it
    informative: bool = True  # decided once document frequencies are known

    def in_text(self, text: str) -> bool:
        return any(all(any(lit in text for lit in group) for group in option)
                   for option in self.options)


_union = docsets.union


class QueryPlan:
    """What one parsed query finds in one snapshot, and how it ranks it.

    Retrieval is ranked, not boolean: a paragraph is a result when it
    contains an informative query word (not a question word or particle,
    and in at most half the paragraphs), one of jieba's search-mode
    sub-words of one, or a typed term as it is; only when none occurs
    anywhere do common words find paragraphs. ``+word`` and quoted phrases
    are required, exclusions remove. Results come in tiers: those that hold
    every clause as typed (the literal guarantee), then those with every
    query word, then those that lack only common words, then the rest; each
    tier by BM25 over the query's words (sub-words and synonyms included,
    each word once), the heading field and, for the head of the tier,
    proximity of the words.
    """

    def __init__(self, parsed: ParsedQuery, snapshot: Snapshot):
        self.parsed = parsed
        self.snapshot = snapshot
        self.literals = snapshot.literals
        self.synonyms = snapshot.synonyms
        self.n = max(1, snapshot.ranker.n)  # live paragraphs
        # identical clauses and exclusions add nothing: keep one of each;
        # past MAX_CLAUSES terms a query is cut, and says so
        seen, self.clauses, self.ignored = set(), [], 0
        for clause in parsed.clauses:
            key = tuple(sorted((t.literal, t.exact, t.required) for t in clause))
            if key in seen:
                continue
            seen.add(key)
            room = MAX_CLAUSES - sum(len(c) for c in self.clauses)
            if room <= 0:
                self.ignored += len(clause)
                continue
            self.ignored += max(0, len(clause) - room)
            self.clauses.append(clause[:room])
        excluded = list({t.literal: t for t in parsed.excluded}.values())
        self.excluded = excluded[:MAX_CLAUSES]
        self.ignored += len(excluded) - len(self.excluded)
        # +word and word together are one unit, the required one
        required = {t.literal for c in self.clauses for t in c if t.required}
        self.clauses = [c for c in self.clauses
                        if len(c) > 1 or c[0].required or c[0].literal not in required]
        self.terms = [t for clause in self.clauses for t in clause]
        self.units: list[Unit] = []
        self.words: dict[str, None] = {}  # scoring words, in query order
        self.subwords: dict[str, None] = {}  # search-mode sub-words among them
        self.marks: list[tuple[list[str], list[str]]] = []
        self.asked: list[tuple[Term, Unit]] = []  # terms of question words only
        self._unit_docs: dict[int, FrozenBitMap] = {}
        self._segmented: dict[int, list] = {}
        self._placed: list | None = None
        for clause in self.clauses:
            self._add_clause(clause)
        if not self.units:  # the query is nothing but question words: look for them
            for term, unit in self.asked:
                self.units.append(unit)
                self.words.setdefault(term.literal, None)
                self._add_marks(term)
            self.asked = []
        self._choose()

    # -- the query's units and words -----------------------------------------

    def _alternatives(self, word: str) -> list[str]:
        return [word] + [s for s in self.synonyms.get(word, []) if s != word]

    def _units_of(self, term: Term) -> list[tuple[str, list[str]]]:
        """A term's words with their search-mode sub-words, segmented once."""
        found = self._segmented.get(id(term))
        if found is None:
            found = self._segmented[id(term)] = query_units(term.raw, self.snapshot.user_dict)
        return found

    def _term_words(self, term: Term) -> list[tuple[str, list[str]]]:
        """A non-quoted term's content words with their search-mode sub-words."""
        if term.exact:
            return []
        return [(w, [s for s in subs if not is_stop_word(s)])
                for w, subs in self._units_of(term) if not is_stop_word(w)]

    def _asks(self, term: Term) -> bool:
        """A term of question words and particles only (punctuation alone is text)."""
        words = [w for w, _ in self._units_of(term)]
        return any(w in STOP_WORDS for w in words) and all(is_stop_word(w) for w in words)

    def _term_options(self, term: Term) -> list[list[list[str]]]:
        """How a whole term is present: as typed, as one of its synonyms, or
        (not quoted) with every content word somewhere in the paragraph."""
        options = [[[term.literal]]]
        options += [[[s]] for s in self.synonyms.get(term.literal, []) if s != term.literal]
        words = self._term_words(term)
        if words:
            options.append([self._alternatives(w) for w, _ in words])
        return options

    def _add_words(self, term: Term) -> None:
        for word, subs in self._term_words(term):
            for w in [*self._alternatives(word), *subs]:
                self.words.setdefault(w, None)
            self.subwords.update(dict.fromkeys(subs))
        for s in self.synonyms.get(term.literal, []):
            self.words.setdefault(s, None)
        if term.exact or (term.required and not self._term_words(term)):
            self.words.setdefault(term.literal, None)

    def _add_marks(self, term: Term) -> None:
        literals = [term.literal] + self.synonyms.get(term.literal, [])
        words = [w for word, subs in self._term_words(term)
                 for w in (*self._alternatives(word), *subs)]
        self.marks.append((list(dict.fromkeys(literals)), list(dict.fromkeys(words))))

    def _add_clause(self, clause: list[Term]) -> None:
        for term in clause:
            self._add_words(term)
            if len(clause) > 1 or term.exact or term.required or self._term_words(term):
                self._add_marks(term)
        if len(clause) > 1:  # an OR: one unit, present with any alternative
            options = [o for t in clause for o in self._term_options(t)]
            self.units.append(Unit(" OR ".join(t.raw for t in clause), options,
                                   required=any(t.required for t in clause)))
            return
        term = clause[0]
        words = self._term_words(term)
        if not words:  # quoted, or only question words: the term as typed
            unit = Unit(f'"{term.raw}"' if term.exact else term.raw,
                        self._term_options(term)[:1 if term.exact else None],
                        required=term.exact or term.required)
            if unit.required or not self._asks(term):
                self.units.append(unit)
            else:  # 什么, 吗: asked, not searched for, unless nothing else is
                self.asked.append((term, unit))
            return
        whole = [[[s]] for s in [term.literal, *self.synonyms.get(term.literal, [])]]
        for word, _ in words:
            options = [[self._alternatives(word)]]
            if len(words) > 1:
                options += whole  # the term's synonym stands for all its words
            self.units.append(Unit(word, options, required=term.required))

    def _rarity(self, literal: str) -> tuple[int, str]:
        """An estimate of a literal's document frequency, from its rarest gram."""
        return (self.literals.df(self.literals.rarest_gram(literal)) if literal else 0, literal)

    def _choose(self) -> None:
        """Keep the rarest units and words of a long query, then learn which
        are informative from their exact document frequencies."""
        if len(self.units) > MAX_UNITS:
            keep = sorted(range(len(self.units)), key=lambda i: (
                not self.units[i].required, self._rarity(self.units[i].options[0][0][0])))
            keep = sorted(keep[:MAX_UNITS])
            self.units = [self.units[i] for i in keep]
        if len(self.words) > MAX_SCORING_WORDS:
            rarest = sorted(self.words, key=self._rarity)[:MAX_SCORING_WORDS]
            self.words = dict.fromkeys(w for w in self.words if w in set(rarest))
        limit = COMMON * self.n
        for unit in self.units:
            unit.informative = unit.required or len(self.unit_docs(unit)) <= limit

    # -- docsets -------------------------------------------------------------

    def docs(self, literal: str) -> FrozenBitMap:
        return self.literals.docs(literal)

    def unit_docs(self, unit: Unit) -> FrozenBitMap:
        found = self._unit_docs.get(id(unit))
        if found is None:
            found = self._unit_docs[id(unit)] = _union(
                FrozenBitMap.intersection(*(_union(self.docs(x) for x in group)
                                            for group in option))
                for option in unit.options)
        return found

    def filter_docs(self) -> FrozenBitMap | None:
        """Paragraphs of the documents and sections the query's filters
        name (doc:, section:, or the page's facet links), from the same
        columns that count the facets; None without filters."""
        sets = []
        for key, values in self.parsed.filters.items():
            if key == "section":
                column = self.snapshot.column("section")
                ids = column.docs({normalize_text(v) for v in values}, key=normalize_text)
            else:
                ids = self.snapshot.column(key).docs(values)
            sets.append(FrozenBitMap(ids.astype(np.uint32)))
        if not sets:
            return None
        return FrozenBitMap.intersection(*sets) if len(sets) > 1 else sets[0]

    def _without_excluded(self, docs: FrozenBitMap) -> FrozenBitMap:
        for term in self.excluded:
            if not docs:
                break
            if len(docs) <= VERIFY_AT:
                docs = docsets.docset(d for d in docs
                                      if not self.literals.texts.contains(d, term.literal))
            else:
                docs = docs - self.docs(term.literal)
        return docs

    def candidates(self) -> FrozenBitMap:
        """Every result, exclusions applied, filters not.

        Paragraphs with an informative unit or search-mode sub-word (平均温度
        finds 平均气温 through 平均), with a typed term as it is when that is
        informative too, or with every unit; when nothing informative occurs
        anywhere, paragraphs with any unit or typed term; failing that, with
        any word or search-mode sub-word. Then only those with every
        required unit.
        """
        if not self.clauses:
            return self._without_excluded(self.literals.all_docs())
        limit = COMMON * self.n
        sources = [self.unit_docs(u) for u in self.units if u.informative]
        asked = {id(t) for t, _ in self.asked}
        terms = [t for t in self.terms if id(t) not in asked]
        sources += [d for t in terms if len(d := self.docs(t.literal)) <= limit]
        sources += [d for w in self.subwords if w in self.words and len(d := self.docs(w)) <= limit]
        if self.units:  # a paragraph with every unit is always a result
            sources.append(self.complete(self.complete(self.unit_docs(self.units[0])),
                                         informative=False))
        docs = _union(sources)
        if not docs:  # common words only: any unit or term
            docs = _union([self.unit_docs(u) for u in self.units] +
                          [self.docs(t.literal) for t in terms])
        if not docs:  # still nothing: any word or search-mode sub-word
            docs = _union([self.docs(w) for w in self.words])
        for unit in self.units:
            if unit.required and docs:
                docs = docs & self.unit_docs(unit)
        return self._without_excluded(docs)

    def complete(self, within: FrozenBitMap, informative: bool = True) -> FrozenBitMap:
        """Those of ``within`` that have every informative unit (or, with
        ``informative`` False, the others: every unit, given those)."""
        for unit in sorted((u for u in self.units if u.informative == informative),
                           key=lambda u: len(self.unit_docs(u))):
            if not within:
                break
            docs = self.unit_docs(unit)
            if within is not docs:
                within = within & docs
        return within

    def exact(self, within: FrozenBitMap) -> FrozenBitMap:
        """Those of ``within`` that contain each clause's text as typed (or,
        for a clause, one of its synonyms)."""
        if not self.clauses:
            return docsets.EMPTY
        for clause in sorted(self.clauses, key=lambda c: max(self._rarity(t.literal) for t in c)):
            if not within:
                break
            lits = [x for t in clause
                    for x in [t.literal, *([] if t.exact else self.synonyms.get(t.literal, []))]]
            if len(within) <= VERIFY_AT:
                text = self.literals.text
                within = docsets.docset(d for d in within if any(x in text(d) for x in lits))
            else:
                within = within & _union(self.docs(x) for x in lits)
        return within

    # -- ranking -------------------------------------------------------------

    def ranked_lists(self) -> list:
        """Each scoring word's BM25 list and its heading-field list."""
        ranker = self.snapshot.ranker
        lists = []
        for word in self.words:
            docs = self.docs(word)
            lists.append(ranker.word(word, docs))
            lists.append(ranker.heading(word, len(docs)))
        return lists

    def proximity(self, docnum: int) -> float:
        """A bonus for consecutive query words that stand close together in
        the paragraph: side by side earns PROXIMITY_WEIGHT of the rarer
        word's idf, ten characters apart about a tenth of that."""
        text = self.literals.text(docnum)
        if self._placed is None:  # (word, idf) per unit; None: an OR of several words
            idf = self.snapshot.ranker.idf
            self._placed = [None if len(u.options[0]) > 1 else
                            (u.options[0][0][0], idf(len(self.docs(u.options[0][0][0]))))
                            for u in self.units]
        bonus, previous = 0.0, None
        for placed in self._placed:
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

    def missing(self, docnum: int) -> list[str]:
        """The query's units this paragraph lacks (question words never count)."""
        text = self.literals.text(docnum)
        return [u.label for u in self.units if not u.in_text(text)]

    def needles(self) -> list[tuple[list[str], list[str]]]:
        """What to mark, per typed term: its literal forms, then its words.

        A paragraph that contains the term as typed gets that marked; one
        that only has its words apart gets the words marked.
        """
        return self.marks


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
    out, i = [], text.find(word)
    while i != -1 and len(out) < limit:
        out.append((i, i + len(word)))
        i = text.find(word, i + 1)
    return out


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

    @property
    def partial(self) -> bool:
        return bool(self.missing)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "doc_id": self.doc_id, "title": self.title,
            "section": self.section, "heading": self.heading,
            "paragraph": self.paragraph, "score": round(self.score, 4),
            "text": self.text, "matches": self.matches, "fragments": self.fragments,
            "exact": self.exact, "partial": self.partial, "missing": self.missing,
        }


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
    # what a front end made of the hits (the web's HTML snippets and links),
    # kept with the result in the cache: every copy of a cached result shares it
    rendered: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def pages(self) -> int:
        return (self.total + self.per_page - 1) // self.per_page

    def to_dict(self, hits: list[dict] | None = None) -> dict:
        """The result as plain data; ``hits``: the hits as the caller
        renders them (each hit's ``to_dict`` when None)."""
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "pages": self.pages,
            "took_ms": round(self.took_ms, 2), "partial": self.partial,
            "filters": self.filters,
            "facets": {name: [{"value": f.value, "count": f.count} for f in values]
                       for name, values in self.facets.items()},
            "ignored_terms": self.ignored_terms, "complete": self.complete,
            "hits": [h.to_dict() for h in self.hits] if hits is None else hits,
        }


def search(snapshot: Snapshot, query: str, page: int = 1, per_page: int = 10,
           section: list[str] | None = None, doc: list[str] | None = None) -> SearchResult:
    """Ranked paragraphs for ``query``, one page of them, with what matched
    and the snippet's fragments as offsets into each text: the web renders
    them as HTML and links, the command line as terminal text.

    ``section`` and ``doc`` add filters to those typed in the query. Results
    are kept per snapshot (so per index version) in a bounded cache: real
    query logs repeat a few queries often.
    """
    started = time.perf_counter()
    key = (query, page, per_page, tuple(section or ()), tuple(doc or ()))
    cached = snapshot.results.get(key, lambda: _Cached(
        _search(snapshot, query, page, per_page, section, doc, started)))
    return dataclasses.replace(cached.result, took_ms=(time.perf_counter() - started) * 1000)


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
            shown = sum(e - s for s, e in h.fragments)  # a rendering: snippet and link
            size += 500 + 120 * (len(h.matches) + len(h.fragments)) + 60 * len(h.missing) + \
                sum(map(getsizeof, (h.id, h.doc_id, h.title, h.section, h.heading, h.text))) + \
                2 * shown + 30 * len(h.matches) + 4 * len(h.doc_id) + 6 * len(result.query)
        for values in result.facets.values():
            size += 56 + sum(72 + getsizeof(f.value) for f in values)
        return size

    def __len__(self) -> int:
        return self.size


def _search(snapshot, query, page, per_page, section, doc, started) -> SearchResult:
    parsed = parse_query(query)
    for key, values in (("section", section), ("doc_id", doc)):
        for v in values or []:
            if v and v not in parsed.filters.get(key, []):
                parsed.filters.setdefault(key, []).append(v)
    filters = {("doc" if k == "doc_id" else k): v for k, v in parsed.filters.items()}
    if not parsed.clauses and not parsed.excluded:
        return SearchResult(query, 0, page, per_page,
                            (time.perf_counter() - started) * 1000, [], filters=filters)

    plan = QueryPlan(parsed, snapshot)
    matched = plan.candidates()
    allowed_by_filters = plan.filter_docs()
    allowed = matched if allowed_by_filters is None else matched & allowed_by_filters
    informative = plan.complete(allowed)
    complete = plan.complete(informative, informative=False)
    exact = plan.exact(complete)
    tiers = [(exact, True), (complete - exact, False), (informative - complete, False),
             (allowed - informative, False)]
    picked = _page(plan, tiers, (page - 1) * per_page, page * per_page)

    needles = plan.needles()
    hits = []
    for docnum, score, is_exact in picked:
        para = snapshot.store.record(docnum)
        doc_id, number, text = para["doc"], para["n"], para["text"]
        spans = match_spans(text, needles)
        hits.append(Hit(
            id=f"{doc_id}#p{number}", doc_id=doc_id,
            title=snapshot.documents.title(doc_id),
            section=para["section"], heading=para["heading"],
            paragraph=number, score=score, text=text,
            matches=[list(s) for s in spans],
            fragments=[list(f) for f in fragments(text, spans)], exact=is_exact,
            missing=plan.missing(docnum)))
    return SearchResult(query, len(allowed), page, per_page,
                        (time.perf_counter() - started) * 1000, hits,
                        partial=bool(allowed) and not complete,
                        facets=facets(snapshot, matched), filters=filters,
                        ignored_terms=plan.ignored, complete=len(complete),
                        keywords=len(plan.terms))


def _page(plan: QueryPlan, tiers, start: int, end: int) -> list[tuple[int, float, bool]]:
    """Ranks ``start`` to ``end`` over the tiers in order: (docnum, score, exact).

    Within a tier, paragraphs are ranked by their summed BM25; the best
    RERANK of them are then reordered with the proximity bonus added. That
    block is the same whatever page is asked for, so pages never overlap.
    """
    top = plan.snapshot.ranker.top
    lists = None
    picked, offset = [], 0
    for docs, is_exact in tiers:
        lo, hi = max(0, start - offset), min(end - offset, len(docs))
        offset += len(docs)
        if lo >= hi:
            continue
        if lists is None:
            lists = plan.ranked_lists()
        best = top(lists, docs, 0, max(hi, min(RERANK, len(docs))))
        head = sorted(((d, s + plan.proximity(d)) for d, s in best[:RERANK]),
                      key=lambda ds: -ds[1])  # stable: ties keep their order
        picked += [(d, s, is_exact) for d, s in (head + best[RERANK:])[lo:hi]]
    return picked


MAX_FACET_VALUES = 30


class Facet(NamedTuple):
    """One facet value and its hit count (a tuple: a cached result holds up
    to 60 of them, and with a dict each they made a quarter of its memory)."""

    value: str
    count: int


def facets(snapshot: Snapshot, docs: FrozenBitMap) -> dict[str, list[Facet]]:
    """Hit counts per section and per document, before the filters apply:
    the 30 largest of each, most hits first."""
    out = {}
    ids = docsets.to_array(docs)
    for name, column in (("section", "section"), ("doc", "doc_id")):
        out[name] = [Facet(k, v) for k, v in
                     snapshot.column(column).top(ids, MAX_FACET_VALUES)]
    return out


def document_marks(snapshot: Snapshot, doc_id: str, texts: list[str],
                   query: str) -> list[list[tuple[int, int]]]:
    """Per paragraph of a document, the spans of ``texts`` that ``query`` matches.

    Only the paragraphs that the query finds are marked, as in the results,
    so a lone character of a long query does not light up the whole page.
    """
    parsed = parse_query(query) if query else ParsedQuery()
    if not parsed.positive:
        return [[] for _ in texts]
    plan = QueryPlan(parsed, snapshot)
    first, count = snapshot.documents.span(doc_id)
    in_doc = docsets.docset(range(first, first + count))
    found = plan.candidates() & in_doc
    found = plan.complete(found) or found  # the best the query finds here
    matched = {d - first + 1 for d in found}  # paragraphs are numbered from 1
    groups = plan.needles()
    return [match_spans(t, groups) if n in matched else [] for n, t in enumerate(texts, 1)]


MAX_SUGGEST_SCAN = 5000  # lexicon terms looked at for one prefix


def suggest(snapshot: Snapshot, query: str, limit: int = 8) -> list[dict]:
    """Completions of the query's last word from the index's own words.

    Ranked by how many paragraphs have the word, then shorter first; the
    rest of the query is kept in front (罗湖 营商 -> 罗湖 营商环境).
    """
    head, _, last = query.strip().rpartition(" ")
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
