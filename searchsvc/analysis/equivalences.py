"""Equivalences a query is searched with: synonyms, abbreviations and
slogans with the words they stand for.

One rule a line, in ``_synonyms.txt`` beside the documents and in the
starting list shipped here (``equivalences.txt``, the reports' common
slogans); ``#`` starts a comment:

- ``大湾区 粤港澳大湾区``: each finds the others (both ways);
- ``个税 => 个人所得税``: the left finds the right, not the other way;
- ``双碳 => 碳达峰+碳中和``: a ``+`` joins words that must all be in the
  paragraph, anywhere (a slogan spelled out).

Read at query time: a change to ``_synonyms.txt`` applies to the next
search, with no rebuild.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from .normalize import flat_text

SYNONYMS_FILE = "_synonyms.txt"  # a corpus's own rules, beside its documents
ONE_WAY = "=>"
AND = "+"


def parse(text: str) -> dict[str, list[str]]:
    """Each word's equivalents, in the order given (a ``+`` member kept
    joined by ``+``); a line that says nothing is skipped."""
    mapping: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        if ONE_WAY in line:
            left, _, right = line.partition(ONE_WAY)
            sources, targets = _members(left), _members(right)
        else:
            sources = targets = _members(line)
        for source in sources:
            if AND in source:
                continue  # a compound only ever stands for a word
            known = mapping.setdefault(source, [])
            known += [t for t in targets if t != source and t not in known]
    return {word: found for word, found in mapping.items() if found}


def _members(text: str) -> list[str]:
    out = []
    for member in text.split():
        parts = [p for p in (flat_text(x) for x in member.split(AND)) if p]
        if parts:
            out.append(AND.join(dict.fromkeys(parts)))
    return list(dict.fromkeys(out))


def groups_text(groups: list[list[str]]) -> str:
    """Synonym groups (as a build records them) as rule lines."""
    return "\n".join(" ".join(group) for group in groups)


@cache
def starting_list() -> dict[str, list[str]]:
    """The shipped list (read once per process, when first searched)."""
    return parse(resources.files(__package__).joinpath("equivalences.txt").read_text("utf-8"))


def merged(*mappings: dict[str, list[str]]) -> dict[str, list[str]]:
    """Several mappings as one: each word's equivalents from every one,
    the later ones' first (the corpus's own rules before the starting list)."""
    out: dict[str, list[str]] = {}
    for mapping in reversed(mappings):
        for word, found in mapping.items():
            known = out.setdefault(word, [])
            known += [f for f in found if f not in known]
    return out


def parts(member: str) -> list[str]:
    """The words of a ``+`` member (one word for a plain one)."""
    return member.split(AND)
