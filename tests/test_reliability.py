"""Rebuilds and faults through a real gunicorn server: nothing is lost.

- a rebuild under load fails no request and is served within 2 s;
- a rebuild killed with SIGKILL at any moment leaves the previous index
  serving, and the next rebuild succeeds;
- a missing or damaged index: the service starts, says why (503), and a
  rebuild restores it without a restart.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import layout as index
from tests.conftest import SEED, fetch, write_corpus

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "searchsvc.cli"]


def seed_files():
    return {SEED.name: SEED.read_text(encoding="utf-8")}


def api(base, query):
    status, _, body = fetch(base, "/api/search?q=" + urllib.parse.quote(query))
    return status, (json.loads(body) if status in (200, 400, 503) else None)


class Load:
    """Searches from threads until stopped; counts every failed request."""

    def __init__(self, base, queries, threads=4):
        self.base, self.queries = base, queries
        self.ok = self.failed = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(k,)) for k in range(threads)]

    def _run(self, k):
        i = k
        while not self._stop.is_set():
            q = self.queries[i % len(self.queries)]
            i += 1
            try:
                status, body = api(self.base, q)
                good = status == 200 and body["total"] > 0  # every load query finds some
            except Exception as exc:  # a refused or reset connection is a failure too
                good, status = False, repr(exc)
            with self._lock:
                if good:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.errors.append(f"{q}: {status}")

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join()


def test_rebuild_under_load_fails_nothing_and_serves_new_content(tmp_path, start_server):
    base, corpus_dir, index_dir = start_server(tmp_path, seed_files())
    with Load(base, ["罗湖", "营商环境", "PM2.5", '"一半山水一半城"', "罗湖 -营商环境"]) as load:
        time.sleep(0.5)
        (corpus_dir / "new.txt").write_text("新文件\n重建之后才有的段落:量子纠缠。", encoding="utf-8")
        done = subprocess.run(CLI + ["rebuild", "--corpus", str(corpus_dir), "--index",
                                     str(index_dir)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        ended = time.monotonic()
        seen = 0
        while seen < 6:  # several answers in a row, whichever worker gives them
            assert time.monotonic() - ended < 2.0, "new content not served within 2 s"
            status, body = api(base, "量子纠缠")
            seen = seen + 1 if status == 200 and body["total"] == 1 else 0
        time.sleep(0.3)
    assert load.failed == 0, load.errors[:5]
    assert load.ok > 50


def generated_corpus(folder, n_docs=40):
    """Enough text that a rebuild takes a while (so it can be killed midway)."""
    rng = random.Random(3)
    paragraphs = [line for line in SEED.read_text(encoding="utf-8").splitlines() if len(line) > 60]
    files = {}
    for d in range(n_docs):
        body = "\n".join(rng.choice(paragraphs) + f"编号{d}-{k}。" for k in range(60))
        files[f"doc{d:03d}.txt"] = f"生成的文档{d}\n{body}"
    return write_corpus(folder, files)


def test_a_killed_rebuild_leaves_the_previous_index_serving(tmp_path):
    corpus_dir = generated_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    started = time.monotonic()
    indexer.build_index(corpus_dir, index_dir)
    full = time.monotonic() - started
    before = index.current_path(index_dir)
    (corpus_dir / "extra.txt").write_text("追加\n杀掉重建也不丢失:独一无二的词。", encoding="utf-8")
    for i, fraction in enumerate((0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.1, 0.5)):
        full_build = ["--full"] if i % 2 else []  # killed with its part processes running
        proc = subprocess.Popen(CLI + ["rebuild", "--corpus", str(corpus_dir), "--index",
                                       str(index_dir), *full_build], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.5 + full * fraction)  # interpreter start, then part of the build
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        now = index.current_path(index_dir)
        snap = snapshots.open_current(index_dir)  # whichever build is current is whole
        assert S.search(snap, "编号").total > 0
        if now != before:  # the kill came after the switch: the new build is complete
            assert S.search(snap, "独一无二").total == 1
    report = indexer.build_index(corpus_dir, index_dir)  # the lock died with the process
    assert not list(index_dir.glob("*.tmp")) and not list(index_dir.glob(".current.*"))
    snap = snapshots.open_current(index_dir)
    assert S.search(snap, "独一无二").total == 1
    assert len(list(index_dir.glob("build-*"))) <= 2
    assert report.documents == 41


def test_no_index_then_rebuild_restores_service(tmp_path, start_server):
    base, corpus_dir, index_dir = start_server(tmp_path, seed_files(), build=False,
                                               ready="/api/openapi.json")
    status, _, body = fetch(base, "/healthz")
    assert status == 503 and "no index has been built" in json.loads(body)["reason"]
    status, body = api(base, "罗湖")
    assert status == 503 and body["error"]["code"] == "index_unavailable"
    status, _, html = fetch(base, "/?q=" + urllib.parse.quote("罗湖"))
    assert status == 503 and "索引暂不可用" in html
    indexer.build_index(corpus_dir, index_dir)
    for _ in range(4):
        assert fetch(base, "/healthz")[0] == 200
        assert api(base, "罗湖")[1]["total"] == 29


def test_a_damaged_index_is_reported_then_replaced(tmp_path, start_server):
    corpus_dir = write_corpus(tmp_path / "pre" / "corpus", seed_files())
    index_dir = tmp_path / "pre" / "index"
    report = indexer.build_index(corpus_dir, index_dir)
    for toc in Path(report.path).glob("*.toc"):
        toc.write_bytes(b"\x00garbage")
    base, _, _ = start_server(tmp_path / "srv", seed_files(), build=False,
                              ready="/api/openapi.json")
    # the running server's index folder now points at the damaged build
    (tmp_path / "srv" / "index").mkdir()
    os.symlink(report.path, tmp_path / "srv" / "index" / "current")
    status, _, body = fetch(base, "/healthz")
    assert status == 503 and "damaged" in json.loads(body)["reason"]
    assert api(base, "罗湖")[0] == 503
    indexer.build_index(tmp_path / "srv" / "corpus", tmp_path / "srv" / "index")
    assert fetch(base, "/healthz")[0] == 200
    assert api(base, "罗湖")[1]["total"] == 29
