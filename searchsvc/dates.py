"""Dates as reports write them, read into ISO 8601 of the precision they
have (a year, a month or a day): shared by the readers, which find them in
files, and the engine, which filters by them. Strings of these forms sort
as the dates do. Digits are ASCII (full-width ones fold to them), as in
every number a search takes."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange

_CHINESE = re.compile(r"(?P<y>[0-9]{4})\s*年(?:\s*(?P<m>[0-9]{1,2})\s*月(?:\s*(?P<d>[0-9]{1,2})\s*[日号])?)?")
_NUMERIC = re.compile(r"(?P<y>[0-9]{4})(?:[-/.](?P<m>[0-9]{1,2})(?:[-/.](?P<d>[0-9]{1,2}))?)?")
_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")


def parse_date(text: str) -> str:
    """``text`` as an ISO date of the precision it has: 2024, 2024-03 or
    2024-03-05, from 2024年3月5日, 2024-3-5, 2024/03/05, 2024.3, 20240305,
    or an ISO timestamp (its date). Raises ValueError naming what is wrong."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        raise ValueError("an empty date")
    found = None
    for pattern in (_CHINESE, _NUMERIC, _COMPACT):
        found = pattern.fullmatch(raw)
        if found:
            break
    if found is None:  # an ISO timestamp: 2024-03-05T10:00:00+08:00
        stamp = re.fullmatch(r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[T ][0-9:.]+(?:Z|[+-][0-9:]+)?", raw)
        if stamp:
            return parse_date(stamp.group(1))
        raise ValueError(f"{text!r} is not a date (year, year-month or year-month-day)")
    year, month, day = int(found["y"]), found["m"], found["d"]
    if not 1 <= year <= 9999:
        raise ValueError(f"{text!r}: no year {year}")
    if month is None:
        return f"{year:04d}"
    month = int(month)
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: no month {month}")
    if day is None:
        return f"{year:04d}-{month:02d}"
    day = int(day)
    if not 1 <= day <= monthrange(year, month)[1]:
        raise ValueError(f"{text!r}: no day {day} in {year:04d}-{month:02d}")
    return f"{year:04d}-{month:02d}-{day:02d}"
