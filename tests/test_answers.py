"""API answers kept as the bytes sent (web.answers): the same answer each
time but for its took_ms, with its ETag, held once per worker."""

import json

import pytest

from searchsvc import create_app
from searchsvc.web import answers, builds, render
from searchsvc.web.answers import Answer


def _without_took(body: bytes) -> dict:
    data = json.loads(body)
    assert isinstance(data.pop("took_ms"), float)
    return data


def test_a_repeated_search_is_the_same_answer_with_its_own_time(seed_dirs, access_lines):
    lines = access_lines
    corpus_dir, index_dir = seed_dirs
    app = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    asks = ["/api/search?q=营商环境", "/api/search?q=营商环境&group=doc",
            "/api/search?q=罗湖 改革&per_page=3&page=2", "/api/search?q=没有这个词zzqx"]
    first = [client.get(a) for a in asks]
    again = [client.get(a) for a in asks]
    for a, b in zip(first, again):
        assert a.status_code == b.status_code == 200
        assert _without_took(a.data) == _without_took(b.data)
        assert a.headers["ETag"] == b.headers["ETag"]
        assert a.headers["X-Index-Version"] == b.headers["X-Index-Version"]
        assert b.headers["Content-Type"] == "application/json"
    assert [line["cached"] for line in lines] == [False] * 4 + [True] * 4
    assert [line["hits"] for line in lines[:4]] == [line["hits"] for line in lines[4:]]
    assert lines[3]["hits"] == 0
    # the kept answer still revalidates
    tag = again[0].headers["ETag"]
    assert client.get(asks[0], headers={"If-None-Match": tag}).status_code == 304


def test_a_query_that_names_took_ms_does_not_move_it(seed_dirs):
    corpus_dir, index_dir = seed_dirs
    client = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir)}).test_client()
    for q in ['营商 ,"took_ms":9}', '"took_ms":1.5,', "took_ms"]:
        bodies = [client.get("/api/search", query_string={"q": q}).data for _ in range(2)]
        for body in bodies:
            data = json.loads(body)
            assert data["query"] == q and isinstance(data["took_ms"], float)
        assert _without_took(bodies[0]) == _without_took(bodies[1])


def test_api_answers_are_held_once(seed_dirs):
    """An API answer is kept as bytes only: not also as the engine's
    result and the page's rendered snippets. The page keeps those."""
    corpus_dir, index_dir = seed_dirs
    app = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    for q in ("营商环境", "罗湖", "改革 创新"):
        client.get("/api/search", query_string={"q": q})
        client.get("/api/search", query_string={"q": q})
    with builds.using(app) as snap:
        assert len(snap.results) == 0
        assert len(app.extensions[render.EXTENSION]) == 0
        assert len(answers.cache(app)) == 3
        client.get("/?q=营商环境")
        assert len(snap.results) == 1 and len(app.extensions[render.EXTENSION]) == 1
    assert len(answers.cache(app)) == 3


def test_the_kept_answer_writes_the_time_it_is_given():
    body = json.dumps({"query": "q", "total": 3, "took_ms": 12.34, "hits": []}).replace(" ", "")
    kept = Answer.of(body.encode(), "tag", 3)
    assert json.loads(kept.body(0.5)) == {"query": "q", "total": 3, "took_ms": 0.5, "hits": []}
    assert json.loads(kept.body(1234.567))["took_ms"] == 1234.57
    assert len(kept.packed) < len(body) + 20 and kept.etag == "tag" and kept.hits == 3
    last = Answer.of(b'{"query":"q","took_ms":7}', "t", 0)  # the last key: ends at }
    assert json.loads(last.body(2.0)) == {"query": "q", "took_ms": 2.0}
    none = Answer.of(b'{"query":"q"}', "t", 0)  # no took_ms: the body as it was
    assert none.body(2.0) == b'{"query":"q"}'


@pytest.mark.parametrize("root", ["", "/搜索 app"])
def test_a_hit_s_link_is_the_url_flask_would_build(seed_dirs, root):
    """Links are made with one url_for per page of hits; each is the URL
    url_for builds for that hit, whatever the id, the query and the
    script root hold."""
    from flask import url_for

    corpus_dir, index_dir = seed_dirs
    app = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir)})
    ids = ["plain", "2023/gwr", "a b", "罗湖 2019", "x%2Fy", "q?x=1#f", "'!$&()*+,;=@:~", "%00"]
    queries = ["", "营商环境", "a&b=c #x", "\"罗湖\" -改革", "100%"]
    with app.test_request_context("/", base_url=f"http://localhost{root}"):
        for q in queries:
            link = render.links(q)
            for doc_id in ids:
                args = {"q": q} if q else {}
                assert link(doc_id, 7) == url_for("web.document", doc_id=doc_id, _anchor="p7", **args)

