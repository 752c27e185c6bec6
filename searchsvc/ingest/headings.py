"""Headings as sections: a rule set, as data, that tells a heading line
from a paragraph and gives every paragraph its section and heading.

Reports number their headings (一、 （一） 1. 1.1 第一章); a newspaper
page labels its boxes (答卷3, 聚焦) and puts a heading on the next
indented line. Each is a ``Rule``; a corpus may replace the built-in set
with its own ``_headings.txt`` (``parse_rules``). Rules earlier in the
set rank higher: the highest heading open is a paragraph's section (what
the section facet counts), the deepest one under it its heading.

A numbered heading line stays a paragraph (the first of its section, so
its words are found); a label and the heading line after it are taken
out, as the seed's newspaper has always been read. A numbered line is a
heading only when it looks like one (short, no
sentence inside) and its number continues the numbering at its rank (1,
or more than the last one), so a list item (``一、固定资产投资……。``, a
whole paragraph) or a number in text (``1.5 倍行距``) stays a paragraph.
A rule marked ``run-in`` also takes a paragraph that opens with a short
heading sentence (``（一）构建高水平社会主义市场经济体制。坚持……``): the
sentence becomes the heading and the paragraph stays whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..analysis.scripts import SENTENCE_ENDS

MAX_HEADING = 40  # characters: a longer line is a paragraph
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_ENDS)}]")
_LEAD = re.compile(f"^(.{{2,{MAX_HEADING}}}?)[。！？!?；;]")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100}


@dataclass(frozen=True)
class Rule:
    kind: str  # "label": a whole line that names a box, its heading on the next
    #           indented line (a newspaper's); "numbered": a heading line
    pattern: re.Pattern  # matched at the start of the line's normalized text
    run_in: bool = False  # may open a paragraph: its first sentence is the heading


RULES_FILE = "_headings.txt"
CJK_NUMBER = "[一二三四五六七八九十百零〇两]+"
DEFAULT_RULES_TEXT = f"""\
# searchsvc heading rules: one a line, "KIND [run-in] PATTERN", highest rank first.
# KIND is "label" (a whole line that names a section; its heading is the next
# indented line) or "numbered" (a heading line; the group n, when the pattern has
# one, is its number, which must start at 1 or go up). "run-in": a paragraph that
# opens with a short sentence under this numbering takes it as its heading.
label ^(答卷\\d+|聚焦|数读|目标)$
numbered ^第(?P<n>{CJK_NUMBER}|\\d{{1,3}})(?:编|篇|部分)
numbered ^第(?P<n>{CJK_NUMBER}|\\d{{1,3}})章
numbered ^第(?P<n>{CJK_NUMBER}|\\d{{1,3}})节
numbered ^(?P<n>{CJK_NUMBER})[、，,．.]
numbered run-in ^[（(](?P<n>{CJK_NUMBER})[）)]
numbered run-in ^(?P<n>\\d{{1,2}})[、．.](?![\\d.])
numbered ^(?P<n>\\d{{1,2}}(?:\\.\\d{{1,2}})+)(?![\\d.])
numbered run-in ^[（(](?P<n>\\d{{1,2}})[）)]
"""


def parse_rules(text: str) -> tuple[Rule, ...]:
    """Rules from a rules file's text (``DEFAULT_RULES_TEXT`` is one);
    raises ValueError naming the line that cannot be read."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, rest = line.partition(" ")
        run_in = False
        rest = rest.strip()
        if rest.startswith("run-in "):
            run_in, rest = True, rest[len("run-in "):].strip()
        if kind not in ("label", "numbered") or not rest:
            raise ValueError(f"line {number}: expected 'label PATTERN' or "
                             f"'numbered [run-in] PATTERN', not {line!r}")
        try:
            pattern = re.compile(rest)
        except re.error as exc:
            raise ValueError(f"line {number}: {exc}") from None
        rules.append(Rule(kind, pattern, run_in))
    return tuple(rules)


DEFAULT_RULES = parse_rules(DEFAULT_RULES_TEXT)


def number_of(text: str) -> tuple[int, ...] | None:
    """A heading's number as a tuple (十二 -> (12,), 1.2 -> (1, 2)); None
    when it is not one."""
    if re.fullmatch(r"\d+(?:\.\d+)*", text):
        return tuple(int(p) for p in text.split("."))
    total, digit = 0, None
    for c in text:
        if c in _DIGITS:
            digit = _DIGITS[c]
        elif c in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[c]
            digit = None
        else:
            return None
    total += digit or 0
    return (total,) if total else None


def heading_like(line: str) -> bool:
    """Short, and no sentence ends before its last character."""
    return len(line) <= MAX_HEADING and not _SENTENCE_END.search(line[:-1])


class Outline:
    """Reads a document's lines in order and says which are headings;
    ``section`` and ``heading`` are then those of the next paragraph.

    ``base``: a section given from outside (a Markdown heading, through
    ``restart``): the rules' headings go under it, as headings, instead
    of replacing it.
    """

    def __init__(self, rules: tuple[Rule, ...] = DEFAULT_RULES):
        self.rules = rules
        self.base = ""
        self.open: list[tuple[int, str]] = []  # (rank, text) of the headings open
        self.numbers: dict[int, tuple[int, ...]] = {}  # rank -> its last number
        self._expect_heading = False  # after a label: its heading may follow
        self.box_heading = False  # the last heading line was a label's heading

    @property
    def section(self) -> str:
        if self.base:
            return self.base
        return self.open[0][1] if self.open else ""

    @property
    def heading(self) -> str:
        if self.base:
            return self.open[-1][1] if self.open else ""
        return self.open[-1][1] if len(self.open) > 1 else ""

    def restart(self, base: str) -> None:
        """A new section from outside (a Markdown heading): rules start over under it."""
        self.base, self.open, self.numbers = base, [], {}
        self._expect_heading = self.box_heading = False

    def _open(self, rank: int, text: str) -> None:
        self.open = [h for h in self.open if h[0] < rank] + [(rank, text)]
        self.numbers = {r: n for r, n in self.numbers.items() if r <= rank}

    def _continues(self, rank: int, match: re.Match) -> bool:
        """Whether a numbered match's number starts or continues its rank's."""
        if "n" not in match.re.groupindex:
            return True
        number = number_of(match["n"])
        if number is None:
            return False
        last = self.numbers.get(rank)
        if number[-1] == 1 or (last is not None and last[:-1] == number[:-1]
                               and number[-1] > last[-1]):
            self.numbers[rank] = number
            return True
        return False

    def read(self, line: str, key: str, indented: bool = False) -> tuple[bool, str]:
        """One line (``key``: its normalized text, which rules match):
        (taken out of the paragraphs: a label or its heading line; the
        heading a paragraph opens with, when a run-in rule took it, or "").
        A numbered heading line stays a paragraph, the first of its
        section (a search for its words finds it), and ``section`` and
        ``heading`` are then its own."""
        expect, self._expect_heading = self._expect_heading, False
        self.box_heading = False
        for rank, rule in enumerate(self.rules):
            found = rule.pattern.match(key)
            if not found:
                continue
            if rule.kind == "label":
                if found.end() == len(key):
                    self._open(rank, line)
                    self._expect_heading = True
                    return True, ""
                continue
            if heading_like(line):
                if self._continues(rank, found):
                    self._open(rank, line.rstrip("。；;"))
                    return False, ""  # stays a paragraph: its words are found there
                continue
            lead = _LEAD.match(line) if rule.run_in else None
            if lead and self._continues(rank, found):
                self._open(rank, lead.group(1))
                return False, lead.group(1)
        if expect and indented and len(line) <= MAX_HEADING and not _SENTENCE_END.search(line):
            label = self.open[-1] if self.open else (0, "")
            self.open = [label, (len(self.rules), line)]
            self.box_heading = True
            return True, ""
        return False, ""
