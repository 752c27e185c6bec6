"""End to end through a real gunicorn server on a free port."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from searchsvc import indexer
from tests.conftest import ROOT, write_corpus

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, r.headers, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8")


@pytest.fixture()
def server(tmp_path, seed_text):
    corpus_dir = write_corpus(tmp_path / "corpus", {"luohu-2019.txt": seed_text})
    index_dir = tmp_path / "index"
    indexer.build_index(corpus_dir, index_dir)
    port = free_port()
    env = dict(os.environ, SEARCHSVC_CORPUS=str(corpus_dir), SEARCHSVC_INDEX=str(index_dir),
               HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="2",
               GUNICORN_ACCESSLOG="/dev/null")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "searchsvc:create_app()"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if fetch(base, "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("gunicorn did not start:\n" + proc.stdout.read().decode())
        time.sleep(0.1)
    yield base, corpus_dir, index_dir
    proc.terminate()
    proc.wait(timeout=20)


def test_page_api_and_rebuild_through_gunicorn(server):
    base, corpus_dir, index_dir = server
    status, headers, body = fetch(base, "/api/search?q=" + urllib.parse.quote("营商环境"))
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["total"] == 2 and data["hits"][0]["paragraph"] == 10

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
                     "Connection: close\r\n\r\n".encode("utf-8"))
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert json.loads(payload)["query"] == "营商环境"

    # a rebuild is served by the running workers without a restart
    (corpus_dir / "new.txt").write_text("新文件\n这是重建之后才有的段落:量子纠缠。",
                                        encoding="utf-8")
    indexer.build_index(corpus_dir, index_dir)
    for _ in range(4):  # whichever worker answers
        data = json.loads(fetch(base, "/api/search?q=" + urllib.parse.quote("量子纠缠"))[2])
        assert data["total"] == 1
    health = json.loads(fetch(base, "/healthz")[2])
    assert health["documents"] == 2
