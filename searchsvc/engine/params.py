"""What a search may ask: each parameter defined once, checked in one place.

The page, the JSON API and the command line read their parameters through
``read``, and the OpenAPI document describes them from the same
definitions (``web.api``), so a limit cannot differ between them.
Limits that a deployment may change come from the settings
(config.SETTINGS: MAX_QUERY_LENGTH, MAX_PAGE, MAX_PER_PAGE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..dates import parse_date
from .filters import FILTERS, DateRange, earliest, latest

Settings = Mapping[str, Any]  # config.resolve's values: the limits a deployment sets


class BadParameter(Exception):
    """A parameter a person can fix: a 400 with ``code`` in the API, a
    message on the page, a usage error on the command line."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "query", "int", "list" (repeatable), "date" or "choice" (one of ``choices``)
    description: str
    default: int | None = None
    low: int | None = None
    high: int | str | None = None  # a number, or the setting that holds it
    key: str | None = None  # the name in what ``read`` returns, when not ``name``
    choices: tuple[str, ...] = ()  # a "choice"'s values, the first the default

    def limit(self, settings: Settings) -> int:
        high = settings[self.high] if isinstance(self.high, str) else self.high
        if high is None:
            raise ValueError(f"{self.name} has no upper limit")
        return int(high)


PER_PAGE = 10  # results per page when a client does not say
RELEVANCE, DATE = "relevance", "date"
SORTS = (RELEVANCE, DATE)
GROUPS = ("", "doc")
AS_TYPED = ("", "1")
DATE_FORMS = "a year, year-month or year-month-day: 2019, 2019-03, 2019-03-05 (or 2019年3月)"

QUERY = Param("q", "query", "The query (see the README's query language); required unless "
              "a filter is given, when an empty one lists what the filters keep in reading "
              "order.", key="query")
SEARCH = (
    QUERY,
    Param("page", "int", "Results page, from 1.", default=1, low=1, high="MAX_PAGE"),
    Param("per_page", "int", "Results per page.", default=PER_PAGE, low=1, high="MAX_PER_PAGE"),
    *(Param(f.name, "list", f.help) for f in FILTERS),
    Param("from", "date", f"Only documents dated on or after this: {DATE_FORMS}.",
          key="date_from"),
    Param("to", "date", f"Only documents dated on or before this (a year or month: all of it): "
          f"{DATE_FORMS}.", key="date_to"),
    Param("sort", "choice", "relevance (the default) or date: newest documents first, "
          "by relevance within a date.", choices=SORTS),
    Param("group", "choice", "doc: one hit per document (its best), with how many more "
          "it has in `more`; empty (the default): every hit.", choices=GROUPS),
    Param("as_typed", "choice", "1: search the query as typed, never its correction "
          "(see corrected_to); empty (the default): when nothing matches as typed and a "
          "correction does, answer the correction.", choices=AS_TYPED),
)
SUGGEST = (
    QUERY,
    Param("limit", "int", "How many completions at most.", default=8, low=1, high=20),
)


def read(params: Iterable[Param], get: Callable[[str], list[str]], settings: Settings,
         required: bool = True) -> dict[str, Any]:
    """Each of ``params`` read from ``get(name)`` (every value given for
    the name, as ``request.args.getlist``: the first query counts, the
    last number) and checked. ``required``: the query must not be empty.
    A date is checked here and read by ``date_range``. Raises BadParameter."""
    out: dict[str, Any] = {}
    for p in params:
        values = get(p.name)
        value: Any
        if p.kind == "query":
            raw = values[0] if values else ""
            # an empty query is asked for only when no filter is given either
            needed = required and (bool(raw.strip()) or not _filtered(get))
            value = _query(raw, settings["MAX_QUERY_LENGTH"], needed)
        elif p.kind == "int":
            value = _integer(p.name, values, p.default or 0, p.low or 0, p.limit(settings))
        elif p.kind == "date":
            value = _date(p.name, values)
        elif p.kind == "choice":
            value = _choice(p.name, values, p.choices)
        else:
            value = [v.strip() for v in values if v.strip()]  # " a" is the document a
        out[p.key or p.name] = value
    return out


def _query(query: str, limit: int, required: bool) -> str:
    if "\x00" in query:
        raise BadParameter("invalid_query", "the query contains a NUL character")
    if len(query) > limit:
        raise BadParameter("query_too_long",
                           f"the query is {len(query)} characters long; the limit is {limit}")
    if required and not query.strip():
        raise BadParameter("missing_query", "parameter q is required and must not be empty "
                           "unless a filter (section, doc, source, tag, from, to) is given")
    return query.strip()


WHOLE_NUMBER = re.compile(r"\+?([0-9]+)")  # what an integer parameter accepts, blanks stripped
MAX_DIGITS = 18  # more is out of every range; int() would also refuse 4,300 digits


def _integer(name: str, values: list[str], default: int, low: int, high: int) -> int:
    """The last value as a whole number: ASCII digits, an optional leading
    ``+`` and surrounding blanks, nothing else (no sign twice, no ``_``,
    no other script's digits, which ``int`` would take)."""
    if not values or values[-1].strip() == "":
        return default
    raw = values[-1].strip()
    number = WHOLE_NUMBER.fullmatch(raw)
    if number is None:
        raise BadParameter(f"invalid_{name}", f"{name} must be a whole number from {low} to {high}")
    digits = number.group(1).lstrip("0") or "0"
    value = int(digits) if len(digits) <= MAX_DIGITS else None
    if value is None or not low <= value <= high:
        shown = value if value is not None else raw[:MAX_DIGITS] + "…"
        raise BadParameter(f"invalid_{name}", f"{name} must be from {low} to {high}, not {shown}")
    return value


# the parameters that filter: given any of them, an empty query lists what they keep
FILTER_PARAMS = (*(f.name for f in FILTERS), "from", "to")


def _filtered(get: Callable[[str], list[str]]) -> bool:
    return any(v.strip() for f in FILTER_PARAMS for v in get(f))


def read_date(name: str, raw: str) -> str:
    """Parameter ``name``'s date as ISO of its precision ("" when not
    given): what the page, the API, the command line and ``search`` read
    ``from`` and ``to`` with. Raises BadParameter."""
    raw = raw.strip()
    if not raw:
        return ""
    if len(raw) > 40:
        raise BadParameter(f"invalid_{name}", f"{name} must be a date: {DATE_FORMS}")
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise BadParameter(f"invalid_{name}", f"{name} must be a date: {DATE_FORMS} ({exc})"
                           ) from None


def _date(name: str, values: list[str]) -> str:
    """The last value, checked as a date (year, month or day precision)."""
    raw = values[-1].strip() if values else ""
    read_date(name, raw)
    return raw


def _choice(name: str, values: list[str], choices: tuple[str, ...]) -> str:
    raw = values[-1].strip().lower() if values else ""
    if not raw:
        return choices[0]
    if raw not in choices:
        shown = ", ".join(c or "empty" for c in choices)
        raise BadParameter(f"invalid_{name}", f"{name} must be one of {shown}, not {raw[:40]!r}")
    return raw


def date_range(date_from: str, date_to: str) -> DateRange | None:
    """The range ``from``/``to`` ask for (year, month or day; either may
    be empty); None when neither is given. Raises BadParameter naming the
    parameter that cannot be read, or both when from is after to."""
    given = (read_date("from", date_from or ""), read_date("to", date_to or ""))
    bounds = [earliest(given[0]) if given[0] else "", latest(given[1]) if given[1] else ""]
    if not any(bounds):
        return None
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise BadParameter("invalid_date_range",
                           f"from ({date_from.strip()}) is after to ({date_to.strip()})")
    return DateRange(bounds[0], bounds[1], given=given)
