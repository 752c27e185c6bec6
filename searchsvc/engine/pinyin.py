"""Queries typed in pinyin: ``zhengfu gongzuo baogao`` or
``yingshanghuanjing``, typed on a keyboard without an input method.

A run of the query's Latin words that the index finds (almost) nowhere as
Latin, and whose letters cut wholly into readings of the index's words
(its pinyin table, ``storage.readings``), is searched as those words too:
the run becomes one term of the words put together (政府工作报告), or the
Latin as typed. The cut takes the fewest words, then the most frequent
ones: ``yingshanghuanjing`` is 营商 环境, not 营 商 环 境, and ``gongzuo``
is 工作, the reading's most frequent word. A Latin word the paragraphs
hold (GDP, app, PM2.5) is left as it is: letters that are not pinyin do
not cut, and a word found in MIN_LATIN paragraphs is kept Latin.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection

from pyroaring import FrozenBitMap

from ..storage.readings import Readings
from .docsets import LiteralIndex
from .query import ParsedQuery, Term

MIN_LATIN = 3  # paragraphs: a Latin run found in this many is searched as typed only
MAX_KEY = 30  # letters of one word's reading
MAX_LETTERS = 80  # a longer run is not read as pinyin (the cut is quadratic)
_LATIN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")  # xi'an: the apostrophe parts syllables


def interpret(parsed: ParsedQuery, query: str, literals: LiteralIndex, readings: Readings | None,
              quoted: Collection[str] = ()) -> str | None:
    """Replace the pinyin runs of ``parsed`` (in place) by their words, or
    by their words or the Latin; the query as it was read ("罗湖 营商环境"),
    or None when nothing in it reads as pinyin. ``quoted``: phrases typed in
    quotes and relaxed, never read as pinyin (quotes ask for the letters)."""
    if readings is None or not len(readings):
        return None
    runs: list[list[int]] = []
    run: list[int] = []
    for i, clause in enumerate(parsed.clauses):
        term = clause[0]
        if len(clause) == 1 and not term.exact and not term.required and \
                term.raw not in quoted and _LATIN.fullmatch(term.raw):
            run.append(i)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    read: list[tuple[list[Term], str]] = []
    for run in reversed(runs):  # from the end: indices before a run stay valid
        terms = [parsed.clauses[i][0] for i in run]
        latin = _latin_count(terms, literals)
        if latin >= MIN_LATIN:
            continue
        words = _cut("'".join(t.raw.lower() for t in terms), readings)  # a space parts syllables too
        if words is None:
            continue
        chinese = Term("".join(words))
        typed = Term(" ".join(t.raw for t in terms))
        parsed.clauses[run[0]:run[-1] + 1] = [[chinese, typed] if latin else [chinese]]
        read.append((terms, chinese.raw))
    return _rewritten(query, read[::-1]) if read else None


def _latin_count(terms: list[Term], literals: LiteralIndex) -> int:
    """Paragraphs holding every Latin word of the run."""
    docs: FrozenBitMap | None = None
    for term in terms:
        found = literals.containing(term.literal)
        docs = found if docs is None else docs & found
        if not docs:
            return 0
    return len(docs) if docs is not None else 0


def _cut(typed: str, readings: Readings) -> list[str] | None:
    """The index's words whose readings make up the letters of ``typed``
    exactly: the fewest words, then the most frequent; None when they do
    not, or when the cut is mostly single characters (english ``change``:
    长 额). An apostrophe parts syllables, as input methods read it:
    ``xi'an`` is 西安 (xi an), never 先 (xian); so does a space."""
    letters = typed.replace("'", "")
    parted: set[int] = set()  # offsets in ``letters`` where a syllable must end
    for piece in typed.split("'")[:-1]:
        parted.add(len(piece) + max(parted, default=0))
    n = len(letters)
    if not 2 <= n <= MAX_LETTERS or not letters.isascii():
        return None
    best: list[tuple[int, float, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, [])
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_KEY), end):
            before = best[start]
            if before is None:
                continue
            inside = [p - start for p in parted if start < p < end]
            found = [(w, c) for w, c in readings.words(letters[start:end])
                     if not inside or _parted_at(w, end - start, inside, readings)]
            if not found:
                continue
            word, count = found[0]
            count_words, cost, words = before
            candidate = (count_words + 1, cost - math.log(count + 1), words + [word])
            now = best[end]
            if now is None or candidate[:2] < now[:2]:
                best[end] = candidate
    last = best[n]
    if last is None:
        return None
    words = last[2]
    longer = sum(len(w) > 1 for w in words)
    return words if longer and longer >= len(words) - longer else None


def _parted_at(word: str, length: int, offsets: list[int], readings: Readings) -> bool:
    """Whether ``word``'s syllables (its characters' usual readings) end at
    every offset of its ``length`` letters in ``offsets``; True when the
    usual readings are not the word's (还原 is huanyuan, 还 alone hai)."""
    ends, at = set(), 0
    for ch in word:
        at += len(readings.reading(ch) or "")
        ends.add(at)
    return at != length or all(offset in ends for offset in offsets)


def _rewritten(query: str, read: list[tuple[list[Term], str]]) -> str:
    """``query`` with each run's Latin replaced by its words: found as typed
    from left to right, else the runs' words alone."""
    text = unicodedata.normalize("NFKC", query)
    pieces, cursor = [], 0
    for terms, words in read:
        start = text.find(terms[0].raw, cursor)
        end = start
        for term in terms:
            at = text.find(term.raw, end)
            if start < 0 or at < 0:
                return " ".join(w for _, w in read)
            end = at + len(term.raw)
        pieces += [text[cursor:start], words]
        cursor = end
    return "".join(pieces) + text[cursor:]
