"""The query language, read forgivingly: nothing a user types is an error.

Words are ranked by how much of the query a paragraph covers, ``+word``
requires one, ``OR`` joins alternatives, ``-word``/``NOT word`` exclude,
``"…"`` is a phrase preferred as typed (paragraphs that hold it exactly
come first, then those with its words), ``+"…"`` requires it,
``section:``, ``doc:``, ``source:`` and ``tag:`` filter; unknown syntax
is literal text.

Chinese quotation marks (“…”, 「…」, 『…』) are the phrase operator too
when they quote part of the query (关于“双区驱动”的报道, “新质生产力”是指什么);
around the whole query (a pasted quotation) they are text, and the words
inside are searched as if unquoted. A quotation mark with no closing one
is text, part of the word it touches (-“ excludes the character).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from ..analysis.normalize import flat_text
from .filters import FILTERS

FIELDS = {f.name: f.name for f in FILTERS}  # what may be typed as name:value
# A word runs to a space or to a quotation mark that has its closing mark
# later on; an opening mark with none is a character of the word.
_WORD = r'(?:[^\s“「『"]|“(?![^”]*”)|「(?![^」]*」)|『(?![^』]*』)|"(?![^"]*"))+'
_SYNTAX = re.compile(r'(?P<field>[A-Za-z_]+):"(?P<fvalue>[^"]*)"'
                     r'|(?P<sign>[-+]?)(?:"(?P<phrase>[^"]*)"'
                     r"|“(?P<cjk1>[^”]*)”|「(?P<cjk2>[^」]*)」|『(?P<cjk3>[^』]*)』)"
                     rf"|(?P<word>{_WORD})")
_WRAPPED = re.compile(r"^\s*(?:“([^“”]*)”|「([^「」]*)」|『([^『』]*)』)\s*$")
_FIELD_NAME = re.compile(r"^[A-Za-z_]+$")


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


def parse_query(text: str) -> ParsedQuery:
    """Read the query language; anything unrecognised is literal text."""
    text = unicodedata.normalize("NFKC", text)
    if wrapped := _WRAPPED.match(text):  # a quotation pasted whole: its words
        text = next(g for g in wrapped.groups() if g is not None)
    parsed = ParsedQuery()
    negate = join_or = False
    for m in _SYNTAX.finditer(text):
        phrase = next((m[g] for g in ("phrase", "cjk1", "cjk2", "cjk3") if m[g] is not None), None)
        if phrase is not None:
            term = Term(phrase, exact=True, required=m["sign"] == "+")
            negate = negate or m["sign"] == "-"
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
            # -word excludes and +word requires, -2026 and +2019 too; inside
            # a word (2019-2025, 1+1+9) a sign is part of the text.
            required = False
            if raw[:1] in "-+" and len(raw) > 1 and raw[1] not in "-+":
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

