"""How one query finds and ranks paragraphs in one snapshot (``QueryPlan``).

A string matches the paragraphs whose flat normalized text contains it
(found through the character index, see docsets.py), so any string that
occurs in a paragraph finds it whatever jieba made of either. Retrieval is
ranked: paragraphs that hold the query as typed come first, then those
with every informative word, then those with some.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyroaring import FrozenBitMap

from . import docsets
from .analysis import STOP_WORDS, is_stop_word, normalize_text, query_units
from .index import Snapshot
from .query import ParsedQuery, Term

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
            # marked whenever it finds paragraphs; question words only when
            # nothing else is asked (see __init__)
            if len(clause) > 1 or term.exact or term.required or self._term_words(term) or \
                    not self._asks(term):
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


def ranked_page(plan: QueryPlan, tiers, start: int, end: int) -> list[tuple[int, float, bool]]:
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
