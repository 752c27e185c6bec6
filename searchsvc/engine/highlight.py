"""Marking matches and cutting snippets, as offsets into the original text.

Matches are found on the same flat, normalized text that matching reads
(``condition``; ``analysis.flatten``: 羅湖 matches 罗湖, 罗湖 区 matches
罗湖区) and given as offsets into the original characters
(``match_spans``). A snippet is the best one to three sentence-bounded
fragments of about 160 characters (``fragments``), joined by …; a short
paragraph is shown whole. ``search`` returns those offsets; ``snippet``
puts a text together from them with the marks and plain text of a front
end (the web's HTML, the terminal's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from ..analysis.normalize import flatten
from ..analysis.scripts import CLOSERS, SENTENCE_ENDS
from .condition import occurrences

_ENDS, _CLOSERS = re.escape(SENTENCE_ENDS), re.escape(CLOSERS)
_SENTENCE = re.compile(f"[^{_ENDS}]*(?:[{_ENDS}]+[{_CLOSERS}]*|$)")

SNIPPET_WIDTH = 160
Spans = Sequence[Sequence[int]]  # [start, end) pairs, as tuples or as the API's lists
MAX_FRAGMENTS = 3


def _occurrences(flat: str, literals: Iterable[str]) -> list[tuple[int, int]]:
    return [span for literal in literals for span in occurrences(flat, literal)]


def match_spans(text: str, groups: Iterable[tuple[Iterable[str], Iterable[str]]]
                ) -> list[tuple[int, int]]:
    """Original-text spans of what each term matched, merged.

    ``groups`` is ``[(literals, words), …]`` per term (``units.Asked.marks``):
    the literal occurrences when there are any,
    otherwise the words'. Overlapping and adjacent matches become one span,
    so 粤港澳 + 大湾区 is one mark. Matching is on the flat normalized text;
    spans are original offsets.
    """
    norm = flatten(text)
    raw: list[tuple[int, int]] = []
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


def render(text: str, start: int, end: int, spans: Spans, mark: Callable[[str], str],
           plain: Callable[[str], str]) -> str:
    """``text[start:end]`` with each span passed through ``mark`` and the
    rest through ``plain``."""
    out: list[str] = []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out += (plain(text[pos:s]), mark(text[s:e]))
        pos = e
    out.append(plain(text[pos:end]))
    return "".join(out)


def fragments(text: str, spans: Spans, width: int = SNIPPET_WIDTH,
              max_fragments: int = MAX_FRAGMENTS) -> list[tuple[int, int]]:
    """The best 1-3 sentence-bounded windows of about ``width`` characters."""
    if len(text) <= width * 5 // 4:
        return [(0, len(text))]
    sentences = _sentences(text)

    def marks_in(s: int, e: int) -> int:
        return sum(1 for a, b in spans if a < e and b > s)

    scored = [(marks_in(s, e), s, e) for s, e in sentences]
    if not any(score for score, _, _ in scored):
        return [_window(sentences[0][0], min(len(text), sentences[0][0] + width),
                        text, spans, width)]
    chosen: list[tuple[int, int]] = []
    used = 0
    for score, s, e in sorted(scored, key=lambda x: (-x[0], x[1])):
        if not score or len(chosen) >= max_fragments:
            break
        if chosen and used + (e - s) > width:
            continue
        chosen.append(_window(s, e, text, spans, width))
        used += chosen[-1][1] - chosen[-1][0]
    return sorted(chosen)


def _window(s: int, e: int, text: str, spans: Spans, width: int) -> tuple[int, int]:
    """A sentence cut down to ``width`` around its first mark."""
    if e - s <= width:
        return s, e
    first = next((a for a, b in spans if a >= s and a < e), s)
    start = max(s, min(first - width // 4, e - width))
    return start, min(e, start + width)


def snippet(text: str, frags: Spans, spans: Spans, mark: Callable[[str], str],
            plain: Callable[[str], str]) -> str:
    """The fragments ``frags`` of ``text``, spans marked, joined by … where
    text was left out."""
    parts: list[str] = []
    prev_end = 0
    for s, e in frags:
        if s > prev_end or (s > 0 and not parts):
            parts.append("…")
        parts.append(render(text, s, e, spans, mark, plain))
        prev_end = e
    if prev_end < len(text):
        parts.append("…")
    return "".join(parts)
