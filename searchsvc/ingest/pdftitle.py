"""Which lines of a PDF's first page are its title, told by type.

A Word export or a printed page often carries a file name or nothing as
its metadata title, so the page itself is read first: the largest type
that stands at the top, else a bold first line. What a title is not: a
masthead (GB/T 9704's 发文机关标志 "…文件", a bulletin's name over its
issue number), a heading that body text runs before, a paragraph set
large.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pdfline import Line

MAX_LINES = 6  # a long title set large wraps to five or six lines
MAX_CHARS = 150
# a document number or an issue number under a masthead
_NUMBER = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号|第\s*[\d一二三四五六七八九十]+\s*期")
_SENTENCE = re.compile(r"[。！？；!?;]$")
_LABEL = re.compile(r"^附\s*件\s*\d*$")  # 附件1 stands over a title, it is not one


def title_lines(lines: list[Line], body: float) -> list[int]:
    """Indexes of the title's lines in ``lines`` (the document's lines in
    reading order, ``body`` their body type size), or none when the first
    page does not show one."""
    if not lines:
        return []
    first = [i for i, line in enumerate(lines) if line.page == lines[0].page]
    masthead: list[int] = []
    sizes = sorted({round(lines[i].type_size * 2) / 2 for i in first}, reverse=True)
    for size in [s for s in sizes if s > body * 1.15][:3]:
        run = _first_run(lines, [i for i in first if abs(lines[i].type_size - size) < 0.5])
        if _prose_before(lines, first, run[0], body) > 2 or not _fits(lines, run):
            break
        if not _is_masthead(lines, first, run):
            return run if not masthead or run[0] > masthead[-1] else masthead
        masthead = masthead or run  # the title is in the next size down, under it
    bold = _bold_first_line(lines, first, body)
    return bold or masthead


def _first_run(lines: list[Line], at: list[int]) -> list[int]:
    """The first of these lines and those right under it, one after another."""
    run = at[:1]
    for i in at[1:]:
        if i != run[-1] + 1 or lines[run[-1]].bottom - lines[i].top > lines[i].type_size * 0.8:
            break
        run.append(i)
    return run


def _fits(lines: list[Line], run: list[int]) -> bool:
    text = "".join(lines[i].text for i in run).strip()
    return 2 <= len(text) <= MAX_CHARS and len(run) <= MAX_LINES and not _SENTENCE.search(text)


def _prose_before(lines: list[Line], first: list[int], start: int, body: float) -> int:
    """Lines of running text before ``start``: a sentence's end or a line
    near the page's full measure, not the short labels (内部资料, 第12期,
    a date) a cover carries over its title."""
    measure = max((lines[i].right - lines[i].left for i in first), default=0.0)
    return sum(1 for i in first if i < start and lines[i].type_size >= body * 0.95
               and (lines[i].right - lines[i].left >= measure * 0.6
                    or _SENTENCE.search(lines[i].text.strip())))


def _is_masthead(lines: list[Line], first: list[int], run: list[int]) -> bool:
    text = "".join(lines[i].text for i in run).strip()
    after = [lines[i].text for i in first if i > run[-1]][:2]
    return text.endswith("文件") or any(_NUMBER.search(t) for t in after)


def _bold_first_line(lines: list[Line], first: list[int], body: float) -> list[int]:
    """The first page's first line when it alone is bold in a body that is
    not, short and not a sentence: a title set in the body's size."""
    body_bold = sum(len(lines[i].text) for i in first if lines[i].bold) \
        > sum(len(lines[i].text) for i in first) / 2
    start = next((i for i in first if not _LABEL.match(lines[i].text.strip())), None)
    if start is None or body_bold:
        return []
    line = lines[start]
    text = line.text.strip()
    following = start + 1 < len(lines) and lines[start + 1].bold
    if line.bold and not following and line.type_size >= body * 0.95 \
            and 2 <= len(text) <= 60 and not re.search(r"[，,、；;。：:]$", text):
        return [start]
    return []
