"""End to end through a real gunicorn server on a free port."""

import json
import socket
import urllib.parse

import pytest

from searchsvc.indexer import rebuild as indexer
from searchsvc.web import builds
from tests.conftest import fetch

pytestmark = pytest.mark.server


@pytest.fixture()
def server(tmp_path, seed_text, start_server):
    return start_server(tmp_path, {"luohu-2019.txt": seed_text})


def test_page_api_and_rebuild_through_gunicorn(server):
    base, corpus_dir, index_dir = server
    status, headers, body = fetch(base, "/api/search?q=" + urllib.parse.quote("营商环境"))
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    # no user dictionary here: 营商 + 环境, and paragraphs with only 环境 follow
    assert data["complete"] == 2 and data["hits"][0]["paragraph"] == 10
    assert [h["exact"] for h in data["hits"][:3]] == [True, True, False]
    assert data["hits"][2]["missing"] == ["营商"]

    status, _, html = fetch(base, "/?q=" + urllib.parse.quote("罗湖"))
    assert status == 200 and "<mark>罗湖</mark>" in html and 'rel="next"' in html

    status, _, html = fetch(base, "/doc/luohu-2019?q=" + urllib.parse.quote("罗湖"))
    assert status == 200 and 'id="p34"' in html

    status, _, body = fetch(base, "/api/search?q=%E7%BD%97&page=0")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_page"

    # curl sends Chinese in the request line as raw UTF-8, not percent-encoded
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall("GET /api/search?q=营商环境 HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert json.loads(payload)["query"] == "营商环境"

    # the longest query accepted, percent-encoded as browsers send it (9 KB)
    question = ("罗湖区营商环境怎么样" * 100)[:1000]
    status, _, body = fetch(base, "/api/search?" + urllib.parse.urlencode({"q": question}))
    assert status == 200 and json.loads(body)["hits"][0]["paragraph"] == 10
    status, _, body = fetch(base, "/api/search?" + urllib.parse.urlencode({"q": question + "罗"}))
    assert status == 400 and json.loads(body)["error"]["code"] == "query_too_long"
    status, headers, body = fetch(base, "/api/search?q=x&pad=" + "a" * 200_000)
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "request_too_long"

    # a rebuild is served by the running workers without a restart
    (corpus_dir / "new.txt").write_text("新文件\n这是重建之后才有的段落:量子纠缠。",
                                        encoding="utf-8")
    indexer.build_index(corpus_dir, index_dir)
    for _ in range(4):  # whichever worker answers
        data = json.loads(fetch(base, "/api/search?q=" + urllib.parse.quote("量子纠缠"))[2])
        assert data["total"] == 1
    health = json.loads(fetch(base, "/healthz")[2])
    assert health["documents"] == 2


def test_a_worker_opens_the_index_before_its_first_request(app, tmp_path):
    """gunicorn's post_worker_init calls warm_worker: the index is open and
    the heading field built before the worker answers anything."""
    from searchsvc import create_app
    from searchsvc.web.warm import warm_worker

    fresh = create_app({"INDEX_DIR": app.config["INDEX_DIR"], "CORPUS_DIR": str(tmp_path)})
    warm_worker(fresh)  # a new app: nothing opened yet
    with builds.using(fresh) as snap:
        assert snap.ranker.headings is not None and not callable(snap.ranker.headings)
        assert snap.ranker.headings.under("罗湖")  # the report's title has it
    # no index yet: nothing to open, and the worker still starts
    empty = create_app({"INDEX_DIR": str(tmp_path / "none"), "CORPUS_DIR": str(tmp_path)})
    warm_worker(empty)
