"""PDF files: paragraphs rebuilt from the text layer, each with its page.

pypdfium2 gives each character and its box; lines come from pdfium's own
line breaks, running headers, footers and page numbers are dropped, and
lines are joined into paragraphs by the page's geometry (``read_pdf``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..analysis import CLOSERS, SENTENCE_ENDS
from .metadata import split_tags
from .model import Parsed, Unreadable, join_lines

_PAGE_NUMBER = re.compile(r"^[\s\-–—·|]*(?:第\s*)?\d+(?:\s*(?:/|of|共)\s*\d+)?\s*页?[\s\-–—·|]*$",
                          re.IGNORECASE)
# a line that ends a sentence, a clause before a list (：) or a Latin sentence
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_ENDS + '：:.' + CLOSERS)}]$")
MARGIN = 0.1  # share of the page height where running headers and footers sit


@dataclass
class _Line:
    text: str
    page: int  # from 1
    left: float
    right: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


def read_pdf(data: bytes) -> Parsed:
    """A PDF's text layer as paragraphs, each with its page.

    Lines come from the characters' boxes; running headers and footers
    (lines in the top or bottom tenth of the page that repeat on other
    pages, digits aside) and page numbers are dropped. A new paragraph
    starts after a gap, at an indented line, after a short line or at a
    change of type size; lines of one paragraph are joined without a space
    between Chinese text, with one between Latin words, and a word
    hyphenated at the line's end is joined whole. Lines in larger type
    than the body are the title (the first) and section headings.
    Metadata gives the title, author and date when the text has none.
    """
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable("encrypted PDF (needs a password)") from None
        raise Unreadable(f"damaged PDF ({exc})") from None
    try:
        lines = [line for i in range(len(pdf)) for line in _page_lines(pdf[i], i + 1)]
        meta = pdf.get_metadata_dict()
    except pdfium.PdfiumError as exc:
        raise Unreadable(f"damaged PDF ({exc})") from None
    finally:
        pdf.close()
    if not any(line.text.strip() for line in lines):
        raise Unreadable("no text layer (a scanned PDF?)")
    parsed = _paragraphs(_without_furniture(lines))
    parsed.title = parsed.title or (meta.get("Title") or "").strip()
    parsed.author = (meta.get("Author") or "").strip()
    found = re.match(r"D:(\d{4})(\d{2})(\d{2})", meta.get("CreationDate") or "")
    parsed.date = f"{found[1]}-{found[2]}-{found[3]}" if found else ""
    parsed.tags = split_tags(meta.get("Keywords") or "")
    if not parsed.paragraphs:
        raise Unreadable("no text layer (a scanned PDF?)")
    return parsed


def _page_lines(page, number: int) -> list[_Line]:
    """The page's lines as pdfium orders its text, with their boxes."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range()
        if len(text) != count:  # characters beyond the BMP: one at a time
            text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(count))
        lines, current, boxes = [], [], []
        for i in range(count):
            ch = text[i]
            if ch in "\r\n":
                if ch == "\n" or (i + 1 < count and text[i + 1] != "\n"):
                    _add_line(lines, current, boxes, number)
                    current, boxes = [], []
                continue
            current.append(ch)
            if not ch.isspace():
                boxes.append(textpage.get_charbox(i))
        _add_line(lines, current, boxes, number)
        return lines
    finally:
        textpage.close()
        page.close()


def _add_line(lines: list, chars: list, boxes: list, page: int) -> None:
    text = " ".join("".join(chars).split())
    if text and boxes:
        lines.append(_Line(text, page, min(b[0] for b in boxes), max(b[2] for b in boxes),
                           max(b[3] for b in boxes), min(b[1] for b in boxes)))


def _without_furniture(lines: list[_Line]) -> list[_Line]:
    """Lines that are not page numbers, running headers or footers: a
    line in the top or bottom tenth of the page that recurs, digits aside,
    at the same height on at least half the pages (two of two or three)."""
    if not lines:
        return lines
    top = max(line.top for line in lines)
    bottom = min(line.bottom for line in lines)
    band = (top - bottom) * MARGIN

    def in_margin(line):
        return line.top >= top - band or line.bottom <= bottom + band

    def key(line):
        return re.sub(r"\d+", "#", line.text), round(line.bottom / 4)

    seen: dict[tuple, set[int]] = {}
    for line in lines:
        if in_margin(line):
            seen.setdefault(key(line), set()).add(line.page)
    pages = len({line.page for line in lines})
    repeated = {k for k, on in seen.items() if len(on) >= max(2, (pages + 1) // 2)}
    return [line for line in lines
            if not (in_margin(line) and (_PAGE_NUMBER.match(line.text) or key(line) in repeated))]


def _paragraphs(lines: list[_Line]) -> Parsed:
    parsed = Parsed()
    if not lines:
        return parsed
    heights = sorted(line.height for line in lines)
    body = heights[len(heights) // 2]  # the body text's type size
    lefts = sorted(round(line.left) for line in lines if abs(line.height - body) < body * 0.2)
    left = lefts[len(lefts) // 10] if lefts else min(line.left for line in lines)
    right = max(line.right for line in lines)
    section, previous = "", None
    text, page = "", 0

    def flush():
        nonlocal text
        if text:
            parsed.paragraphs.append((section, text))
            parsed.pages.append(page)
        text = ""

    for line in lines:
        heading = line.height > body * 1.25
        if heading:
            flush()
            if not parsed.title and not parsed.paragraphs and line.page == 1:
                parsed.title = line.text
            elif previous is not None and previous[1] and previous[0].page == line.page and \
                    line.top > previous[0].bottom - body * 1.5:  # a heading wrapped in two lines
                section = join_lines(section, line.text) if section else line.text
                if parsed.sections:
                    parsed.sections[-1] = section
                else:
                    parsed.title = join_lines(parsed.title, line.text)
            else:
                section = line.text
                parsed.sections.append(section)
            previous = (line, True)
            continue
        starts = previous is None or previous[1] or not text or \
            line.left - left > body * 1.2 or \
            (previous[0].right < right - body * 2 and _SENTENCE_END.search(previous[0].text)) or \
            (line.page == previous[0].page and previous[0].bottom - line.top > body * 0.9)
        if starts:
            flush()
            text, page = line.text, line.page
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line.text[:1].islower():
            text = text[:-1] + line.text  # a word hyphenated at the line's end
        else:
            text = join_lines(text, line.text)
        previous = (line, False)
    flush()
    return parsed
