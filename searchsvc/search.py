"""The one search function behind the page, the JSON API and the terminal.

A query is read forgivingly (see :func:`parse_query`): words are AND-ed,
``OR`` joins alternatives, ``-word``/``NOT word`` exclude, ``"…"`` is an
exact phrase, ``section:`` and ``doc:`` filter. Nothing a user types is an
error: unknown syntax is literal text.

Every word matches either as a jieba word (``text`` field, BM25F) or as a
literal string (``chars`` field: a phrase of character bigrams), so any
string that occurs in a paragraph finds it. Paragraphs that contain every
typed term contiguously come first; relevance orders each group.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup, escape
from whoosh import query as Q
from whoosh import sorting

from .analysis import literal_grams, normalize, normalize_text, query_words
from .indexer import Snapshot

FIELDS = {"section": "section", "doc": "doc_id"}
_SYNTAX = re.compile(r'(?P<field>[A-Za-z_]+):"(?P<fvalue>[^"]*)"|"(?P<phrase>[^"]*)"|(?P<word>\S+)')
_FIELD_NAME = re.compile(r"^[A-Za-z_]+$")
_SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+[”’」』）)]*|$)")

SNIPPET_WIDTH = 160
MAX_FRAGMENTS = 3


# --------------------------------------------------------------------------
# Query language
# --------------------------------------------------------------------------

@dataclass
class Term:
    """One thing the user typed: a word (maybe several jieba words) or a phrase."""

    raw: str
    exact: bool = False  # typed in quotes

    @property
    def literal(self) -> str:
        return "".join(normalize_text(self.raw).split())


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
# Whoosh queries
# --------------------------------------------------------------------------

def literal_query(literal: str) -> Q.Query:
    """Paragraphs containing ``literal`` (normalized, no spaces) as a string."""
    grams = literal_grams(literal)
    if len(grams) == 1:
        return Q.Term("chars", grams[0])
    return Q.Phrase("chars", grams)


def _word_query(word: str, synonyms: dict) -> Q.Query:
    alternatives = [word] + [s for s in synonyms.get(word, []) if s != word]
    parts = []
    for alt in alternatives:
        parts.append(Q.Term("text", alt))
        parts.append(literal_query(alt))
    return Q.Or(parts)


class QueryPlan:
    """The Whoosh queries for one parsed query over one snapshot."""

    def __init__(self, parsed: ParsedQuery, snapshot: Snapshot):
        self.parsed = parsed
        self._synonyms = syn = snapshot.synonyms
        user_dict = snapshot.user_dict
        self.words: dict[Term, list[str]] = {}

        def term_query(term: Term) -> Q.Query:
            literal = term.literal
            if term.exact:
                return literal_query(literal)
            words = query_words(term.raw, user_dict)
            self.words[id(term)] = words
            if not words:
                return literal_query(literal)
            base = Q.And([_word_query(w, syn) for w in words]) if len(words) > 1 \
                else _word_query(words[0], syn)
            extra = [s for s in syn.get(literal, []) if s != literal and s not in words]
            if extra:
                base = Q.Or([base] + [_word_query(s, syn) for s in extra])
            return base

        clause_queries = [Q.Or([term_query(t) for t in clause]) if len(clause) > 1
                          else term_query(clause[0]) for clause in parsed.clauses]
        excluded = [literal_query(t.literal) for t in parsed.excluded]
        self.excluded = Q.Or(excluded) if excluded else None

        if clause_queries:
            main = Q.And(clause_queries) if len(clause_queries) > 1 else clause_queries[0]
        else:
            main = Q.Every()
        self.main = main

        exact_parts = []
        for clause in parsed.clauses:
            lits = [literal_query(t.literal) for t in clause]
            exact_parts.append(Q.Or(lits) if len(lits) > 1 else lits[0])
        self.exact = Q.And(exact_parts) if exact_parts else None

        # When everything AND-ed finds nothing: any typed term; a single
        # typed term (罗湖营商环境火星) falls back to any of its words.
        terms = parsed.positive
        units = [term_query(t) for t in terms]
        if len(terms) == 1 and not terms[0].exact:
            units = [_word_query(w, syn) for w in self.words.get(id(terms[0]), [])]
        self.partial = Q.Or(units) if len(units) > 1 else None

        filters = []
        for key, values in parsed.filters.items():
            if key == "section":
                key, values = "section_key", [normalize_text(v) for v in values]
            terms = [Q.Term(key, v) for v in values]
            filters.append(Q.Or(terms) if len(terms) > 1 else terms[0])
        self.filter = Q.And(filters) if len(filters) > 1 else (filters[0] if filters else None)

    def excluded_docs(self, searcher) -> set:
        """Docnums of paragraphs with an excluded term, to mask out.

        Exclusion is a mask, not a Whoosh AndNot: whoosh-reloaded 2.7.5's
        AndNotMatcher lets through the first positive document when the
        excluded term's first document comes before it.
        """
        if self.excluded is None:
            return set()
        return set(searcher.docs_for_query(self.excluded))

    def needles(self) -> list[tuple[list[str], list[str]]]:
        """What to mark, per typed term: its literal forms, then its words.

        A paragraph that contains the term as typed gets that marked; one
        that only has its words apart gets the words marked.
        """
        groups = []
        for term in self.parsed.positive:
            literals = [term.literal] + self._synonyms.get(term.literal, [])
            words = []
            for w in self.words.get(id(term), []):
                words += [w] + self._synonyms.get(w, [])
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

    @property
    def pages(self) -> int:
        return (self.total + self.per_page - 1) // self.per_page

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "pages": self.pages,
            "took_ms": round(self.took_ms, 2), "partial": self.partial,
            "filters": self.filters, "facets": self.facets,
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
    searcher = snapshot.searcher
    start = (page - 1) * per_page
    end = start + per_page

    excluded = plan.excluded_docs(searcher)
    picked, total, partial = _ranked_page(searcher, plan, excluded, start, end)
    if total == 0 and plan.partial is not None:
        partial = True
        results = searcher.search(plan.partial, limit=end, filter=plan.filter,
                                  mask=excluded or None)
        total = len(results)
        picked = [(hit.docnum, hit.score, False) for hit in results[start:end]]

    facets = _facets(searcher, plan.main if not partial else plan.partial, excluded)
    needles = plan.needles()
    hits = []
    for docnum, score, exact in picked:
        fields = searcher.stored_fields(docnum)
        spans = match_spans(fields["text"], needles)
        hits.append(Hit(
            id=fields["id"], doc_id=fields["doc_id"], title=fields["title"],
            section=fields.get("section", ""), heading=fields.get("heading", ""),
            paragraph=fields["paragraph"], score=score,
            snippet=make_snippet(fields["text"], spans), text=fields["text"],
            url=link(fields["doc_id"], fields["paragraph"], query),
            matches=[list(s) for s in spans], exact=exact, partial=partial))
    return SearchResult(query, total, page, per_page,
                        (time.perf_counter() - started) * 1000, hits,
                        partial=partial, facets=facets, filters=filters)


def _ranked_page(searcher, plan: QueryPlan, excluded: set, start: int, end: int):
    """Docnums of one page: exact matches first, then the rest; and the total."""
    exact_docs: set = set()
    picked: list = []
    n_exact = 0
    if plan.exact is not None:
        exact = searcher.search(plan.exact, limit=end, filter=plan.filter,
                                mask=excluded or None)
        n_exact = len(exact)
        exact_docs = exact.docs()
        picked = [(h.docnum, h.score, True) for h in exact[start:end]]
    rest_start = max(0, start - n_exact)
    rest_end = end - n_exact
    rest = searcher.search(plan.main, limit=max(rest_end, 1), filter=plan.filter,
                           mask=(exact_docs | excluded) or None)
    total = n_exact + len(rest)
    if rest_end > 0:
        picked += [(h.docnum, h.score, False) for h in rest[rest_start:rest_end]]
    return picked, total, False


def _facets(searcher, q: Q.Query, excluded: set) -> dict:
    """Hit counts per section and per document, before the filters apply."""
    facets = {"section": sorting.FieldFacet("section"), "doc": sorting.FieldFacet("doc_id")}
    results = searcher.search(q, limit=1, groupedby=facets, maptype=sorting.Count,
                              mask=excluded or None)
    out = {}
    for name in facets:
        groups = results.groups(name)
        out[name] = [{"value": k, "count": v} for k, v in
                     sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])) if k != ""]
    return out


# --------------------------------------------------------------------------
# Highlighting
# --------------------------------------------------------------------------

def _occurrences(hay: str, needles) -> list[tuple[int, int]]:
    found = []
    for needle in needles:
        i = hay.find(needle) if needle else -1
        while i != -1:
            found.append((i, i + len(needle)))
            i = hay.find(needle, i + 1)
    return found


def match_spans(text: str, groups) -> list[tuple[int, int]]:
    """Original-text spans of what each term matched, merged.

    ``groups`` is ``[(literals, words), …]`` per term (see
    :meth:`QueryPlan.needles`): the literal occurrences when there are any,
    otherwise the words'. Overlapping and adjacent matches become one span,
    so 粤港澳 + 大湾区 is one mark. Matching is on normalized text; spans
    are original offsets.
    """
    norm = normalize(text)
    raw = []
    for literals, words in groups:
        raw += _occurrences(norm.text, literals) or _occurrences(norm.text, words)
    raw.sort()
    merged: list[list[int]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [norm.span(s, e) for s, e in merged]


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() > m.start()]


def _render(text: str, start: int, end: int, spans) -> str:
    out, pos = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(str(x) for x in out)


def fragments(text: str, spans, width: int = SNIPPET_WIDTH,
              max_fragments: int = MAX_FRAGMENTS) -> list[tuple[int, int]]:
    """The best 1-3 sentence-bounded windows of about ``width`` characters."""
    if len(text) <= width * 5 // 4:
        return [(0, len(text))]
    sentences = _sentences(text)

    def marks_in(s, e):
        return sum(1 for a, b in spans if a < e and b > s)

    scored = [(marks_in(s, e), s, e) for s, e in sentences]
    if not any(score for score, _, _ in scored):
        return [_window(sentences[0][0], min(len(text), sentences[0][0] + width),
                        text, spans, width)]
    chosen, used = [], 0
    for score, s, e in sorted(scored, key=lambda x: (-x[0], x[1])):
        if not score or len(chosen) >= max_fragments:
            break
        if chosen and used + (e - s) > width:
            continue
        chosen.append(_window(s, e, text, spans, width))
        used += chosen[-1][1] - chosen[-1][0]
    return sorted(chosen)


def _window(s, e, text, spans, width):
    """A sentence cut down to ``width`` around its first mark."""
    if e - s <= width:
        return s, e
    first = next((a for a, b in spans if a >= s and a < e), s)
    start = max(s, min(first - width // 4, e - width))
    return start, min(e, start + width)


def make_snippet(text: str, spans, width: int = SNIPPET_WIDTH) -> str:
    """Escaped HTML: the best fragments with <mark>s, joined by …."""
    parts = []
    prev_end = 0
    for s, e in fragments(text, spans, width):
        if s > prev_end or (s > 0 and not parts):
            parts.append("…")
        parts.append(_render(text, s, e, spans))
        prev_end = e
    if prev_end < len(text):
        parts.append("…")
    return "".join(parts)


def mark_document(snapshot: Snapshot, doc_id: str, texts: list[str], query: str) -> list[str]:
    """A document's paragraphs as escaped HTML, matches of ``query`` marked.

    Only the paragraphs that the query finds are marked, as in the results,
    so a lone character of a long query does not light up the whole page.
    """
    parsed = parse_query(query) if query else ParsedQuery()
    if not parsed.positive:
        return [str(escape(t)) for t in texts]
    plan = QueryPlan(parsed, snapshot)
    in_doc = Q.Term("doc_id", doc_id)
    mask = plan.excluded_docs(snapshot.searcher) or None
    found = snapshot.searcher.search(plan.main, filter=in_doc, mask=mask, limit=None)
    if not found and plan.partial is not None:
        found = snapshot.searcher.search(plan.partial, filter=in_doc, mask=mask, limit=None)
    matched = {hit["paragraph"] for hit in found}
    groups = plan.needles()
    return [_render(t, 0, len(t), match_spans(t, groups)) if n in matched else str(escape(t))
            for n, t in enumerate(texts, 1)]
