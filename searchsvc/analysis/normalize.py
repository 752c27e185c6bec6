"""Normalization: width, case and traditional-to-simplified folding that
maps every span back to offsets in the original text (so highlights mark
the characters the user wrote), and the flat text literal matching reads
(``flat_text``: normalized, no white space; a paragraph contains X when X
occurs in it), with the character index's grams of a literal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .scripts import HAN_CHAR

_NON_SPACE = re.compile(r"\S+")  # str.split()'s idea of white space


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """One character, or one cluster (``_clusters``), width- and case-folded."""
    return unicodedata.normalize("NFKC", ch).casefold()


@lru_cache(maxsize=1)
def _attaching():
    """A pattern of the characters that NFKC may join to the one before: marks
    with a combining class (U+0301), the second halves of canonical
    compositions that are not marks (Hangul vowel and final jamo, some Indic
    vowel signs), and characters whose compatibility form starts with a mark
    (half-width ﾞ, U+FF9E). Text is folded a cluster at a time, a character
    and those that attach to it, so decomposed text (e + U+0301, as some
    PDFs give pinyin) folds as composed text does. Scanned once per process
    (planes 0 and 1 hold every such character)."""
    attach = set(range(0x1160, 0x1200))  # Hangul jungseong and jongseong
    for cp in range(0x20000):
        ch = chr(cp)
        if unicodedata.combining(ch):
            attach.add(cp)
            continue
        decomposition = unicodedata.decomposition(ch)
        if not decomposition:
            continue
        parts = decomposition.split()
        if parts[0].startswith("<"):
            compat = unicodedata.normalize("NFKD", ch)
            if compat and unicodedata.combining(compat[0]):
                attach.add(cp)
        elif len(parts) == 2:
            attach.add(int(parts[1], 16))
    ranges, cps = [], sorted(attach)
    start = prev = cps[0]
    for cp in cps[1:] + [None]:
        if cp is not None and cp == prev + 1:
            prev = cp
            continue
        ranges.append(f"\\U{start:08x}-\\U{prev:08x}" if start != prev else f"\\U{start:08x}")
        if cp is not None:
            start = prev = cp
    return re.compile(f"[{''.join(ranges)}]+")


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character with what attaches to it (``_attaching``)."""
    bounds, last = [], 0
    for m in _attaching().finditer(text):
        if m.start() > last:
            bounds.extend((i, i + 1) for i in range(last, m.start() - 1))
            bounds.append((m.start() - 1, m.end()))
        else:  # marks at the very start: a cluster of their own
            bounds.append((m.start(), m.end()))
        last = m.end()
    bounds.extend((i, i + 1) for i in range(last, len(text)))
    return bounds


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus the map back to the original's offsets.

    ``starts[i]``/``ends[i]`` are the original offsets of normalized char i;
    both are ``None`` when the normalized text has the original's offsets.
    """

    text: str
    starts: tuple | None = None
    ends: tuple | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalized span ``[start, end)``."""
        if self.starts is None or start >= end:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _fold(text: str) -> Normalized:
    if text.isascii():
        return Normalized(text.lower())
    if unicodedata.is_normalized("NFKC", text) and text.casefold() == text:
        return Normalized(text)
    if not _attaching().search(text):  # the common case: a character at a time
        units = [(i, i + 1) for i in range(len(text))]
        pieces = [_fold_char(ch) for ch in text]
    else:  # a cluster folds as its composed character does
        units = _clusters(text)
        pieces = [_fold_char(text[a:b]) for a, b in units]
    folded = "".join(pieces)
    if len(folded) == len(text) and len(units) == len(text):
        return Normalized(folded)
    starts, ends = [], []
    for (a, b), piece in zip(units, pieces):
        starts.extend([a] * len(piece))
        ends.extend([b] * len(piece))
    return Normalized(folded, tuple(starts), tuple(ends))


def _to_simplified(text: str) -> str:
    """Traditional to simplified, keeping the text's length."""
    if not HAN_CHAR.search(text):
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert char by char so offsets hold.
    convert = _t2s().convert
    return "".join(c if len(c := convert(ch)) == 1 else ch for ch in text)


def normalize(text: str) -> Normalized:
    """Width- and case-fold, then map traditional characters to simplified."""
    folded = _fold(text)
    return Normalized(_to_simplified(folded.text), folded.starts, folded.ends)


def normalize_text(text: str) -> str:
    return normalize(text).text


def flat_text(text: str) -> str:
    """Normalized text without white space: what literal matching reads."""
    return "".join(normalize_text(text).split())


def flatten(text: str) -> Normalized:
    """:func:`flat_text` with the map back to ``text``'s offsets.

    This is the one definition of "a paragraph contains X": X occurs in this
    text. Matching reads the same string (stored at build time), and
    highlighting finds X here and marks the original characters, so a word
    broken by a space or a line break (罗湖 区, common in text taken from
    PDFs) is matched and marked alike.
    """
    norm = normalize(text)
    runs = [m.span() for m in _NON_SPACE.finditer(norm.text)]
    if runs == [(0, len(norm.text))] or not norm.text:
        return norm
    keep: list[int] = []
    for a, b in runs:
        keep.extend(range(a, b))
    flat = "".join(norm.text[a:b] for a, b in runs)
    if norm.starts is None:
        return Normalized(flat, tuple(keep), tuple(i + 1 for i in keep))
    return Normalized(flat, tuple(norm.starts[i] for i in keep),
                      tuple(norm.ends[i] for i in keep))


def literal_grams(literal: str) -> list[str]:
    """The character index's grams of a literal string, in order: the
    character itself, or the chain of adjacent pairs (the docsets of a
    longer string are the paragraphs with all of them, checked on the
    text, see docsets.py)."""
    if len(literal) == 1:
        return [literal]
    return [literal[i:i + 2] for i in range(len(literal) - 1)]
