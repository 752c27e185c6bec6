"""Fixtures: temporary corpora and indexes, an app and a client over them.

Nothing here touches the project's own index/ folder; the real report is
copied from corpus/ into a temporary corpus.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from searchsvc import create_app
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import rebuild as indexer

pytest_plugins = ["tests.tiers"]

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "luohu-2019.txt"


def write_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)  # a corpus may be a tree
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(base: str, path: str):
    """(status, headers, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, r.headers, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8")


class Gunicorn:
    """A real gunicorn started with ``args`` (what follows `gunicorn` on its
    command line) in ``cwd`` with ``env``, on a free loopback port, ready
    when ``ready`` answers 200; stop() ends it."""

    def __init__(self, args: list[str], cwd: Path, env: dict, ready: str = "/healthz",
                 log: Path | None = None):
        self.port = free_port()
        env = dict(env, HOST="127.0.0.1", PORT=str(self.port))
        # a file, not a pipe nobody reads: the JSON access lines would fill
        # a pipe's buffer under load and block the workers
        self.log = log or cwd / "gunicorn.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *args], cwd=cwd,
                                         env=env, stdout=out, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if fetch(self.base, ready)[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail("gunicorn did not start:\n" + self.log.read_text(errors="replace"))
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Server(Gunicorn):
    """A real gunicorn, as `make run` starts it, serving a corpus built in a folder."""

    def __init__(self, folder: Path, files: dict, workers: int = 2, build: bool = True,
                 ready: str = "/healthz", env: dict | None = None):
        self.corpus_dir = write_corpus(folder / "corpus", files)
        self.index_dir = folder / "index"
        if build:
            indexer.build_index(self.corpus_dir, self.index_dir)
        env = dict(os.environ, SEARCHSVC_CORPUS=str(self.corpus_dir),
                   SEARCHSVC_INDEX=str(self.index_dir), WEB_CONCURRENCY=str(workers),
                   GUNICORN_ACCESSLOG="/dev/null", **(env or {}))
        super().__init__(["-c", "python:searchsvc.ops.gunicorn_conf", "searchsvc:create_app()"],
                         folder, env, ready)


@pytest.fixture()
def start_server():
    """start_server(folder, files) -> (base URL, corpus dir, index dir)."""
    servers = []

    def start(folder, files, workers=2, **kw):
        server = Server(Path(folder), files, workers, **kw)
        servers.append(server)
        return server.base, server.corpus_dir, server.index_dir

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_dirs(tmp_path_factory):
    """A corpus holding the real report, indexed once for the session."""
    base = tmp_path_factory.mktemp("seed")
    corpus_dir = base / "corpus"
    corpus_dir.mkdir()
    shutil.copy(SEED, corpus_dir / SEED.name)
    for extra in ("_dictionary.txt", "_synonyms.txt"):
        if (SEED.parent / extra).exists():
            shutil.copy(SEED.parent / extra, corpus_dir / extra)
    index_dir = base / "index"
    indexer.build_index(corpus_dir, index_dir)
    return corpus_dir, index_dir


def own_snapshot(index_dir) -> snapshots.Snapshot:
    """A snapshot of the current build, of the test's own."""
    return snapshots.open_current(index_dir)


@pytest.fixture(scope="session")
def seed_snapshot(seed_dirs):
    return own_snapshot(seed_dirs[1])


REPORTS = ROOT.parent / "shared" / "corpora" / "reports-zh" / "corpus"


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """The real collection (../shared/corpora/reports-zh: 99 reports,
    1954-2026), built once: (snapshot, build report, index folder)."""
    if not REPORTS.is_dir():
        pytest.skip(f"{REPORTS} is absent: the real collection's checks need it")
    index = tmp_path_factory.mktemp("reports") / "index"
    report = indexer.build_index(REPORTS, index)
    snap = snapshots.open_current(index)
    yield snap, report, index
    snap.close()


@pytest.fixture()
def app(seed_dirs):
    corpus_dir, index_dir = seed_dirs
    return create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir),
                       "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def make_index(tmp_path):
    """Build an index over a small corpus given as {file name: content}."""

    def make(files: dict, name: str = "small"):
        corpus_dir = write_corpus(tmp_path / name / "corpus", files)
        index_dir = tmp_path / name / "index"
        report = indexer.build_index(corpus_dir, index_dir)
        return corpus_dir, index_dir, report

    return make


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print recall and MRR of the relevance suite (tests/test_relevance.py)."""
    from tests.test_relevance import RELEVANCE_KEY

    data = config.stash.get(RELEVANCE_KEY, None)
    if not data:
        return
    terminalreporter.section("relevance")
    for suite, rows in data.items():
        recall = sum(r for _, r, _ in rows) / len(rows)
        mrr = sum(m for _, _, m in rows) / len(rows)
        terminalreporter.write_line(
            f"{suite:>18}: {len(rows):3d} queries  recall {recall:.3f}  MRR {mrr:.3f}")


def snippet_of(hit) -> str:
    """A hit's snippet as the page and the API show it (escaped HTML)."""
    from searchsvc.web.render import snippet_html

    return snippet_html(hit.text, hit.fragments, hit.matches)


@pytest.fixture()
def access_lines():
    """The JSON access lines written while the test runs, parsed."""
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(record.getMessage()))

    log = logging.getLogger("searchsvc.access")
    keep = Keep()
    log.addHandler(keep)
    yield lines
    log.removeHandler(keep)
