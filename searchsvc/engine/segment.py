"""A typed term's words: jieba's, read the way the query means them.

jieba segments a query as it segments prose, and a query is not prose:

- a number split in pieces (百分之十五 / 点 / 七, 402 / 亿元) becomes one
  word, whose other spellings (``analysis.numbers``) are its alternatives;
- a question word is cut from what jieba glued it to (哪省 → 哪 省, 最多少
  at the end → 最 多少) or made whole where jieba split it (哪 一 宗派 →
  哪一 宗派), so it is dropped as a question word instead of becoming a
  unit no paragraph holds (哪省) or a character that matches everywhere (一).

A number or question word inside a dictionary word stays in it
(四个现代化, 几乎, 哪怕, 任何).
"""

from __future__ import annotations

import re

from ..analysis.normalize import normalize_text
from ..analysis.numbers import NUMERIC, numbers
from ..analysis.words import QUESTION_WORDS, known_word, unit_spans

Span = tuple[str, list[str], int, int]  # word, search-mode sub-words, start, end
_QUESTIONS = re.compile("|".join(sorted(map(re.escape, QUESTION_WORDS), key=len, reverse=True)))
_END = re.compile(r"[\s\W]*$")


def term_units(raw: str, user_dict: str | None,
               spellings: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """The distinct words of a term with their search-mode sub-words, in
    order; each number made one word has its other spellings added to
    ``spellings``."""
    text = normalize_text(raw)
    found = [(n, others) for n in numbers(text) if (others := n.value_spellings())]  # 四个 stays a word
    pieces = [(n.start, n.start + len(n.value)) for n, _ in found]  # its measure word: jieba's
    questions = _questions(text)
    spans = _cut(text, pieces, questions, user_dict)
    at: dict[int, str] = {}  # a piece's first word → the piece
    inside: set[int] = set()  # its other words
    for k, (start, end) in enumerate(pieces + questions):
        within = [i for i, (_, _, a, b) in enumerate(spans) if a < end and b > start]
        if not within or _crossing(spans, start, end) or within[0] in at:
            continue  # inside a longer word (四个现代化, 几乎)
        piece = "".join(text[start:end].split())
        at[within[0]] = piece
        inside.update(within[1:])
        if k < len(found):
            spellings.setdefault(piece, found[k][1])
    units: dict[str, list[str]] = {}
    for i, (word, subs, _, _) in enumerate(spans):
        if i in at:
            units.setdefault(at[i], [])
        elif i not in inside:
            known = units.setdefault(word, [])
            known.extend(w for w in dict.fromkeys(subs) if w not in known)
    return list(units.items())


def _questions(text: str) -> list[tuple[int, int]]:
    """Where the text asks (哪一, 多少), as (start, end)."""
    return [m.span() for m in _QUESTIONS.finditer(text)]


def _crossing(spans: list[Span], start: int, end: int) -> list[str]:
    """The words that run across an edge of ``[start, end)``."""
    return [w for w, _, a, b in spans if a < end and b > start and (a < start or b > end)]


def _cut(text: str, pieces: list[tuple[int, int]], questions: list[tuple[int, int]],
         user_dict: str | None) -> list[Span]:
    """jieba's words of ``text``, cut at the edges of a number where a word
    across one is only more of the number (亿元 after 402, 一百二十一万
    before 亿元), and of a question word where the word across it is not in
    the dictionary (哪省) or the question ends the text (最多少): the text
    on each side is segmented on its own."""
    spans = unit_spans(text, user_dict)
    edges: set[int] = set()
    for start, end in pieces:
        crossing = _crossing(spans, start, end)
        if crossing and all(set(w) <= NUMERIC for w in crossing):
            edges.update((start, end))
    for start, end in questions:
        crossing = _crossing(spans, start, end)
        if crossing and (not all(known_word(w, user_dict) for w in crossing) or
                         (end - start > 1 and _END.fullmatch(text, end))):
            edges.update((start, end))
    if not edges:
        return spans
    out: list[Span] = []
    bounds = [0, *sorted(edges), len(text)]
    for a, b in zip(bounds, bounds[1:]):
        out += [(w, subs, a + s, a + e) for w, subs, s, e in unit_spans(text[a:b], user_dict)]
    return out
