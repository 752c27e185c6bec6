"""A deployment that holds, with real processes: idle and slow clients do not
starve the workers, and index switches leave no descriptor behind.

The servers are started with the commands a user runs: `make run`'s line of
the Makefile and the Docker image's CMD, read from those files.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from searchsvc.indexer import rebuild as indexer
from tests.conftest import ROOT, Gunicorn, Server, fetch, write_corpus

pytestmark = pytest.mark.server

QUERY = "/api/search?q=" + urllib.parse.quote("营商环境")


def make_run_command() -> list[str]:
    """The gunicorn line of the Makefile's `run` target, as argv."""
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    line = next(line for line in recipe.group(1).splitlines() if "gunicorn" in line)
    args = re.findall(r"'[^']*'|\S+", line.strip())
    return [a.strip("'") for a in args[1:]]  # after $(BIN)/gunicorn


def docker_command() -> tuple[list[str], dict]:
    """The gunicorn command the Docker image serves with (after `gunicorn`:
    its CMD `serve` runs the entrypoint's `exec gunicorn …` line) and the
    ENV it runs with."""
    text = (ROOT / "Dockerfile").read_text()
    assert json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1)) == ["serve"]
    assert json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1)) == \
        ["searchsvc-entrypoint"]
    entrypoint = (ROOT / "deploy" / "docker-entrypoint.sh").read_text()
    line = re.search(r"^\s*exec gunicorn (.*?) \"\$@\"$", entrypoint, re.M).group(1)
    cmd = [a.strip("'") for a in re.findall(r"'[^']*'|\S+", line)]
    env_block = re.search(r"^ENV (.*?)(?=\n\S)", text, re.M | re.S).group(1)
    env = dict(re.findall(r"(\w+)=(\S+)", env_block.replace("\\\n", " ")))
    return cmd, env


class HostileClients:
    """Connections that hold a server's attention: ``idle`` ones that send
    nothing, ``slow_head`` ones that send a request head a byte every half
    second, and ``slow_body`` ones that announce a body and send it a byte
    every half second."""

    def __init__(self, port: int, idle: int, slow_head: int, slow_body: int):
        self.socks: list[socket.socket] = []
        self.dripping: list[tuple[socket.socket, bytes]] = []
        self.stop = threading.Event()
        for _ in range(idle):
            self.socks.append(socket.create_connection(("127.0.0.1", port)))
        for _ in range(slow_head):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET " + QUERY.encode() + b" HTTP/1.1\r\n")
            self.socks.append(s)
            self.dripping.append((s, b"X"))
        for _ in range(slow_body):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET " + QUERY.encode() + b" HTTP/1.1\r\nHost: t\r\n"
                      b"Content-Length: 100000\r\n\r\n")
            self.socks.append(s)
            self.dripping.append((s, b"a"))
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self):
        while not self.stop.wait(0.5):
            for s, byte in self.dripping:
                try:
                    s.send(byte)
                except OSError:
                    pass

    def closed_by_server(self) -> int:
        """How many of the connections the server has closed."""
        closed = 0
        for s in self.socks:
            s.setblocking(False)
            try:
                closed += s.recv(65536) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        return closed

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        for s in self.socks:
            s.close()


def timed_search(base: str) -> float:
    started = time.monotonic()
    status, _, body = fetch(base, QUERY)
    assert status == 200 and json.loads(body)["total"] > 0
    return time.monotonic() - started


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory, seed_text):
    folder = tmp_path_factory.mktemp("held")
    corpus_dir = write_corpus(folder / "corpus", {"luohu-2019.txt": seed_text})
    indexer.build_index(corpus_dir, folder / "index")
    return corpus_dir, folder / "index"


@pytest.mark.parametrize("how", ["make run", "docker"])
def test_idle_and_slow_clients_do_not_hold_the_workers(how, seed_corpus, tmp_path):
    corpus_dir, index_dir = seed_corpus
    if how == "make run":
        args, env, cwd = make_run_command(), {}, ROOT
    else:  # the image's command, in a folder that holds no source checkout
        args, env = docker_command()
        cwd = tmp_path
        env = {k: v for k, v in env.items() if k in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")}
    env = dict(os.environ, **env, SEARCHSVC_CORPUS=str(corpus_dir),
               SEARCHSVC_INDEX=str(index_dir), GUNICORN_ACCESSLOG="/dev/null")
    env.pop("WEB_CONCURRENCY", None)  # the default, as a user gets it
    server = Gunicorn(args, cwd, env, log=tmp_path / "gunicorn.log")
    try:
        timed_search(server.base)  # warm
        hostile = HostileClients(server.port, idle=64, slow_head=16, slow_body=16)
        try:
            time.sleep(1.0)  # every hostile connection accepted and waiting
            took = [timed_search(server.base) for _ in range(10)]
            assert max(took) < 1.0, took
            health = fetch(server.base, "/healthz")
            assert health[0] == 200
            # one request per connection: a kept connection would pin its
            # client to a worker that may be busy (ops.gunicorn_conf)
            assert health[1]["Connection"] == "close"
            # the server lets go of them: none is held past the request-head time
            deadline = time.monotonic() + 20
            while hostile.closed_by_server() < len(hostile.socks) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert hostile.closed_by_server() == len(hostile.socks)
        finally:
            hostile.close()
        assert timed_search(server.base) < 1.0
    finally:
        server.stop()


# --------------------------------------------------------------------------
# Index switches under traffic
# --------------------------------------------------------------------------

def worker_pids(master: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split()
        found.extend(int(c) for c in children)
    return sorted(found)


def open_files(pid: int) -> list[str]:
    out = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out.append(os.readlink(fd))
        except OSError:  # closed meanwhile
            pass
    return out


def mapped_files(pid: int) -> list[str]:
    return [line.split(None, 5)[5] for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
            if len(line.split(None, 5)) == 6]


class Traffic:
    """Searches from eight threads until stopped (light, continuous)."""

    def __init__(self, base: str):
        self.base, self.stop, self.errors, self.count = base, threading.Event(), [], 0
        words = ["第一", "第二", "内容", "段落", "报告", "xyz"]
        self.paths = ["/api/search?q=" + urllib.parse.quote(w) for w in words]
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True)
                        for k in range(8)]
        for t in self.threads:
            t.start()

    def _run(self, k: int):
        i = k
        while not self.stop.is_set():
            status = fetch(self.base, self.paths[i % len(self.paths)])[0]
            if status != 200:
                self.errors.append(status)
            self.count += 1
            i += 1
            time.sleep(0.01)

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)


def test_index_switches_under_traffic_leave_no_descriptor_open(tmp_path):
    files = {f"{k}.txt": f"标题{k}\n第一段落的内容{k}。\n\n第二段落的报告{k}。" for k in range(4)}
    server = Server(tmp_path, files, workers=2)
    traffic = Traffic(server.base)
    try:
        deadline = time.monotonic() + 20  # the second worker may still be booting
        while len(pids := worker_pids(server.proc.pid)) < 2:
            assert time.monotonic() < deadline, pids
            time.sleep(0.1)

        def switch(k: int) -> str:
            (server.corpus_dir / "0.txt").write_text(f"标题\n第一段落第{k}版的内容。",
                                                     encoding="utf-8")
            build = Path(indexer.build_index(server.corpus_dir, server.index_dir).path).name
            deadline = time.monotonic() + 20  # until both workers serve the new build
            while not all(any(build in f for f in open_files(p)) for p in pids):
                assert time.monotonic() < deadline, f"a worker never opened {build}"
                time.sleep(0.05)
            return build

        switch(0)
        start = {p: len(open_files(p)) for p in pids}
        for k in range(1, 51):
            switch(k)
        # a request in flight may still hold the build before the last one
        # (it is closed when that request ends): a leak never comes back down
        settle = time.monotonic() + 5
        while True:
            end = {p: len(open_files(p)) for p in pids}
            if all(end[p] - start[p] <= 8 for p in pids) or time.monotonic() > settle:
                break
            time.sleep(0.1)
        assert worker_pids(server.proc.pid) == pids  # no worker was replaced meanwhile
        for p in pids:
            assert end[p] - start[p] <= 8, (start, end)
            index_dir = str(server.index_dir.resolve())
            held = [f for f in open_files(p) + mapped_files(p)
                    if f.startswith(index_dir) and f.endswith("(deleted)")]
            assert held == []
        assert len(list(server.index_dir.glob("build-*"))) <= 2  # pruned builds really left
        assert traffic.count > 100 and traffic.errors == []
    finally:
        traffic.close()
        server.stop()


def test_a_client_that_stops_reading_is_dropped_and_holds_nothing(tmp_path):
    """A slow read: a large answer to a client that reads nothing. The
    worker goes on serving others, and the connection is dropped once a
    send has waited GUNICORN_SEND_TIMEOUT (2 s here)."""
    server = Server(tmp_path, {"a.txt": "标题\n营商环境的一段。"}, workers=1,
                    env={"GUNICORN_SEND_TIMEOUT": "2"})
    try:
        # the original file is served as the folder holds it now: make it large
        (server.corpus_dir / "a.txt").write_bytes(("营商环境的一段。\n" * 2_000_000).encode())
        size = (server.corpus_dir / "a.txt").stat().st_size
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", int(server.base.rsplit(":", 1)[1])))
        reader.sendall(b"GET /doc/a/file HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(1.0)
        took = [timed_search(server.base) for _ in range(5)]  # the one worker still answers
        assert max(took) < 1.0, took
        time.sleep(4.0)  # past the send timeout: the server has given up on it
        received = 0
        reader.settimeout(5)
        try:
            while chunk := reader.recv(1 << 20):
                received += len(chunk)
        except OSError:
            pass
        assert received < size  # cut off, not delivered in full
        reader.close()
    finally:
        server.stop()
