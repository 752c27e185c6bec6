"""A PDF's lines made into what a reader sees: columns found on each
page, lines joined into paragraphs by the geometry of their own column,
headings and the title told by type that stands apart.

pdf.py reads the lines out of pdfium and pdffurniture.py takes out running
heads and page numbers; this module only looks at the lines' text, boxes
and type size, so each rule can be tested on lines made by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

from ..analysis.scripts import CLOSERS, HAN, HAN_CHAR, SENTENCE_ENDS
from . import tables
from .model import Dropped, Parsed, join_lines
from .pdfline import Line
from .pdftitle import title_lines

# a line that ends a sentence, a clause before a list (：) or a Latin sentence
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_ENDS + '：:.' + CLOSERS)}]$")
_CLAUSE_END = re.compile(r"[，,、；;：:（(“‘\-–—/]$")
# what starts a list item or a numbered heading on a new line
_ITEM = re.compile(r"^(?:[•·∗◦‣⁃▪■◆◇●○□►▶✓※]|[\-–—*]\s|[①-⑳]"
                   r"|[（(]\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[）)]|[一二三四五六七八九十]+、|第[一二三四五六七八九十百\d]+[章节条部分篇]"
                   r"|\d{1,2}(?:\.\d{1,2})+\s*\S|\d{1,2}[.、)）]\s*[^\d\s]|[A-Za-z][.)]\s)")
_URLISH = re.compile(r"(?:/|www\.|://)\S*$")  # an address: its hyphens are its own
_HAN_END = re.compile(f"[{HAN}]$")


@dataclass
class _Column:
    left: float  # the margin its lines start at
    right: float  # the edge full lines reach


def body_size(lines: list[Line]) -> float:
    """The body text's type size: the size most characters are set in."""
    sizes = Counter()
    for line in lines:
        sizes[round(line.type_size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def columns(page: list[Line], body: float) -> list[int]:
    """Each line's column on its page: 0, 1… left to right, split where a
    gutter runs down the page (an x range no line but a few wide ones
    cross, with lines on both sides); -1 for a line across the gutter (a
    title, an abstract over both columns)."""
    if len(page) < 4:
        return [0] * len(page)
    lo = min(line.left for line in page)
    hi = max(line.right for line in page)
    step = 2.0
    bins = [0] * (int((hi - lo) / step) + 2)
    for line in page:
        for b in range(int((line.left - lo) / step), int((line.right - lo) / step) + 1):
            bins[b] += 1
    allowed = max(1, len(page) // 8)
    gutters, start = [], None
    for b, n in enumerate(bins + [len(page)]):
        if n <= allowed and b > 0:
            start = b if start is None else start
        elif start is not None:
            if (b - start) * step >= body * 0.9 and b < len(bins):
                gutters.append((lo + start * step, lo + b * step))
            start = None
    cuts = []
    for left, right in gutters:
        before = sum(1 for line in page if line.right <= left + step)
        after = sum(1 for line in page if line.left >= right - step)
        if before >= 2 and after >= 2:
            cuts.append((left, right))
    result = []
    for line in page:
        col = 0
        for left, right in cuts:
            if line.left >= (left + right) / 2:
                col += 1  # starts right of the gutter's middle
            elif line.right > right - step:
                col = -1  # across the gutter into the next column
                break
            # else it ends in the gutter: a full line of the column left of it
        result.append(col)
    return result


def _geometry(lines: list[Line], cols: list[int], body: float) -> dict[int, _Column]:
    """Each column's margin (the leftmost start shared by a good part of
    its lines: a lone line further left is a side label, lines further
    right are indented) and the right edge its full lines reach (the
    same rule from the right: a wide line of code is no edge)."""
    found = {}
    for col in set(cols):
        members = [line for line, c in zip(lines, cols) if c == col]
        lefts = Counter(round(line.left / 2) * 2 for line in members)
        most = max(lefts.values())
        margin = min(x for x, n in lefts.items() if n >= max(min(2, most), most * 0.25))
        rights = Counter(round(line.right / 2) * 2 for line in members)
        most = max(rights.values())
        found[col] = _Column(margin, max(x for x, n in rights.items()
                                         if n >= max(min(2, most), most * 0.25)))
    return found


def _heading(line: Line, body: float, body_bold: bool) -> bool:
    """Set apart by type: larger, or bold where the body is not."""
    return line.type_size > body * 1.15 or (line.bold and not body_bold
                                            and line.type_size >= body * 0.95)


def _heading_like(text: str) -> bool:
    """Short and not a sentence or a clause: what a heading reads like."""
    text = text.strip()
    return 0 < len(text) <= 60 and not re.search(r"[，,、；;。]$", text)


def paragraphs(lines: list[Line]) -> Parsed:
    """Lines joined into paragraphs, each with its page, under headings.

    A new paragraph starts after a gap wider than the lines' own spacing,
    at a line indented from its column's margin (more than the line
    before, unless that one fills its column and stops mid-sentence: a
    hanging indent), at a list item or numbered heading, after a line
    that ends a sentence short of its column's right edge, or after a
    very short line; a line that reaches its column's edge goes on in the
    next line, in the next column or on the next page. Cells side by side
    are a table's row, which ends with its line (``_tables`` then reads
    the rows as a table). Lines in larger or bold type are headings only
    when they also read like one, stand apart and do not fill their
    column mid-sentence; the title is read by pdftitle.title_lines.
    Fragments of formulas (a few characters, no Chinese) join the
    paragraph before them, and those with no letter or digit are left
    out. Each paragraph's reason for starting goes to ``parsed.reasons``,
    what is left out to ``parsed.dropped`` (``searchsvc inspect``)."""
    parsed = Parsed()
    if not lines:
        return parsed
    body = body_size(lines)
    bold_chars = sum(len(line.text) for line in lines if line.bold)
    body_bold = bold_chars > sum(len(line.text) for line in lines) / 2
    cols, geometry = [], {}
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for number, page in by_page.items():
        page_cols = columns(page, body)
        cols += page_cols
        for col, g in _geometry(page, page_cols, body).items():
            geometry[number, col] = g
    spacing = _spacing(lines, cols, body)
    title_at = title_lines(lines, body)
    for i in title_at:
        parsed.title = join_lines(parsed.title, lines[i].text.strip())

    section, text, page, why, start = "", "", 0, "", 0.0
    prev: tuple[Line, _Column, int] | None = None
    prev_heading = False

    def flush():
        nonlocal text
        if text:
            parsed.paragraphs.append((section, text))
            parsed.pages.append(page)
            parsed.reasons.append(why)
        text = ""

    for i, (line, col) in enumerate(zip(lines, cols)):
        if i in title_at:
            flush()
            prev, prev_heading = None, True
            continue
        g = geometry[line.page, col]
        cell = prev is not None and text and not prev_heading and _next_cell(prev, line, col, g)
        reason = "" if cell else (
            "the first line" if prev is None else "the first line after a heading or title"
            if not text else _ends_paragraph(prev, line, col, g, body, spacing))
        if not reason and not cell and text and why == _ROW and line.left <= start + body * 0.5 \
                and not (prev[0].right >= prev[1].right - body * 1.5 and _open(prev[0].text)):
            reason = "a table's next row"  # under the row's first cell; a wrapped cell goes on
        ends = bool(reason)
        if not cell and _heading(line, body, body_bold) and _heading_like(line.text) \
                and (ends or prev_heading) and not _beside(lines, i, cols, g) \
                and not (line.right >= g.right - body * 1.5 and _open(line.text)):  # wraps on
            flush()
            if prev_heading and prev is not None and section and prev[0].page == line.page and \
                    prev[0].bottom - line.top < body * 1.5 and _heading(prev[0], body, body_bold):
                section = join_lines(section, line.text)  # a heading wrapped in two lines
                parsed.sections[-1] = section
            else:
                section = line.text
                parsed.sections.append(section)
            prev, prev_heading = (line, g, col), True
            continue
        if ends or prev_heading:
            flush()
            text, page, start = line.text, line.page, line.left
            why = reason or "the first line after a heading or title"
        elif cell:
            text = f"{text} | {line.text}"  # a table's row: its cells in one paragraph
            why = _ROW
        elif prev[0].hyphen:  # broken at a hyphen: a word's syllables, or a compound kept
            keep = line.text[:1].isupper() or _URLISH.search(text)
            text = text + ("-" if keep else "") + line.text
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha() \
                and line.text[:1].islower():
            text = text[:-1] + line.text  # a word hyphenated at the line's end
        else:
            text = join_lines(text, line.text)
        prev, prev_heading = (line, g, col), False
    flush()
    _fold_fragments(parsed)
    _tables(parsed)
    return parsed


def _ends_paragraph(prev, line: Line, col: int, g: _Column, body: float, spacing: float) -> str:
    """Why ``line`` starts a new paragraph after ``prev`` (line, its
    column, its column number); "" when it goes on in it."""
    last, pg, pcol = prev
    full = last.right >= pg.right - body * 1.5
    if _ITEM.match(line.text):
        return "a list item or numbered heading"
    moved = line.page != last.page or col != pcol  # goes on in a new column or page
    carried = full and _open(last.text)  # stopped mid-sentence at its column's edge
    if moved and line.left - g.left > body * 0.8:
        return "indented at the top of a new column or page"
    if not moved and line.top > last.bottom + body * 0.5:  # beside or above: another block
        return "a block beside or above the line before"
    if not moved and last.bottom - line.top > spacing + body * 0.4:
        return "a gap wider than the lines' spacing"
    indent = line.left - g.left
    if indent < -body * 0.8:  # starts left of its column's margin: a side label, a new block
        return "starts left of its column's margin"
    # indented under a full line that stops mid-sentence: a hanging indent (术语 释义…)
    if not moved and indent > body * 0.8 and line.left > last.left + body * 0.8 \
            and not _ITEM.match(last.text) and not carried:
        return "an indented first line"
    if not full:
        if _SENTENCE_END.search(last.text):
            return "the line before ends a sentence short of the column's edge"
        short = pg.right - last.right
        if _HAN_END.search(last.text) and short > body * 4:
            return "the line before stops well short of the edge"  # Chinese fills its line
        if short > (pg.right - pg.left) * 0.5 and not _CLAUSE_END.search(last.text):
            return "the line before is under half the column's width"
    return ""


def _open(text: str) -> bool:
    """A line that stops inside a sentence: it ends in a Chinese
    character, a word or a clause's mark (，、-), not a sentence's end or
    code's brace."""
    return bool(text) and (text[-1].isalnum() or bool(_CLAUSE_END.search(text)))


def _next_cell(prev, line: Line, col: int, g: _Column) -> bool:
    """``line`` is the next cell of a table's row: on the row of the line
    before, right of it, in the same column, and that line is no side
    label (one ending left of the column's margin, text set right of it)."""
    last, _, pcol = prev
    return line.page == last.page and col == pcol and line.left >= last.right \
        and min(line.top, last.top) - max(line.bottom, last.bottom) > line.height * 0.5 \
        and last.right >= g.left


def _spacing(lines: list[Line], cols: list[int], body: float) -> float:
    """The usual gap between two lines of one paragraph (their leading
    less their height): the median gap between lines that follow each
    other in a column."""
    gaps = [a.bottom - b.top for a, b, ca, cb in zip(lines, lines[1:], cols, cols[1:])
            if a.page == b.page and ca == cb and 0 <= a.bottom - b.top < body * 3]
    return median(gaps) if gaps else body * 0.3


def _beside(lines: list[Line], i: int, cols: list[int], g: _Column) -> bool:
    """A line that shares its row with another line of its column: a
    table's cell, not a heading (a side head left of the column's margin
    is one)."""
    line = lines[i]
    if line.right < g.left:
        return False
    for j in range(max(0, i - 8), min(len(lines), i + 9)):
        other = lines[j]
        if j != i and other.page == line.page and cols[j] == cols[i] and \
                min(line.top, other.top) - max(line.bottom, other.bottom) > line.height * 0.5:
            return True
    return False


def _fold_fragments(parsed: Parsed) -> None:
    """A paragraph of a few characters with no Chinese (a formula's
    piece, a stray symbol) joins the one before it on its page; one with
    no letter or digit is left out."""
    kept, pages, reasons = [], [], []
    for (section, text), page, why in zip(parsed.paragraphs, parsed.pages, parsed.reasons):
        stripped = text.strip()
        if len(stripped) <= 5 and not HAN_CHAR.search(stripped):
            if not any(ch.isalnum() for ch in stripped):
                parsed.dropped.append(Dropped("a fragment with no letter or digit (a formula's "
                                              "symbol, a rule)", stripped, page))
                continue
            if kept and pages[-1] == page and kept[-1][0] == section:
                kept[-1] = (section, kept[-1][1] + " " + stripped)
                continue
        kept.append((section, text))
        pages.append(page)
        reasons.append(why)
    parsed.paragraphs, parsed.pages, parsed.reasons = kept, pages, reasons


_ROW = "a table's row: cells side by side"


def _tables(parsed: Parsed) -> None:
    """Runs of table rows (on one page, under one heading) read as a
    table: in a table of figures each figure goes beside its column's
    header (``tables.row_texts``)."""
    out: list[tuple[int, int]] = []  # (start, end) of each run of rows
    i = 0
    while i < len(parsed.paragraphs):
        j = i
        while j < len(parsed.paragraphs) and parsed.reasons[j] == _ROW \
                and parsed.pages[j] == parsed.pages[i] \
                and parsed.paragraphs[j][0] == parsed.paragraphs[i][0]:
            j += 1
        if j - i >= 2:
            out.append((i, j))
        i = max(j, i + 1)
    for start, end in reversed(out):
        rows = [text.split(tables.SEPARATOR) for _, text in parsed.paragraphs[start:end]]
        texts = tables.row_texts(rows)
        if len(texts) != end - start:
            continue
        section, page = parsed.paragraphs[start][0], parsed.pages[start]
        parsed.paragraphs[start:end] = [(section, text) for text in texts]
        parsed.pages[start:end] = [page] * len(texts)
