"""The second stage of a query: which paragraphs it finds, in tiers.

Retrieval is ranked, not boolean: a paragraph is a result when it contains
an informative unit (not a question word or particle, and in at most half
the paragraphs), one of jieba's search-mode sub-words of one, or a typed
term as it is; only when none occurs anywhere do common words find
paragraphs. ``+word`` and quoted phrases are required, exclusions remove.
Results come in tiers (``Tiers``): those that hold every clause as typed
(the literal guarantee; first those where its Latin words stand as
words), then those with every unit, then those that lack
only common units, then the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from pyroaring import FrozenBitMap

from ..analysis.scripts import HAN, LATIN_EDGE
from ..analysis.words import is_stop_word
from ..storage.grams import EMPTY
from .condition import Condition
from .docsets import docset, union
from .filters import BY_NAME, DATE_KEY, date_docs
from .snapshot import Snapshot
from .units import Asked, Unit

MAX_UNITS = 32  # the rarest words of a long query decide and rank its results
MAX_SCORING_WORDS = 32
COMMON = 0.5  # a word in more than this share of paragraphs is not informative
HAN_ONLY = re.compile(f"[{HAN}]+")  # a piece of a word is Chinese (xy of xyzzy says nothing)


@dataclass
class Tiers:
    """A query's results as docsets (each holds those below it in the list)."""

    matched: FrozenBitMap  # every result, filters not applied: what facets count
    allowed: FrozenBitMap  # the results the filters let through
    informative: FrozenBitMap  # ... with every informative unit
    complete: FrozenBitMap  # ... with every unit
    exact: FrozenBitMap  # ... with every clause as typed
    whole: FrozenBitMap  # ... its Latin words standing as words (tar, not whatarethe)

    def ordered(self) -> list[tuple[FrozenBitMap, bool]]:
        """(docs, holds the query as typed) per tier, best first, disjoint."""
        return [(self.whole, True), (self.exact - self.whole, True),
                (self.complete - self.exact, False),
                (self.informative - self.complete, False), (self.allowed - self.informative, False)]


class Retrieval:
    """What one analysed query (``units.Asked``) finds in one snapshot.

    Keeps the rarest units and scoring words of a long query and decides
    which units are informative from their document frequencies, so it
    changes ``asked`` (its units and words) once, when made.
    """

    def __init__(self, asked: Asked, snapshot: Snapshot):
        self.asked = asked
        self.snapshot = snapshot
        self.literals = snapshot.literals.for_query()
        self.n = max(1, snapshot.ranker.n)  # live paragraphs
        self._unit_docs: dict[int, FrozenBitMap] = {}
        self._filters: dict[str, FrozenBitMap] | None = None
        self._choose()

    def _rarity(self, literal: str) -> tuple[int, str]:
        """An estimate of a literal's document frequency, from its rarest gram."""
        return (self.literals.df(self.literals.rarest_gram(literal)) if literal else 0, literal)

    def _choose(self) -> None:
        asked = self.asked
        if len(asked.units) > MAX_UNITS:
            keep = sorted(range(len(asked.units)), key=lambda i: (
                not asked.units[i].required, self._rarity(asked.units[i].condition.first)))
            asked.units = [asked.units[i] for i in sorted(keep[:MAX_UNITS])]
        if len(asked.words) > MAX_SCORING_WORDS:
            rarest = set(sorted(asked.words, key=self._rarity)[:MAX_SCORING_WORDS])
            asked.words = dict.fromkeys(w for w in asked.words if w in rarest)
        limit = COMMON * self.n
        for unit in asked.units:
            unit.informative = unit.required or len(self.unit_docs(unit)) <= limit

    def containing(self, literal: str) -> FrozenBitMap:
        return self.literals.containing(literal)

    def unit_docs(self, unit: Unit) -> FrozenBitMap:
        found = self._unit_docs.get(id(unit))
        if found is None:
            found = self._unit_docs[id(unit)] = unit.condition.found_in(self.literals)
        return found

    def filter_names(self) -> list[str]:
        """The filters applied: each filter of values asked, then the dates."""
        return [*self.asked.filters, *([DATE_KEY] if self.asked.dates is not None else [])]

    def filter_docs(self, leave_out: str | None = None) -> FrozenBitMap | None:
        """Paragraphs of the documents, sections, sources, tags and dates
        the filters name (typed in the query, or the page's and the API's
        parameters), from the same columns that count the facets; None
        without filters. Values of one filter are alternatives; filters
        combine. ``leave_out``: one filter's key not applied (a facet is
        counted with every filter but its own, so its values are choices
        that add results, never ones that lead to none)."""
        sets = [docs for key, docs in self._filter_sets().items() if key != leave_out]
        if not sets:
            return None
        return FrozenBitMap.intersection(*sets) if len(sets) > 1 else sets[0]

    def _filter_sets(self) -> dict[str, FrozenBitMap]:
        """Each filter's paragraphs, read once per query."""
        if self._filters is not None:
            return self._filters
        snapshot = self.snapshot
        self._filters = {}
        for key, values in self.asked.filters.items():
            ids = BY_NAME[key].keeps(snapshot, tuple(values))
            self._filters[key] = FrozenBitMap(ids.astype(np.uint32))
        if self.asked.dates is not None:
            ids = date_docs(snapshot.column("date"), self.asked.dates)
            self._filters[DATE_KEY] = FrozenBitMap(ids.astype(np.uint32))
        return self._filters

    def _without_excluded(self, docs: FrozenBitMap) -> FrozenBitMap:
        for term in self.asked.excluded:
            if not docs:
                break
            docs = Condition.any_of([term.literal]).outside(docs, self.literals)
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
        asked = self.asked
        if not asked.clauses:
            return self._without_excluded(self.literals.every_live())
        limit = COMMON * self.n
        sources = [self.unit_docs(u) for u in asked.units if u.informative]
        terms = asked.searched
        sources += [d for t in terms if len(d := self.containing(t.literal)) <= limit]
        sources += [d for w in asked.subwords if w in asked.words and len(d := self.containing(w)) <= limit]
        if asked.units:  # a paragraph with every unit is always a result
            sources.append(self.with_every_unit(self.with_informative(
                self.unit_docs(asked.units[0]))))
        docs = union(sources)
        if not docs:  # common words only: any unit or term
            docs = union([self.unit_docs(u) for u in asked.units] +
                         [self.containing(t.literal) for t in terms])
        if not docs:  # still nothing: any word or search-mode sub-word (光刻机: 光刻)
            docs = union([self.containing(w) for w in asked.words])
        if not docs:  # no word occurs anywhere: pieces of them, never nothing
            docs = self._pieces()
        elif not asked.pieces and asked.units and not any(map(self.unit_docs, asked.units)):
            # found only by parts of the words (光刻机: 光刻): said with the results
            asked.pieces = [w for w in asked.words if self.containing(w)]
            asked.unfound = [u.label for u in asked.units]
        for unit in asked.units:
            if unit.required and docs:
                docs = docs & self.unit_docs(unit)
        return self._without_excluded(docs)

    def _pieces(self) -> FrozenBitMap:
        """Paragraphs with pieces of the query's longer Chinese words when no
        word occurs anywhere (光刻机: 光刻, 刻机; a two-character word has
        none, and a character alone says too little): the pieces become the
        units, scored and marked, and the result says so (``Asked.pieces``)."""
        asked = self.asked
        if asked.pieces:  # already chosen (candidates is asked again)
            return union([self.containing(p) for p in asked.pieces])
        found: dict[str, FrozenBitMap] = {}
        for literal in (u.condition.first for u in asked.units if not u.required):
            if len(literal) < 3:
                continue  # its only piece is itself
            for piece in (literal[i:i + 2] for i in range(len(literal) - 1)):
                if piece not in found and HAN_ONLY.fullmatch(piece) and \
                        not is_stop_word(piece) and (docs := self.containing(piece)):
                    found[piece] = docs
        if found:  # the pieces are the units now: the more a paragraph has, the better
            asked.pieces = list(found)
            asked.unfound = [u.label for u in asked.units if not u.required]
            asked.units = [u for u in asked.units if u.required] + [
                Unit(p, Condition.any_of([p]), informative=len(d) <= COMMON * self.n)
                for p, d in found.items()]
            self._unit_docs.clear()
            asked.words.update(dict.fromkeys(found))
            asked.marks.append(([], list(found)))
            return union(list(found.values()))
        return EMPTY

    def _narrowed(self, within: FrozenBitMap, informative: bool) -> FrozenBitMap:
        for unit in sorted((u for u in self.asked.units if u.informative == informative),
                           key=lambda u: len(self.unit_docs(u))):
            if not within:
                break
            docs = self.unit_docs(unit)
            if within is not docs:
                within = within & docs
        return within

    def with_informative(self, within: FrozenBitMap) -> FrozenBitMap:
        """Those of ``within`` that have every informative unit."""
        return self._narrowed(within, True)

    def with_every_unit(self, within: FrozenBitMap) -> FrozenBitMap:
        """Those of ``within`` (which have every informative unit) that
        also have every other unit."""
        return self._narrowed(within, False)

    def exact(self, within: FrozenBitMap) -> FrozenBitMap:
        """Those of ``within`` that contain each clause's text as typed (or,
        for a clause, one of its synonyms)."""
        if not self.asked.clauses:
            return EMPTY
        typed = self.asked.typed_options
        for clause in sorted(self.asked.clauses,
                             key=lambda c: max(self._rarity(t.literal) for t in c)):
            if not within:
                break
            within = Condition.of([o for t in clause for o in typed(t)]).within(within,
                                                                                self.literals)
        return within

    def standing(self, literal: str) -> FrozenBitMap:
        """Paragraphs where ``literal`` stands as a word, not inside a longer
        Latin word (``docsets.LiteralIndex.standing``)."""
        return self.literals.standing(literal, lambda: self.containing(literal) & docset(
            self.snapshot.words.postings(literal)[0]))

    def whole(self, exact: FrozenBitMap) -> FrozenBitMap:
        """Those of ``exact`` where each clause as typed stands as a word: a
        Latin word inside a longer one (``tar`` in ``whatarethe``) is
        found, by the literal guarantee, and comes after the word itself.
        A term typed with spaces (``set up``) is not checked: its letters
        run together in the flat text."""
        as_typed = self.asked.as_typed
        for clause in self.asked.clauses:
            if not exact:
                break
            lits = [(x, not t.exact and " " in t.raw.strip()) for t in clause
                    for x in as_typed(t)]
            if any(LATIN_EDGE.search(x) and not spaced for x, spaced in lits):
                exact = exact & union([self.containing(x) if spaced else self.standing(x)
                                       for x, spaced in lits])
        return exact

    def tiers(self) -> Tiers:
        matched = self.candidates()
        allowed_by_filters = self.filter_docs()
        allowed = matched if allowed_by_filters is None else matched & allowed_by_filters
        informative = self.with_informative(allowed)
        complete = self.with_every_unit(informative)
        exact = self.exact(complete)
        return Tiers(matched, allowed, informative, complete, exact, self.whole(exact))
