"""Hostile and nonsensical input: every answer is 200 or 400 (404 for an
unknown document), in the one error shape, quickly, and never echoes markup.
"""

import time
from urllib.parse import quote

import pytest

from searchsvc.engine import snapshot as snapshots

LONG = "罗" * 100_000
SEARCH_INPUTS = [
    "", " ", "\t\n", "\u3000", LONG, "a" * 1001, "罗" * 1000, "\x00", "罗湖\x00", "\x01\x02\x7f",
    "\u202e罗湖\u202c", "\u200b", "\ufeff罗湖", "😀", "罗湖😀营商环境", "\U0001f468\u200d\U0001f469",
    '"', '"罗湖', '罗湖"', '""', '"""', "(", ")", "((罗湖", "罗湖))", "[", "]", "{}", "[1 TO 5]",
    "{a TO b}", "AND", "OR", "NOT", "AND OR NOT", "罗湖 AND", "OR 罗湖", "NOT NOT", "- -", "-", "+",
    "--罗湖", "++", "*", "?", "罗*", "罗?", "罗湖~", "罗湖~2", "罗湖^", "罗湖^100", "^",
    "title:罗湖", "nosuch:罗湖", "section:", "doc:", "section:\"答卷3\"", ":", "::罗湖",
    "' OR 1=1 --", "'; DROP TABLE p; --", "\" OR \"\"=\"", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${7*7}", "%00", "%s%s%s",
    "../../etc/passwd", "\\x00", "&amp;", "&#x3C;", "罗湖 " * 300, "的" * 1000,
    " OR ".join(["罗湖"] * 200), "-罗湖 " * 200, "ＰＭ２．５", "羅湖", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
PARAMS = [
    "page=0", "page=-1", "page=1.5", "page=abc", "page=", "page=99999999999999999999",
    "page=1001", "page=1e3", "page=%00", "page=1&page=2", "per_page=0", "per_page=-5",
    "per_page=101", "per_page=abc", "per_page=1e2", "per_page=10&per_page=1000",
    "q=%FF%FE", "q=%C0%AF", "q=%E7%BD", "q=a&q=b", "section=%00", "doc=..%2F..%2Fetc",
    "section=" + "x" * 5000, "doc=<script>",
]


def check(r, started):
    assert r.status_code in (200, 400), (r.status_code, r.get_data(as_text=True)[:200])
    assert time.perf_counter() - started < 1.0
    if r.status_code == 400 and r.mimetype == "application/json":
        body = r.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if r.mimetype == "text/html":
        html = r.get_data(as_text=True)
        for markup in ("<script>alert", "<img src=x", "onerror=alert(1)>"):
            assert markup not in html


@pytest.mark.parametrize("query", SEARCH_INPUTS, ids=range(len(SEARCH_INPUTS)))
def test_hostile_queries(client, query):
    for path in ("/api/search?q=", "/api/suggest?q=", "/?q="):
        started = time.perf_counter()
        check(client.get(path + quote(query, safe="")), started)
    started = time.perf_counter()
    r = client.get("/doc/luohu-2019?q=" + quote(query, safe=""))
    check(r, started)


@pytest.mark.parametrize("params", PARAMS)
def test_hostile_parameters(client, params):
    for path in ("/api/search?q=罗湖&", "/api/suggest?q=罗&", "/?q=罗湖&"):
        started = time.perf_counter()
        check(client.get(path + params), started)


@pytest.mark.parametrize("doc_id", [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "luohu-2019%00", "<script>",
    "luohu-2019/../luohu-2019", "a" * 5000, "罗湖", "%ff", "LUOHU-2019", ".", "..",
])
def test_hostile_document_ids(client, doc_id):
    started = time.perf_counter()
    r = client.get("/doc/" + doc_id)
    assert r.status_code in (200, 404), r.status_code
    assert time.perf_counter() - started < 1.0
    assert "<script>" not in r.get_data(as_text=True)
    if r.status_code == 200:
        assert "请回答2019" in r.get_data(as_text=True)


def test_raw_invalid_utf8_in_the_url(client):
    # what a server hands the app for raw bytes: WSGI strings are latin-1
    raw = b"q=\xff\xfe\xe7\xbd".decode("latin-1")
    r = client.get("/api/search", environ_overrides={"QUERY_STRING": raw})
    assert r.status_code == 200  # invalid bytes are searched as their escapes: no such text
    assert r.get_json()["query"] == "%FF%FE%E7%BD" and r.get_json()["total"] == 0
    r = client.get("/", environ_overrides={"QUERY_STRING": raw})
    assert r.status_code == 200
    r = client.get(b"/doc/\xff\xfe".decode("latin-1"))
    assert r.status_code == 404


def test_repeated_parameters_use_a_defined_value(client):
    body = client.get("/api/search?q=木头龙&q=营商环境").get_json()
    assert body["query"] == "木头龙"
    assert client.get("/api/search?q=罗湖&per_page=5&per_page=7").get_json()["per_page"] == 7


def test_the_rebuild_is_not_reachable_over_http(client):
    for path in ("/rebuild", "/api/rebuild", "/admin", "/api/admin/rebuild"):
        for method in ("get", "post", "put", "delete"):
            assert getattr(client, method)(path).status_code in (404, 405)


def test_markup_in_a_document_is_shown_as_text(make_index, tmp_path):
    from searchsvc import create_app

    evil = "标题<b>粗</b>\n正文里有<img src=x onerror=alert(1)>和<script>alert(2)</script>罗湖。"
    _, index_dir, _ = make_index({"evil.txt": evil})
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    for url in ("/?q=罗湖", "/doc/evil?q=罗湖", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert(2)" not in html and "<b>粗" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html or url == "/"
    hit = client.get("/api/search?q=罗湖").get_json()["hits"][0]
    assert "<img" not in hit["snippet"] and "&lt;img" in hit["snippet"]
    assert "<img src=x" in hit["text"]  # the JSON text is the paragraph as written


def test_bad_files_are_named_and_skipped(make_index):
    _, index_dir, report = make_index({
        "good.txt": "标题\n罗湖的内容。",
        "undecodable.txt": b"\xff\xfe\x00\x00\x81",
        "empty.txt": "",
        "huge-line.txt": "标题\n" + "罗" * 100_001,
    })
    skipped = {s.path.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert set(skipped) == {"undecodable.txt", "empty.txt", "huge-line.txt"}
    assert "100,000-character limit" in skipped["huge-line.txt"]
    assert report.documents == 1
    assert snapshots.open_current(index_dir).meta.skipped
