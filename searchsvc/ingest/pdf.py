"""PDF files: paragraphs rebuilt from the text layer, each with its page.

pypdfium2 gives each character, its box and its type size; lines come
from pdfium's own line breaks, cleaned of pdfium's markers and control
characters, and pdflayout.py makes them into paragraphs (``read_pdf``).
"""

from __future__ import annotations

import re

from .metadata import plausible_title, split_tags
from .model import Dropped, Parsed, Unreadable
from .pdffurniture import without_furniture
from .pdflayout import Line, paragraphs

GAP = 2.0  # a gap in a line wider than this many character heights splits it
SAMPLE = 6  # characters a line's type size and weight are read from
_SOFT_HYPHEN = "\ufffe"  # pdfium's mark for a hyphen the line break made
# control characters, pdfium's other markers, format and private-use characters
_CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u00ad\\u200b-\\u200f"
                      "\\u2028-\\u202e\\u2060-\\u2064\\ufeff\\ue000-\\uf8ff\\ufff0-\\ufffd\\uffff]")
# the space pdfium reads in a heading's gap after its Chinese number (一、 工作回顾)
_CN = "一二三四五六七八九十"
_AFTER_NUMBER = re.compile(rf"^([{_CN}]{{1,3}}、|[（(][{_CN}\d]{{1,3}}[）)])\s+(?=\S)")
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|semibd|extrabd", re.I)  # a face's name says bold
# a list's bullet or number, a heading's number (一、 （一） 第三章 1.2): stays with its text
_MARKER = re.compile(rf"^(?:[\W\d_]{{1,4}}|[{_CN}]{{1,3}}[、.．]|[（(][{_CN}\d]{{1,3}}[）)]"
                     rf"|第[{_CN}百零〇\d]{{1,4}}[章节条部分篇编]|\d{{1,2}}(?:\.\d{{1,2}})+)$")


def read_pdf(data: bytes) -> Parsed:
    """A PDF's text layer as paragraphs, each with its page (how lines
    become paragraphs: pdflayout.paragraphs). The title is the first
    page's largest type that stands at its top or a bold first line
    (pdftitle.py), else the metadata's title when it reads like
    one (not a file name, a template's placeholder or garbled bytes);
    metadata gives the author, date and keywords."""
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
    dropped: list[Dropped] = []
    parsed = paragraphs(without_furniture(lines, dropped))
    parsed.dropped[:0] = dropped
    if not parsed.title and plausible_title(meta.get("Title") or ""):
        parsed.title = " ".join(meta["Title"].split())
    parsed.author = (meta.get("Author") or "").strip()
    found = re.match(r"D:(\d{4})(\d{2})(\d{2})", meta.get("CreationDate") or "")
    parsed.date = f"{found[1]}-{found[2]}-{found[3]}" if found else ""
    parsed.tags = split_tags(meta.get("Keywords") or "")
    if not parsed.paragraphs:
        raise Unreadable("no text layer (a scanned PDF?)")
    return parsed


def _page_lines(page, number: int) -> list[Line]:
    """The page's lines as pdfium orders its text, with their boxes, type
    size and weight (pdfium's own calls, one buffer for every box)."""
    import ctypes

    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        tp = textpage.raw
        count = textpage.count_chars()
        text = textpage.get_text_range()
        if len(text) != count:  # characters beyond the BMP: a pair of code units each
            text = _code_points([raw.FPDFText_GetUnicode(tp, i) for i in range(count)])
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        at = [ctypes.byref(v) for v in (left, right, bottom, top)]
        charbox = raw.FPDFText_GetCharBox
        lines, current, boxes, where, tallest = [], [], [], [], 0.0
        name = ctypes.create_string_buffer(128)

        def add():
            line = _line(current, boxes, number)
            if line is not None:
                picked = where[:: max(1, len(where) // SAMPLE)][:SAMPLE]
                sizes = sorted([raw.FPDFText_GetFontSize(tp, i) for i in picked])
                line.size = sizes[len(sizes) // 2] if sizes else 0.0
                votes = [v for v in (_bold(tp, i, name) for i in picked) if v is not None]
                line.bold = sum(votes) * 2 > len(votes) > 0
                lines.append(line)

        for i in range(count):
            ch = text[i]
            if ch in "\r\n":
                if ch == "\n" or (i + 1 < count and text[i + 1] != "\n"):
                    add()
                    current, boxes, where = [], [], []
                continue
            if ch and ch != _SOFT_HYPHEN and not ch.isspace():
                charbox(tp, i, *at)
                box = (left.value, bottom.value, right.value, top.value)
                height = box[3] - box[1]
                if boxes and box[0] - boxes[-1][2] > GAP * tallest \
                        and not _MARKER.match("".join(current).strip()):
                    add()  # a wide gap inside pdfium's line: a label beside text, a table's cells
                    current, boxes, where = [], [], []
                if not boxes or height > tallest:
                    tallest = height
                boxes.append(box)
                where.append(i)
            current.append(ch)
        add()
        return lines
    finally:
        textpage.close()
        page.close()


def _bold(tp, i: int, name) -> bool | None:
    """Whether character ``i`` is set in a bold face: by the weight pdfium
    reads from the font, or by the font's name (a bold TrueType face often
    declares a weight near 400); None when the font says nothing (a Type 3
    font, as Chromium embeds CJK faces), so such characters do not vote."""
    import pypdfium2.raw as raw

    weight = raw.FPDFText_GetFontWeight(tp, i)
    if weight >= 600:
        return True
    size = raw.FPDFText_GetFontInfo(tp, i, name, len(name), None)
    font = name.value.decode("latin-1") if size else ""
    if not font and weight <= 0:
        return None
    return bool(_BOLD_NAME.search(font.split("+")[-1]))


def _code_points(units: list[int]) -> list[str]:
    """One string per character index from pdfium's UTF-16 code units: a
    surrogate pair becomes its character at the first index and "" at the
    second, so indexes stay those of the page."""
    chars = [""] * len(units)
    i = 0
    while i < len(units):
        unit = units[i]
        if 0xD800 <= unit < 0xDC00 and i + 1 < len(units) and 0xDC00 <= units[i + 1] < 0xE000:
            chars[i] = chr(0x10000 + ((unit - 0xD800) << 10) + (units[i + 1] - 0xDC00))
            i += 2
            continue
        chars[i] = "" if 0xD800 <= unit < 0xE000 else chr(unit)
        i += 1
    return chars


def _line(chars: list[str], boxes: list, page: int) -> Line | None:
    """A line from its characters: control characters and pdfium's
    markers out; a soft hyphen at its end marks a word going on in the
    next line (pdflayout joins it), one inside the line is a hyphen."""
    text = _AFTER_NUMBER.sub(r"\1", " ".join(_CONTROL.sub("", "".join(chars)).split()))
    hyphen = text.endswith(_SOFT_HYPHEN)
    text = text.rstrip(_SOFT_HYPHEN).replace(_SOFT_HYPHEN, "-")
    if not text or not boxes:
        return None
    return Line(text, page, min(b[0] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes), min(b[1] for b in boxes), hyphen=hyphen)
