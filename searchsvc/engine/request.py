"""One search, asked: every parameter read and checked in one place.

The page and the JSON API (``SearchRequest.read`` over the URL's
arguments), the command line (the same, over its options) and the
benchmarks and tests (``SearchRequest(query, ...)``) all make one; it is
frozen and hashable, so the result cache, the rendered snippets and the
ETag are keyed on it, never on a copy of its parts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .filters import BY_NAME, FILTERS, DateRange
from .params import GROUPS, PER_PAGE, RELEVANCE, SEARCH, SORTS, BadParameter, date_range, read

Values = tuple[str, ...]


@dataclass(frozen=True)
class SearchRequest:
    """What one search asks: the query, which page, the filters (each a
    tuple of values, any of which keeps a paragraph; ``FILTERS`` names
    them), the date range, the order and the grouping. Made valid or not
    at all (BadParameter); the limits a deployment sets (query length,
    deepest page) are checked where the request is read (``read``)."""

    query: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    filters: tuple[tuple[str, Values], ...] = ()  # (name, values) in FILTERS' order, none empty
    date_from: str = field(default="", compare=False)  # as typed: the page's box keeps it
    date_to: str = field(default="", compare=False)
    sort: str = RELEVANCE
    group: str = ""
    as_typed: bool = False
    dates: DateRange | None = field(default=None, init=False)  # read from date_from/date_to

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadParameter("invalid_sort", f"sort must be one of {', '.join(SORTS)}")
        if self.group not in GROUPS:
            raise BadParameter("invalid_group", "group must be doc or empty")
        if self.page < 1 or self.per_page < 1:
            raise BadParameter("invalid_page", "page and per_page start at 1")
        unknown = [name for name, _ in self.filters if name not in BY_NAME]
        if unknown:
            raise BadParameter("invalid_filter", f"no filter named {unknown[0]!r}")
        given = dict(self.filters)
        filters = tuple((f.name, _values(given.get(f.name, ()))) for f in FILTERS)
        object.__setattr__(self, "query", self.query.strip())
        object.__setattr__(self, "filters", tuple((k, v) for k, v in filters if v))
        object.__setattr__(self, "dates", date_range(self.date_from, self.date_to))

    @classmethod
    def of(cls, query: str = "", page: int = 1, per_page: int = PER_PAGE,
           *, date_from: str = "", date_to: str = "", sort: str = RELEVANCE, group: str = "",
           as_typed: bool = False, **filters: Iterable[str] | None) -> SearchRequest:
        """A request from keyword arguments, a filter's by its name
        (``doc=["a"]``), as the benchmarks and tests ask."""
        return cls(query, page, per_page, tuple((k, tuple(v or ())) for k, v in filters.items()),
                   date_from, date_to, sort, group, as_typed)

    @classmethod
    def read(cls, get: Callable[[str], list[str]], settings: Mapping[str, Any],
             required: bool = True) -> SearchRequest:
        """The request that parameters read through ``get(name)`` (every
        value given for the name: the URL's arguments, the CLI's options)
        ask for, checked against the deployment's limits."""
        p = read(SEARCH, get, settings, required)
        return cls(p["query"], p["page"], p["per_page"],
                   tuple((f.name, tuple(p[f.name])) for f in FILTERS), p["date_from"],
                   p["date_to"], p["sort"], p["group"], p["as_typed"] == "1")

    def values(self, name: str) -> Values:
        """One filter's values (none: the filter is not set)."""
        return dict(self.filters).get(name, ())

    @property
    def filtered(self) -> bool:
        return bool(self.filters) or self.dates is not None

    def replace(self, **changes: Any) -> SearchRequest:
        """The same request with some parameters changed; a filter by its
        name (``doc=[...]``)."""
        named = {k: changes.pop(k) for k in list(changes) if k in BY_NAME}
        if named:
            changes["filters"] = tuple({**dict(self.filters), **{
                k: tuple(v or ()) for k, v in named.items()}}.items())
        return dataclasses.replace(self, **changes)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The request as URL arguments (``changes`` applied: a filter or
        parameter by its URL name), leaving out those at their defaults,
        so each request has one shortest URL."""
        args: dict[str, Any] = {"q": self.query, "page": self.page,
                                **{f.name: list(self.values(f.name)) for f in FILTERS},
                                "from": self.date_from.strip(), "to": self.date_to.strip(),
                                "sort": self.sort if self.sort != SORTS[0] else "",
                                "group": self.group, "as_typed": "1" if self.as_typed else ""}
        if self.per_page != PER_PAGE:
            args["per_page"] = self.per_page
        args.update(changes)
        if args.get("page") == 1:
            args.pop("page")
        return {k: v for k, v in args.items() if v not in (None, "", [])}

    def params(self) -> dict[str, Any]:
        """The request as the page's template reads it: each parameter by
        its name in ``params.read``, a filter as a list."""
        return {"query": self.query, "page": self.page, "per_page": self.per_page,
                **{f.name: list(self.values(f.name)) for f in FILTERS},
                "date_from": self.date_from, "date_to": self.date_to, "sort": self.sort,
                "group": self.group, "as_typed": "1" if self.as_typed else ""}


def _values(values: Iterable[str]) -> Values:
    """A filter's values, blanks around each stripped (" a" is the document
    a), empty ones and repeats left out, in the order given."""
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
