"""A table's rows as paragraphs: one entry a row, and in a table of
figures each figure beside its column's header, so a search for a row's
label and a year or measure finds the row with its figures
(``营业收入 | 2023年 | 1,234 | 2022年 | 1,100``).

Every reader that meets a table (Markdown and web pages, Word, PDF rows)
hands its rows here, so a table reads the same whatever file it came in.
"""

from __future__ import annotations

import re

_FIGURE = re.compile(r"\d")
# a column's heading may hold a date or period (2023, 2023年, 2023年末, 2023Q1,
# 2023年12月31日), never another figure: a first row of figures is data
_PERIOD = re.compile(r"(?:19|20)\d\d(?:\s*(?:年|Q[1-4]|H[12])|[-/.]\d{1,2})?(?:\s*\d{1,2}\s*[月日]"
                     r"|[年月日末初度季上下半]|第?[一二三四1-4]季度)*")


SEPARATOR = " | "


def _heading_cell(cell: str) -> bool:
    """What a column's heading reads like: short words, or a period (no
    figure left once its periods are taken out)."""
    return len(cell) <= 30 and not _FIGURE.search(_PERIOD.sub("", cell))


def is_figures(header: list[str], rows: list[list[str]]) -> bool:
    """A table of figures under a header: two columns or more, and most
    of its value cells (all but the first column) hold a digit, where
    the header's own value cells hold words (a year, 营业收入, 同比)."""
    if len(header) < 2 or not rows or not all(_heading_cell(cell) for cell in header) \
            or _PERIOD.fullmatch(header[0]):
        return False  # the labels' column is headed by a name (项目, 指标), never a year
    values = [cell for row in rows if len(row) == len(header) for cell in row[1:] if cell]
    return bool(values) and sum(1 for cell in values if _FIGURE.search(cell)) >= 0.6 * len(values)


def row_texts(rows: list[list[str]], header_rows: int = 1) -> list[str]:
    """Each row as one paragraph's text. In a table of figures a value
    goes beside its column's header (the first ``header_rows`` rows,
    joined per column when there are several), and the header is an entry
    of its own too; any other table's rows are their cells joined."""
    rows = [[" ".join(cell.split()) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if header_rows and len(rows) > header_rows:
        heads = rows[:header_rows]
        width = max(len(row) for row in heads)
        header = [" ".join(dict.fromkeys(row[i] for row in heads if i < len(row) and row[i]))
                  for i in range(width)]
        body = rows[header_rows:]
        if is_figures(header, body):
            out = [SEPARATOR.join(cell for cell in header if cell)]
            for row in body:
                if len(row) != len(header):
                    out.append(SEPARATOR.join(cell for cell in row if cell))
                    continue
                cells = [row[0]] if row[0] else []
                for head, value in zip(header[1:], row[1:]):
                    if value:
                        cells += [head, value] if head else [value]
                out.append(SEPARATOR.join(cells))
            return [text for text in out if text]
    return [text for row in rows if (text := SEPARATOR.join(cell for cell in row if cell))]
