"""The first stage of a query: what it asks for, before any paragraph is read.

``analyse`` turns a parsed query (``query``), the build's synonyms and
its user dictionary into ``Asked``: the units a paragraph has or lacks
(a word, a quoted phrase, an OR of alternatives, each a ``Condition``),
the words that score (search-mode sub-words and synonyms included, each
once), and what to mark per typed term. Question words and particles
(什么, 吗) are units only when nothing else is asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.equivalences import AND
from ..analysis.numbers import spelled
from ..analysis.words import STOP_WORDS, is_stop_word
from .condition import Condition
from .filters import DateRange
from .query import ParsedQuery, Term
from .segment import term_units

MAX_CLAUSES = 32  # typed terms beyond this are ignored (and reported)


@dataclass
class Unit:
    """Something a paragraph has or lacks."""

    label: str  # what a hit's ``missing`` shows
    condition: Condition
    required: bool = False  # +word and "phrase": every result has it
    informative: bool = True  # decided once document frequencies are known (retrieval)


@dataclass
class Asked:
    """What a query asks for (see ``analyse``)."""

    clauses: list[list[Term]]  # AND of ORs, duplicates and the past-the-limit left out
    excluded: list[Term]
    filters: dict[str, list[str]]  # each filter of values: typed and asked (filters.FILTERS)
    ignored: int  # typed terms past MAX_CLAUSES
    dates: DateRange | None = None  # the date range asked, if any
    units: list[Unit] = field(default_factory=list)
    words: dict[str, None] = field(default_factory=dict)  # scoring words, in query order
    subwords: dict[str, None] = field(default_factory=dict)  # search-mode sub-words among them
    marks: list[tuple[list[str], list[str]]] = field(default_factory=list)  # per term
    questions: list[Term] = field(default_factory=list)  # terms of question words only
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # the build's and the corpus's
    spellings: dict[str, list[str]] = field(default_factory=dict)  # a literal's numbers spelled otherwise
    # quoted phrases, preferred not required: (as typed, what holds it as
    # typed, what holds all its words: a near match)
    phrases: list[tuple[str, list[str], Condition]] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)  # no word occurs anywhere: what is searched
    unfound: list[str] = field(default_factory=list)  # then: the units as asked, found nowhere

    def as_typed(self, term: Term) -> list[str]:
        """What holds a term as typed: its literal, the literal with its
        numbers spelled another way (2023年, 二〇二三年) and, unquoted, a
        synonym of the whole term."""
        found = [term.literal, *self.spellings.get(term.literal, [])]
        if not term.exact:
            found += self.plain(term.literal)
        return list(dict.fromkeys(found))

    def typed_options(self, term: Term) -> list[list[list[str]]]:
        """``as_typed``, and (unquoted) the words a slogan stands for, all
        of them in the paragraph (双碳: 碳达峰 and 碳中和): a Condition's options."""
        options = [[self.as_typed(term)]]
        if not term.exact:
            options += [[[p] for p in parts] for parts in self.compounds(term.literal)]
        return options

    def plain(self, word: str) -> list[str]:
        """A word's equivalents that are one literal each."""
        return [s for s in self.synonyms.get(word, []) if AND not in s]

    def compounds(self, word: str) -> list[list[str]]:
        """A word's equivalents that are several words (``a+b``), as their words."""
        return [s.split(AND) for s in self.synonyms.get(word, []) if AND in s]

    @property
    def terms(self) -> list[Term]:
        return [t for clause in self.clauses for t in clause]

    @property
    def searched(self) -> list[Term]:
        """The terms that find paragraphs as typed (not question words)."""
        questions = {id(t) for t in self.questions}
        return [t for t in self.terms if id(t) not in questions]


def analyse(parsed: ParsedQuery, synonyms: dict[str, list[str]],
            user_dict: str | None, dates: DateRange | None = None) -> Asked:
    """The query's units, words and marks (see the module's docstring)."""
    asked = _Analysis(parsed, synonyms, user_dict).asked
    asked.dates = dates
    return asked


class _Analysis:
    def __init__(self, parsed: ParsedQuery, synonyms: dict[str, list[str]], user_dict: str | None):
        self.user_dict = user_dict
        self._segmented: dict[int, list[tuple[str, list[str]]]] = {}
        # identical clauses and exclusions add nothing: keep one of each;
        # past MAX_CLAUSES terms a query is cut, and says so
        seen: set[tuple[tuple[str, bool, bool], ...]] = set()
        clauses: list[list[Term]] = []
        ignored = 0
        for clause in parsed.clauses:
            key = tuple(sorted((t.literal, t.exact, t.required) for t in clause))
            if key in seen:
                continue
            seen.add(key)
            room = MAX_CLAUSES - sum(len(c) for c in clauses)
            if room <= 0:
                ignored += len(clause)
                continue
            ignored += max(0, len(clause) - room)
            clauses.append(clause[:room])
        excluded = list({t.literal: t for t in parsed.excluded}.values())
        ignored += max(0, len(excluded) - MAX_CLAUSES)
        # +word and word together are one unit, the required one
        required = {t.literal for c in clauses for t in c if t.required}
        clauses = [c for c in clauses if len(c) > 1 or c[0].required or c[0].literal not in required]
        self.asked = Asked(clauses, excluded[:MAX_CLAUSES], parsed.filters, ignored,
                           synonyms=synonyms)
        self.spellings = self.asked.spellings
        for clause in clauses:
            for term in clause:
                if others := spelled(term.literal)[1:]:
                    self.spellings[term.literal] = others
        pending: list[tuple[Term, Unit]] = []  # question-word terms, used only alone
        for clause in clauses:
            self._add_clause(clause, pending)
        if not self.asked.units:  # the query is nothing but question words: look for them
            for term, unit in pending:
                self.asked.units.append(unit)
                self.asked.words.setdefault(term.literal, None)
                self._add_marks(term)
        else:
            self.asked.questions = [term for term, _ in pending]

    def _alternatives(self, word: str) -> list[str]:
        """A word and what stands for it as one literal."""
        return list(dict.fromkeys([word, *self.spellings.get(word, []),
                                   *self.asked.plain(word)]))

    def _word_options(self, word: str) -> list[list[list[str]]]:
        """How a word is present: one of its alternatives, or all the words
        of a slogan it stands for."""
        return [[self._alternatives(word)],
                *([[p] for p in parts] for parts in self.asked.compounds(word))]

    def _related(self, word: str) -> list[str]:
        """Its alternatives and the words of what it stands for: scored and marked."""
        return [*self._alternatives(word), *(p for parts in self.asked.compounds(word)
                                              for p in parts)]

    def _units_of(self, term: Term) -> list[tuple[str, list[str]]]:
        """A term's words with their search-mode sub-words, segmented once;
        a number (12.8%, 二〇二三, 121万亿) is one word, its other spellings
        its alternatives."""
        found = self._segmented.get(id(term))
        if found is None:
            found = self._segmented[id(term)] = term_units(term.raw, self.user_dict,
                                                           self.spellings)
        return found

    def _term_words(self, term: Term) -> list[tuple[str, list[str]]]:
        """A term's content words with their search-mode sub-words. A quoted
        phrase has them too: it is a strong preference (paragraphs that
        hold it as typed come first), not a filter, unless typed +"…"."""
        if term.exact and term.required:
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
        options = self.asked.typed_options(term)
        words = self._term_words(term)
        if words:
            options.append([self._alternatives(w) for w, _ in words])
        return options

    def _add_words(self, term: Term) -> None:
        words = self.asked.words
        for word, subs in self._term_words(term):
            for w in [*self._related(word), *subs]:
                words.setdefault(w, None)
            self.asked.subwords.update(dict.fromkeys(subs))
        if not term.exact:  # what stands for the whole term (not its spellings:
            # the literal itself does not score either)
            for s in [*self.asked.plain(term.literal),
                      *(p for parts in self.asked.compounds(term.literal) for p in parts)]:
                words.setdefault(s, None)
        if term.exact or (term.required and not self._term_words(term)):
            words.update(dict.fromkeys(self.asked.as_typed(term)))

    def _add_marks(self, term: Term) -> None:
        literals = self.asked.as_typed(term) + self.asked.plain(term.literal)
        words = [w for word, subs in self._term_words(term)
                 for w in (*self._related(word), *subs)]
        if not term.exact:
            words += [p for parts in self.asked.compounds(term.literal) for p in parts]
        self.asked.marks.append((list(dict.fromkeys(literals)), list(dict.fromkeys(words))))

    def _add_clause(self, clause: list[Term], pending: list[tuple[Term, Unit]]) -> None:
        units = self.asked.units
        for term in clause:
            self._add_words(term)
            # marked whenever it finds paragraphs; question words only when
            # nothing else is asked (see __init__)
            if len(clause) > 1 or term.exact or term.required or self._term_words(term) or \
                    not self._asks(term):
                self._add_marks(term)
        if len(clause) > 1:  # an OR: one unit, present with any alternative
            options = [o for t in clause for o in self._term_options(t)]
            units.append(Unit(" OR ".join(t.raw for t in clause), Condition.of(options),
                              required=any(t.required for t in clause)))
            return
        term = clause[0]
        words = self._term_words(term)
        if not words:  # +"quoted", or only question words: the term as typed
            unit = Unit(f'"{term.raw}"' if term.exact else term.raw,
                        Condition.of(self._term_options(term)[:1 if term.exact else None]),
                        required=term.required)
            if unit.required or term.exact or not self._asks(term):
                units.append(unit)
            else:  # 什么, 吗: asked, not searched for, unless nothing else is
                pending.append((term, unit))
            return
        whole = self.asked.typed_options(term)
        if term.exact:
            self.asked.phrases.append((term.raw, self.asked.as_typed(term), Condition.of(
                [[self._alternatives(w) for w, _ in words]])))
        for word, _ in words:
            options = self._word_options(word)
            if len(words) > 1:
                options += whole  # the term's synonym stands for all its words
            units.append(Unit(word, Condition.of(options), required=term.required))
