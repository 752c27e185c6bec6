"""Every route, every parameter, arbitrary text: 200, 304, 400 or 404, never
a 500, and errors in the one JSON shape on the API.

The routes and their parameters come from the app's URL map and from
searchsvc.params, so a new route or parameter is covered (or this test
fails until it is named here).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.engine.params import QUERY, SEARCH, SUGGEST

# route -> the query parameters it reads (path parameters are filled in below)
ROUTE_PARAMS = {
    "/": SEARCH,
    "/api/search": SEARCH,
    "/api/suggest": SUGGEST,
    "/doc/<doc_id>": (QUERY,),
    "/doc/<doc_id>/file": (),
    "/api/documents": (),
    "/api/openapi.json": (),
    "/healthz": (),
    "/metrics": (),
    "/favicon.ico": (),
}
ALLOWED = {200, 304, 400, 404}

text = st.text(st.characters(codec="utf-8"), max_size=40)
# numbers as people and programs mistype them, beside arbitrary text
numberish = st.one_of(
    text,
    st.from_regex(r"\A[ \t+\-]{0,3}[0-9]{0,25}[ \t.e_,+\-]{0,2}[0-9]{0,3}\Z"),
    st.integers(-10**30, 10**30).map(str),
)


def test_every_route_is_covered(app):
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert rules == set(ROUTE_PARAMS)


def check(response, path, method="GET"):
    assert response.status_code in ALLOWED, (path, response.status_code,
                                             response.get_data(as_text=True)[:300])
    if response.status_code >= 400 and (path.startswith("/api/") or path == "/healthz"):
        assert response.mimetype == "application/json"
        if method == "HEAD":
            return
        body = response.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(sorted(ROUTE_PARAMS)), doc_id=text,
       values=st.lists(st.tuples(st.integers(0, 4), numberish), max_size=6),
       method=st.sampled_from(["GET", "HEAD"]))
def test_arbitrary_parameters_never_fail(client, route, doc_id, values, method):
    params = ROUTE_PARAMS[route]
    path = route.replace("<doc_id>", quote(doc_id or "x", safe=""))
    pairs = [(params[i % len(params)].name, v) for i, v in values] if params else \
        [("q", v) for _, v in values]  # routes without parameters ignore them
    query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs)
    response = client.open(path + ("?" + query if query else ""), method=method)
    check(response, path, method)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(["/", "/api/search", "/api/suggest"]), raw=st.binary(max_size=60))
def test_raw_query_strings_never_fail(client, route, raw):
    """Bytes as a client may send them: unencoded, invalid UTF-8, stray % and &."""
    # WSGI hands the app the raw bytes as a latin-1 string
    check(client.get(route, environ_overrides={"QUERY_STRING": raw.decode("latin-1")}), route)


# %2B is "+" (a bare + in a query string is a space, and " 1" is a fine 1)
@pytest.mark.parametrize("path", ["/?q=罗湖&page=%2B%2B1", "/api/search?q=罗湖&page=%2B%2B1",
                                  "/api/search?q=罗湖&per_page=%2B%2B5",
                                  "/api/suggest?q=罗&limit=%2B%2B1", "/api/search?q=罗湖&page=%2B-1",
                                  "/api/search?q=罗湖&page=1_0", "/api/search?q=罗湖&page=%D9%A3",
                                  "/api/search?q=罗湖&page=" + "9" * 5000])
def test_numbers_with_what_int_would_take_are_refused(client, path):
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code == 400
        assert response.get_json()["error"]["code"].startswith("invalid_")
    else:  # the page keeps its form and says what is wrong
        assert response.status_code == 200
        assert "页码“++1”无效：应为 1 到" in response.get_data(as_text=True)


@pytest.mark.parametrize("value,expected", [("+2", 2), (" 2 ", 2), ("\t+2\t", 2), ("002", 2)])
def test_what_the_parser_documents_is_accepted(client, value, expected):
    response = client.get("/api/search", query_string={"q": "罗湖", "page": value, "per_page": "1"})
    assert response.status_code == 200 and response.get_json()["page"] == expected


@pytest.mark.parametrize("path", ["/doc/%2F0", "/doc//0", "/doc/a%2Fb", "//api/search?q=x"])
def test_a_slash_in_a_path_parameter_is_not_redirected(client, path):
    """Werkzeug merges doubled slashes with a 308 to a path the client did
    not ask for; a document id with a slash is simply not found."""
    check(client.get(path), path)
