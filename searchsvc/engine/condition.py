"""What "a paragraph contains X" means, once, for finding and for checking.

X is a literal: normalized text without white space
(``analysis.flat_text``). A paragraph contains X when X occurs in the
paragraph's flat text, the string the build stored for it
(``storage.texts``) and the one highlighting finds X in
(``analysis.flatten``, whose offsets lead back to the original). So any
string that occurs in a paragraph finds it, whatever jieba made of
either, and what is marked is what matched.

A ``Condition`` combines literals the way a query needs them: it holds
when any of its options holds, and an option when each of its groups has
one of its literals (an OR of ANDs of ORs: a word or its synonyms, a
term's words apart, an OR of terms). The same condition finds its
paragraphs through the character index (``docs``), checks one paragraph
(``holds``), and narrows a set either way, whichever is cheaper
(``within``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from pyroaring import FrozenBitMap

from ..storage.grams import EMPTY
from .docsets import LiteralIndex, docset, union

VERIFY_AT = 256  # with this few paragraphs left, check them on their texts


def occurrences(flat: str, literal: str) -> list[tuple[int, int]]:
    """Where ``literal`` occurs in a flat text, overlaps included (what
    highlighting marks)."""
    found = []
    i = flat.find(literal) if literal else -1
    while i != -1:
        found.append((i, i + len(literal)))
        i = flat.find(literal, i + 1)
    return found


@dataclass(frozen=True)
class Condition:
    options: tuple[tuple[tuple[str, ...], ...], ...]

    @classmethod
    def of(cls, options: Iterable[Iterable[Iterable[str]]]) -> Condition:
        """From lists: [[[literal, ...] per group] per option]."""
        return cls(tuple(tuple(tuple(group) for group in option) for option in options))

    @classmethod
    def any_of(cls, literals: Iterable[str]) -> Condition:
        """Holds when one of ``literals`` occurs."""
        return cls(((tuple(literals),),))

    @property
    def first(self) -> str:
        """The literal it is named by: the first option's first literal."""
        return self.options[0][0][0]

    @property
    def is_word(self) -> bool:
        """One group in its first option: a word (with its synonyms), not
        several words that may stand apart."""
        return len(self.options[0]) == 1

    def holds(self, text: str) -> bool:
        """Whether it holds for one paragraph's flat text."""
        return any(all(any(lit in text for lit in group) for group in option)
                   for option in self.options)

    def holds_at(self, literals: LiteralIndex, docnum: int) -> bool:
        """``holds`` for a stored paragraph (its text copied once: cheaper
        than a bounded search per literal)."""
        return self.holds(literals.text(docnum))

    def found_in(self, literals: LiteralIndex) -> FrozenBitMap:
        """Every paragraph it holds for."""
        return union(reduce(FrozenBitMap.intersection,
                            (union(literals.containing(x) for x in group) for group in option))
                     for option in self.options)

    def within(self, docs: FrozenBitMap, literals: LiteralIndex) -> FrozenBitMap:
        """Those of ``docs`` it holds for: checked on their texts when few,
        intersected with ``found_in(literals)`` otherwise."""
        if not docs:
            return EMPTY
        if len(docs) <= VERIFY_AT:
            return docset(d for d in docs if self.holds_at(literals, d))
        return docs & self.found_in(literals)

    def outside(self, docs: FrozenBitMap, literals: LiteralIndex) -> FrozenBitMap:
        """Those of ``docs`` it does not hold for."""
        if not docs:
            return EMPTY
        if len(docs) <= VERIFY_AT:
            return docset(d for d in docs if not self.holds_at(literals, d))
        return docs - self.found_in(literals)
