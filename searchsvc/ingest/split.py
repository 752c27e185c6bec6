"""Paragraphs too long to read split at sentence ends.

A paragraph of thousands of characters (a report's run-on section, a
PDF whose breaks were lost, a web page's one block) is one entry a
search can only show a fragment of. Above ``LONGEST`` characters it is
cut into pieces of about equal length at sentence ends (at a clause's
comma inside a sentence that is longer on its own, at the limit only
in text with neither), each piece an entry with its own number; the
pieces after the first are marked as continuing the one before
(``Paragraph.continues``), so the document view shows them as one
paragraph and a citation of any piece still finds its place.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from ..analysis.scripts import CLOSERS, SENTENCE_ENDS
from .model import Paragraph

LONGEST = 600  # characters: a longer paragraph is split for reading
# a sentence's end, with the closing quotes and brackets that follow it
_SENTENCE = re.compile(f"[^{re.escape(SENTENCE_ENDS)}…]*(?:[{re.escape(SENTENCE_ENDS)}]+|…+)"
                       f"[{re.escape(CLOSERS)}]*|[^{re.escape(SENTENCE_ENDS)}…]+$")
_CLAUSE = re.compile(r"[^，,、：:]*[，,、：:]+|[^，,、：:]+$")
_LATIN_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def pieces(text: str, longest: int = LONGEST) -> list[str]:
    """``text`` in pieces of at most ``longest`` characters, cut at
    sentence ends into parts of about equal length (whole when short)."""
    if len(text) <= longest:
        return [text]
    units = _units(text, longest)
    count = math.ceil(len(text) / (longest * 0.9))  # room to cut at a sentence near each share
    target = len(text) / count
    out, current, done = [], "", 0  # done: the characters of the pieces cut so far
    for unit in units:
        # cut before a unit that would overshoot the even share, or the limit
        if current and (len(current) + len(unit) > longest or
                        done + len(current) + len(unit) / 2 > target * (len(out) + 1)):
            out.append(current)
            done += len(current)
            current = ""
        current += unit
    if current:
        out.append(current)
    return [piece for piece in (p.strip() for p in out) if piece]


def _units(text: str, longest: int) -> list[str]:
    """Sentences (Chinese ends, or a Latin full stop before a capital); a
    sentence over ``longest`` in clauses, a clause over it in cuts of
    ``longest`` characters (at a space in Latin text)."""
    sentences = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]
    out = []
    for sentence in sentences:
        parts = [sentence] if len(sentence) <= longest else _LATIN_SENTENCE.split(sentence)
        for part in parts:
            if len(part) <= longest:
                out.append(part)
                continue
            for clause in (m.group(0) for m in _CLAUSE.finditer(part) if m.group(0)):
                while len(clause) > longest:
                    cut = clause.rfind(" ", longest // 2, longest)
                    cut = cut + 1 if cut > 0 else longest
                    out.append(clause[:cut])
                    clause = clause[cut:]
                out.append(clause)
    return out


def split_long(paragraphs: list[Paragraph], reasons: list[str] | None = None,
               longest: int = LONGEST) -> tuple[list[Paragraph], list[str]]:
    """Every paragraph over ``longest`` characters as its pieces, numbered
    on from 1 in order; ``reasons`` (inspect's, one a paragraph) follow."""
    reasons = reasons or [""] * len(paragraphs)
    out: list[Paragraph] = []
    why: list[str] = []
    for paragraph, reason in zip(paragraphs, reasons):
        for k, piece in enumerate(pieces(paragraph.text, longest)):
            out.append(replace(paragraph, number=len(out) + 1, text=piece, continues=k > 0))
            why.append(reason if k == 0 else
                       f"goes on from the paragraph before (split at a sentence end: "
                       f"over {longest} characters)")
    return out, why
