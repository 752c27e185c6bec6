"""One typed search request (#37): made and checked in one place, keying
every cache, read alike from the URL and the command line, and the filter
registry driving every place a filter shows."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from searchsvc import cli, create_app
from searchsvc.engine import facets, params, query
from searchsvc.engine.filters import FILTERS, Filter
from searchsvc.engine.params import BadParameter
from searchsvc.engine.request import SearchRequest

SETTINGS = {"MAX_QUERY_LENGTH": 1000, "MAX_PAGE": 1000, "MAX_PER_PAGE": 100}


def read(args: dict) -> SearchRequest:
    return SearchRequest.read(lambda name: list(args.get(name, [])), SETTINGS)


def test_equal_requests_are_one_key_whatever_their_spelling():
    a = read({"q": [" 营商环境 "], "doc": [" a", "a", ""], "from": ["2019"], "per_page": ["010"]})
    b = SearchRequest.of("营商环境", per_page=10, doc=["a"], date_from="2019年")
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert a.values("doc") == ("a",) and a.dates is not None and a.dates.given == ("2019", "")
    assert a != a.replace(doc=["b"]) and a != a.replace(page=2) and a != a.replace(as_typed=True)
    assert a.replace(date_to="2020") != a  # the range, not its spelling, is the key


def test_every_parameter_is_checked_when_the_request_is_made():
    for bad in ({"sort": ["newest"]}, {"group": ["section"]}, {"page": ["0"]}, {"per_page": ["x"]},
                {"from": ["2021"], "to": ["2019"]}, {"from": ["someday"]}, {"q": ["a\x00"]}):
        with pytest.raises(BadParameter):
            read({"q": ["x"], **bad})
    with pytest.raises(BadParameter):
        SearchRequest.of("x", color=["red"])  # no such filter
    with pytest.raises(BadParameter):
        SearchRequest("x", page=0)


def test_the_shortest_url_of_a_request_reads_back_as_the_same_request():
    asked = SearchRequest.of("营商环境", 3, 20, doc=["a", "b"], source=["新华社"],
                             date_from="2019", sort="date", group="doc", as_typed=True)
    args = asked.args()
    assert "page" in args and args["per_page"] == 20 and args["doc"] == ["a", "b"]
    back = read({k: v if isinstance(v, list) else [str(v)] for k, v in args.items()})
    assert back == asked
    assert SearchRequest.of("x").args() == {"q": "x"}  # the defaults are left out


def test_the_url_and_the_command_line_make_the_same_request(make_index):
    corpus_dir, index_dir, _ = make_index({"a.txt": "甲\n营商环境持续优化。", "b.txt": "乙\n营商环境。"})
    client = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir),
                         "TESTING": True}).test_client()
    api = client.get("/api/search", query_string={"q": "营商环境", "doc": " b"}).get_json()
    out = CliRunner().invoke(cli.main, ["search", "营商环境", "--doc", " b", "--index",
                                        str(index_dir)])
    assert api["total"] == 1 and api["hits"][0]["doc_id"] == "b"
    assert out.exit_code == 0 and out.output.startswith("1 paragraphs") and "b#p1" in out.output


def test_every_place_a_filter_shows_reads_the_registry():
    """Adding a filter is one entry in FILTERS (docs/architecture.md,
    "Adding a filter"): its URL parameter, OpenAPI description, query
    syntax, CLI option and facet come from it."""
    names = [f.name for f in FILTERS]
    assert [p.name for p in params.SEARCH if p.kind == "list"] == names
    assert {p.name: p.description for p in params.SEARCH if p.kind == "list"} == \
        {f.name: f.help for f in FILTERS}
    assert sorted(query.FIELDS) == sorted(names)
    assert {f.name for f in FILTERS if f.column} <= set(facets.FACET_COLUMNS)
    options = {o.name for o in cli.main.commands["search"].params}
    assert set(names) <= options
    assert all(isinstance(f, Filter) and callable(f.keeps) for f in FILTERS)
    assert query.parse_query("source:新华社 营商").filters == {"source": ["新华社"]}
