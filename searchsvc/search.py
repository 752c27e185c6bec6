"""The one search function behind the page, the JSON API and the terminal.

A query is read forgivingly (see :func:`parse_query`): words are AND-ed,
``OR`` joins alternatives, ``-word``/``NOT word`` exclude, ``"…"`` is an
exact phrase, ``section:`` and ``doc:`` filter. Nothing a user types is an
error: unknown syntax is literal text.

A word matches the paragraphs whose normalized text contains it (found
through the character index, see docsets.py), so any string that occurs in
a paragraph finds it whatever jieba made of either. BM25F over jieba words
and character pairs ranks them; paragraphs that contain every typed term
contiguously come first.
"""

from __future__ import annotations

import heapq
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

from markupsafe import escape
from whoosh import query as Q

from .analysis import flat_text, normalize_text, query_words
from .highlight import make_snippet, match_spans, render
from .indexer import Snapshot
from .ranking import GRAMS

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
            if raw[:1] in "-+" and len(raw) > 1 and not raw[1].isdigit() and raw[1] not in "-+":
                negate, raw = negate or raw[0] == "-", raw[1:]
            term = Term(raw)
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
# Matching: docsets of literal strings, combined as the query says
# --------------------------------------------------------------------------

MAX_CLAUSES = 32  # typed terms beyond this are ignored (and reported)
MAX_SCORING_WORDS = 12  # the rarest words of a long query rank its results
MAX_PARTIAL_UNITS = 32  # the rarest terms of a long query make partial matches
VERIFY_AT = 256  # with this few candidates left, check the rest on their text


def _union(sets: list[frozenset]) -> frozenset:
    """The union, without copying when there is only one set."""
    if len(sets) == 1:
        return sets[0]
    return frozenset().union(*sets)


class QueryPlan:
    """What one parsed query matches in one snapshot, as sets of docnums.

    Every word matches the paragraphs that contain it literally (after
    normalization), or one of its synonyms; a typed term matches when all
    its words do; a clause when one of its OR-ed terms does; the query when
    every clause does. ``exact`` keeps the paragraphs that contain each
    clause's text as typed. Conditions are applied rarest first, and once
    few candidates are left the remaining ones are checked on each
    candidate's text instead of reading more postings.
    """

    def __init__(self, parsed: ParsedQuery, snapshot: Snapshot):
        self.parsed = parsed
        self.snapshot = snapshot
        self.literals = snapshot.literals
        self.synonyms = snapshot.synonyms
        # identical clauses and exclusions add nothing: keep one of each;
        # past MAX_CLAUSES terms a query is cut, and says so
        seen, self.clauses, self.ignored = set(), [], 0
        for clause in parsed.clauses:
            key = tuple(sorted((t.literal, t.exact) for t in clause))
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
        self.terms = [t for clause in self.clauses for t in clause]
        self.words = {id(t): ([] if t.exact else query_words(t.raw, snapshot.user_dict))
                      for t in self.terms}

    # -- the pieces ----------------------------------------------------------

    def _alternatives(self, word: str) -> list[str]:
        return [word] + [s for s in self.synonyms.get(word, []) if s != word]

    def _rarity(self, literal: str) -> int:
        return self.literals.df(self.literals.rarest_gram(literal)) if literal else 0

    def _term_units(self, term: Term) -> list[list[str]]:
        """A term as AND of ORs of literal strings (words and synonyms)."""
        words = self.words[id(term)]
        return [self._alternatives(w) for w in words] if words else [[term.literal]]

    def word_docs(self, alternatives: list[str]) -> frozenset:
        return _union([self.literals.docs(a) for a in alternatives])

    def term_docs(self, term: Term) -> frozenset:
        units = sorted(self._term_units(term), key=lambda a: self._rarity(a[0]))
        docs = self._narrow(None, [(lambda alts=alts: self.word_docs(alts),
                                    lambda text, alts=alts: any(a in text for a in alts))
                                   for alts in units])
        extra = [a for a in self.synonyms.get(term.literal, []) if a != term.literal]
        return docs | self.word_docs(extra) if extra else docs

    def _term_in_text(self, term: Term, text: str) -> bool:
        if any(a in text for a in self.synonyms.get(term.literal, [])):
            return True
        return all(any(a in text for a in alts) for alts in self._term_units(term))

    def _narrow(self, docs, conditions) -> frozenset:
        """Intersect ``docs`` with each (docset function, text test), rarest first."""
        for compute, test in conditions:
            if docs is not None and len(docs) <= VERIFY_AT:
                docs = frozenset(d for d in docs if test(self.literals.text(d)))
            else:
                found = compute()
                docs = found if docs is None else docs & found
            if not docs:
                return frozenset()
        return docs

    def _clause_conditions(self, clauses, exact: bool):
        conditions = []
        for clause in sorted(clauses, key=lambda c: max(self._rarity(t.literal) for t in c)):
            if exact:
                lits = [t.literal for t in clause]
                conditions.append((lambda lits=lits: self.word_docs(lits),
                                   lambda text, lits=lits: any(x in text for x in lits)))
            else:
                conditions.append((
                    lambda c=clause: _union([self.term_docs(t) for t in c]),
                    lambda text, c=clause: any(self._term_in_text(t, text) for t in c)))
        return conditions

    def _without_excluded(self, docs: frozenset) -> frozenset:
        for term in self.excluded:
            if not docs:
                break
            if len(docs) <= VERIFY_AT:
                docs = frozenset(d for d in docs
                                 if not self.literals.texts.contains(d, term.literal))
            else:
                docs = docs - self.literals.docs(term.literal)
        return docs

    # -- the sets ------------------------------------------------------------

    def filter_docs(self) -> frozenset | None:
        sets = []
        for key, values in self.parsed.filters.items():
            if key == "section":
                key, values = "section_key", [normalize_text(v) for v in values]
            docs = set()
            for v in values:
                docs.update(self.snapshot.searcher.docs_for_query(Q.Term(key, v)))
            sets.append(docs)
        if not sets:
            return None
        return frozenset(set.intersection(*sets))

    def matched(self) -> frozenset:
        """Paragraphs the query matches, exclusions applied, filters not."""
        docs = self.literals.all_docs() if not self.clauses else \
            self._narrow(None, self._clause_conditions(self.clauses, exact=False))
        return self._without_excluded(docs)

    def exact(self, within: frozenset) -> frozenset:
        """Those of ``within`` that contain each clause's text as typed."""
        if not self.clauses:
            return frozenset()
        if all(len(c) == 1 and self._term_units(c[0]) == [[c[0].literal]]
               and not self.synonyms.get(c[0].literal) for c in self.clauses):
            return within  # each term is one word, matched as typed: all are exact
        return self._narrow(within, self._clause_conditions(self.clauses, exact=True))

    def partial(self) -> frozenset:
        """Paragraphs with any typed term (a lone term: any of its words)."""
        terms = self.terms
        if len(terms) == 1 and len(self.words[id(terms[0])]) > 1:
            units = [(self._rarity(w), lambda w=w: self.word_docs(self._alternatives(w)))
                     for w in self.words[id(terms[0])]]
        elif len(terms) > 1:
            units = [(self._rarity(t.literal), lambda t=t: self.term_docs(t)) for t in terms]
        else:
            return frozenset()
        units.sort(key=lambda u: u[0])
        docs = frozenset().union(*(compute() for _, compute in units[:MAX_PARTIAL_UNITS]))
        return self._without_excluded(docs)

    # -- ranking and marks ---------------------------------------------------

    def scoring_terms(self) -> list[tuple[str, str]]:
        """(field, text) terms whose BM25F sum ranks the matches.

        Each word brings its ``text`` token and the rarest bigram of its
        literal form (which every paragraph containing it has); a long query
        is ranked by its rarest words.
        """
        strings: dict[str, None] = {}
        for clause in self.clauses:
            for term in clause:
                for alts in self._term_units(term):
                    for alt in alts:
                        strings.setdefault(alt, None)
                for alt in self.synonyms.get(term.literal, []):
                    strings.setdefault(alt, None)
        ranked = sorted(strings, key=self._rarity)[:MAX_SCORING_WORDS]
        terms = []
        for word in ranked:
            terms.append(("text", word))
            terms.append((GRAMS, self.literals.rarest_gram(word)))
        return terms

    def needles(self) -> list[tuple[list[str], list[str]]]:
        """What to mark, per typed term: its literal forms, then its words.

        A paragraph that contains the term as typed gets that marked; one
        that only has its words apart gets the words marked.
        """
        groups = []
        for term in self.terms:
            literals = [term.literal] + self.synonyms.get(term.literal, [])
            words = [a for alts in self._term_units(term) for a in alts] \
                if self.words[id(term)] else []
            groups.append((list(dict.fromkeys(literals)), list(dict.fromkeys(words))))
        return groups


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

@dataclass
class Hit:
    id: str
    doc_id: str
    title: str
    section: str
    heading: str
    paragraph: int
    score: float
    snippet: str  # HTML: escaped text with <mark>
    text: str
    url: str
    matches: list[list[int]]
    exact: bool
    partial: bool

    def to_dict(self) -> dict:
        return {
            "id": self.id, "doc_id": self.doc_id, "title": self.title,
            "section": self.section, "heading": self.heading,
            "paragraph": self.paragraph, "score": round(self.score, 4),
            "snippet": self.snippet, "text": self.text, "url": self.url,
            "matches": self.matches, "exact": self.exact, "partial": self.partial,
        }


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    partial: bool = False
    facets: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    ignored_terms: int = 0  # typed terms past MAX_CLAUSES, not searched

    @property
    def pages(self) -> int:
        return (self.total + self.per_page - 1) // self.per_page

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "pages": self.pages,
            "took_ms": round(self.took_ms, 2), "partial": self.partial,
            "filters": self.filters, "facets": self.facets,
            "ignored_terms": self.ignored_terms,
            "hits": [h.to_dict() for h in self.hits],
        }




def default_link(doc_id: str, paragraph: int, query: str) -> str:
    q = f"?q={quote(query)}" if query else ""
    return f"/doc/{quote(doc_id)}{q}#p{paragraph}"


def search(snapshot: Snapshot, query: str, page: int = 1, per_page: int = 10,
           section: list[str] | None = None, doc: list[str] | None = None,
           link=default_link) -> SearchResult:
    """Ranked, highlighted paragraphs for ``query``: one page of them.

    ``section`` and ``doc`` add filters to those typed in the query.
    ``link(doc_id, paragraph, query)`` makes each hit's URL.
    """
    started = time.perf_counter()
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
    allowed_by_filters = plan.filter_docs()

    def restrict(docs):
        return docs if allowed_by_filters is None else docs & allowed_by_filters

    partial = False
    matched = plan.matched()
    allowed = restrict(matched)
    exact = plan.exact(allowed)
    if not allowed and parsed.clauses:
        partial_docs = plan.partial()
        if partial_docs:
            partial, matched, exact = True, partial_docs, frozenset()
            allowed = restrict(matched)

    start = (page - 1) * per_page
    end = start + per_page
    terms = plan.scoring_terms()
    top = snapshot.ranker.top
    n_exact = len(exact)
    picked = [(d, s, True) for d, s in top(terms, exact, start, min(end, n_exact))]
    if end > n_exact:  # the page reaches past the exact matches
        picked += [(d, s, False) for d, s in
                   top(terms, allowed - exact, max(0, start - n_exact), end - n_exact)]

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
            paragraph=number, score=score,
            snippet=make_snippet(text, spans), text=text,
            url=link(doc_id, number, query),
            matches=[list(s) for s in spans], exact=is_exact, partial=partial))
    return SearchResult(query, len(allowed), page, per_page,
                        (time.perf_counter() - started) * 1000, hits, partial=partial,
                        facets=facets(snapshot, matched), filters=filters,
                        ignored_terms=plan.ignored)


MAX_FACET_VALUES = 30


def facets(snapshot: Snapshot, docs: frozenset) -> dict:
    """Hit counts per section and per document, before the filters apply:
    the 30 largest of each, most hits first."""
    out = {}
    for name, column in (("section", "section"), ("doc", "doc_id")):
        counts = Counter(map(snapshot.column(column).__getitem__, docs))
        counts.pop("", None)
        top = heapq.nsmallest(MAX_FACET_VALUES, counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out[name] = [{"value": k, "count": v} for k, v in top]
    return out


def mark_document(snapshot: Snapshot, doc_id: str, texts: list[str], query: str) -> list[str]:
    """A document's paragraphs as escaped HTML, matches of ``query`` marked.

    Only the paragraphs that the query finds are marked, as in the results,
    so a lone character of a long query does not light up the whole page.
    """
    parsed = parse_query(query) if query else ParsedQuery()
    if not parsed.positive:
        return [str(escape(t)) for t in texts]
    plan = QueryPlan(parsed, snapshot)
    first, count = snapshot.documents.span(doc_id)
    in_doc = frozenset(range(first, first + count))
    found = plan.matched() & in_doc or plan.partial() & in_doc
    matched = {d - first + 1 for d in found}  # paragraphs are numbered from 1
    groups = plan.needles()
    return [render(t, 0, len(t), match_spans(t, groups) if n in matched else [])
            for n, t in enumerate(texts, 1)]


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
    reader = snapshot.searcher.reader()
    found = []
    for i, raw in enumerate(reader.expand_prefix("text", prefix)):
        if i >= MAX_SUGGEST_SCAN:
            break
        word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if word != prefix:
            count = snapshot.doc_frequency(word)
            if count:
                found.append((count, word))
    found.sort(key=lambda fw: (-fw[0], len(fw[1]), fw[1]))
    lead = f"{head.strip()} " if head.strip() else ""
    return [{"text": lead + word, "word": word, "count": count}
            for count, word in found[:limit]]
