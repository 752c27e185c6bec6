"""Did you mean: a frequent string of the index for a rare or absent one
that differs from it by one character, typed with the same or a nearly
same pinyin (营商坏境 → 营商环境, 政府工做报告 → 政府工作报告).

Chinese typos are mostly homophones an input method offered (工做 for
工作) or a syllable one letter off (坏 huai for 环 huan), so a character
is replaced only by one whose pinyin is within one letter of its own. The
candidates come from the paragraphs themselves: the text around the
character (two characters before it, one or two after) is looked up as a
literal, with the character left open, and the replacements are counted
over the paragraphs that hold that context. A correction must be far more
frequent than what was typed (ten times, and at least once for a
homophone, twice for a near one, so a small corpus is corrected too),
which itself must be rare: a query that finds what it asks for is never
corrected.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from ..analysis.scripts import HAN_CHAR
from ..storage.readings import Readings
from .docsets import LiteralIndex, to_array
from .query import ParsedQuery

# paragraphs a correction must be found in: a homophone once, a
# near-homophone twice (a small corpus has its words a few times) ...
MIN_COUNT = (1, 2)
RATIO = 10  # ... and this many times more than what was typed
MAX_SCAN = 2000  # paragraphs read for one open character
MAX_CORRECTIONS = 2
MAX_SCANS = 8  # context scans for one query: only suspect characters get one
_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
# particles and function characters: the query's glue, never "corrected"
_GLUE = set("的了是在和与及或也都就而之其这那有为以于从对把被吗呢吧啊么什怎哪谁")


class Correction(NamedTuple):
    text: str  # the query corrected
    unseen: bool  # every term it corrects occurs nowhere in the corpus as typed


def did_you_mean(parsed: ParsedQuery, query: str, literals: LiteralIndex,
                 readings: Readings) -> Correction | None:
    """``query`` with its rare or absent words corrected, or None when
    nothing in it needs correcting (or nothing frequent is near it).
    ``readings``: the build's pinyin table (characters' readings).
    ``unseen`` tells a typo (营商坏境, in no paragraph) from a rare word that
    some paragraph outside the filters holds: only the first is safe to
    answer with the correction's results."""
    corrected = query
    changes = 0
    unseen = True
    budget = [MAX_SCANS]
    for term in parsed.positive:
        if term.exact or changes >= MAX_CORRECTIONS:
            continue
        fixed = term.literal
        for run in _HAN_RUN.finditer(term.literal):
            better = _correct_run(run.group(), literals, readings, budget)
            if better is not None:
                fixed = fixed[:run.start()] + better + fixed[run.end():]
                changes += 1
        if fixed != term.literal:
            corrected = _replace(corrected, term.raw, term.literal, fixed)
            unseen = unseen and not literals.containing(term.literal)
    return Correction(corrected, unseen) if corrected != query else None


def _replace(query: str, raw: str, literal: str, fixed: str) -> str:
    """The query with the term's text replaced by its correction: the typed
    text where it reads as the literal, else the literal's own spelling."""
    if raw in query and "".join(raw.split()) == literal:
        return query.replace(raw, fixed, 1)
    if literal in query:
        return query.replace(literal, fixed, 1)
    return query.replace(raw, fixed, 1) if raw in query else query


def _correct_run(run: str, literals: LiteralIndex, readings: Readings,
                 budget: list[int]) -> str | None:
    """The best one-character correction of a run of Chinese characters,
    or None. A character is a suspect when it pairs with none of its
    neighbours in more than two paragraphs (坏 in 营商坏境: 商坏 and 坏境
    are rare; 指 in 是指什么 is not, 是指 is common); each suspect's
    replacements are counted in its context, and the one found most,
    homophones weighing more than near-homophones, wins."""
    best: tuple[float, str] | None = None
    least = min(2, len(run) - 1)  # characters of context around the open one
    for i, ch in enumerate(run):
        pairs = [run[j:j + 2] for j in (i - 1, i) if 0 <= j and j + 2 <= len(run)]
        if ch in _GLUE or any(literals.df(pair) > 2 for pair in pairs):
            continue
        for before, after in ((2, 1), (1, 2), (2, 2), (3, 0), (0, 3), (1, 1), (1, 0), (0, 1)):
            left, right = run[max(0, i - before):i], run[i + 1:i + 1 + after]
            if len(left) + len(right) < least or len(left) < before or len(right) < after:
                continue
            typed = len(literals.containing(left + ch + right))
            if budget[0] <= 0:
                return best[1] if best else None
            budget[0] -= 1
            for replacement, count in _replacements(left, right, literals):
                if count < max(MIN_COUNT[0], RATIO * typed):
                    break
                distance = _pinyin_distance(ch, replacement, readings)
                if count < MIN_COUNT[min(distance, 1)]:
                    continue
                score = count / (1 + 3 * distance)
                if replacement != ch and distance <= 1 and (best is None or score > best[0]):
                    best = (score, run[:i] + replacement + run[i + 1:])
            break  # the widest context the run gives decides
    return best[1] if best else None


def _replacements(left: str, right: str, literals: LiteralIndex) -> list[tuple[str, int]]:
    """Characters found between ``left`` and ``right`` in the paragraphs,
    with how many paragraphs have each, most first (then by character)."""
    docs = literals.containing(left) if left else None
    if right:
        docs = literals.containing(right) if docs is None else docs & literals.containing(right)
    if not docs:
        return []
    # any character, Chinese ones kept after: a class of the CJK ranges
    # costs re 1.6 ms to compile, and every query's pattern is new
    pattern = re.compile(re.escape(left) + "(.)" + re.escape(right))
    counts: Counter[str] = Counter()
    for docnum in to_array(docs)[:MAX_SCAN]:
        counts.update({c for c in pattern.findall(literals.text(int(docnum))) if HAN_CHAR.match(c)})
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _pinyin_distance(a: str, b: str, readings: Readings) -> int:
    """Edit distance between two characters' usual toneless pinyin (their
    other readings would make near-homophones of half the language: 的 di,
    化 huo); far for a character without one."""
    ra, rb = readings.reading(a), readings.reading(b)
    return _edit(ra, rb) if ra and rb else 99


def _edit(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]
