"""Three replicas behind nginx on 127.0.0.1 (deploy/nginx.conf.template, run
by searchsvc.cluster as `make cluster` runs it): alike answers, failover,
publishing under load, nginx's cache keyed on the index version, and
nginx's own errors in the app's JSON shape. Real processes, bounded in time.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from searchsvc.indexer import rebuild as indexer
from searchsvc.ops import nginx
from searchsvc.ops.cluster import Cluster, get
from searchsvc.ops.nginx import NginxSite
from searchsvc.ops.publish import Published, publish
from searchsvc.storage import layout as index
from tests.conftest import ROOT, free_port, write_corpus

pytestmark = [pytest.mark.server, pytest.mark.system]

TOPICS = ["营商环境", "城市更新", "民生实事", "教育医疗", "交通治理", "产业升级"]


def report(edition: str) -> dict[str, str]:
    """A small corpus whose every paragraph names its edition (第一版/第二版),
    so an answer shows which build it came from."""
    files = {}
    for d in range(3):
        lines = [f"罗湖报告{d}"]
        for p, topic in enumerate(TOPICS):
            lines.append(f"{edition}:罗湖区推进{topic}工作，第{d}篇第{p}段，群众满意度提升。")
        files[f"r{d}.txt"] = "\n".join(lines) + "\n"
    return files


def url(base: str, query: str, **params) -> str:
    return f"{base}/api/search?" + urllib.parse.urlencode(dict(q=query, **params))


def edition_of(body: bytes) -> set[str]:
    answer = json.loads(body)
    return {hit["text"][:3] for hit in answer["hits"]}


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    corpus = write_corpus(folder / "corpus", report("第一版"))
    indexer.build_index(corpus, folder / "build")
    ports = [free_port() for _ in range(4)]
    group = Cluster(folder / "run", folder / "build", corpus, ports[:3], ports[3], workers=1,
                    rate=0)
    group.start()
    yield group
    group.stop()


class Load:
    """Threads asking nginx for ``urls`` in turn until stopped; every answer
    is kept as (monotonic time, status, X-Index-Version, editions found)."""

    def __init__(self, urls: list[str], threads: int = 4):
        self.urls, self.answers, self.errors = urls, [], []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, n: int):
        i = n
        while not self.stopping.is_set():
            target = self.urls[i % len(self.urls)]
            i += len(self.threads)
            try:
                status, headers, body = get(target, timeout=15)
            except OSError as exc:  # no answer at all: a failure as well
                self.errors.append(f"{target}: {exc}")
                continue
            found = edition_of(body) if status == 200 else set()
            self.answers.append((time.monotonic(), status, headers.get("X-Index-Version"),
                                 found))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(30)

    def failures(self) -> list:
        return self.errors + [a for a in self.answers if a[1] != 200]


def distinct_urls(base: str, n: int) -> list[str]:
    """Mostly distinct requests (so they reach the replicas, not the cache)."""
    return [url(base, TOPICS[i % len(TOPICS)], per_page=1 + i % 50, page=1 + i // 300)
            for i in range(n)]


def test_every_replica_answers_alike_and_nginx_passes_it_on(group):
    for query in ["罗湖 营商环境", "城市更新", "满意度", "不存在的词"]:
        bodies = []
        for base in [r.base for r in group.replicas] + [group.base]:
            status, headers, body = get(url(base, query))
            assert status == 200
            answer = json.loads(body)
            answer.pop("took_ms")
            bodies.append((headers["X-Index-Version"], answer))
        assert all(b == bodies[0] for b in bodies), query
    status, headers, body = get(group.base + "/?q=" + urllib.parse.quote("城市更新"))
    assert status == 200 and "<mark>城市更新</mark>" in body.decode()
    assert headers["Content-Type"].startswith("text/html")
    # gzip on the way out; the same answer underneath
    status, headers, body = get(url(group.base, "满意度"), headers={"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    plain = json.loads(get(url(group.base, "满意度"))[2])
    zipped = json.loads(gzip.decompress(body))
    assert zipped["hits"] == plain["hits"]


def test_killing_a_replica_fails_no_request_and_it_rejoins(group):
    urls = distinct_urls(group.base, 600)
    with Load(urls) as load:
        time.sleep(1.0)
        group.kill_replica(1)  # SIGKILL to gunicorn and its worker, mid-load
        time.sleep(3.0)
    assert len(load.answers) > 50
    assert load.failures() == []
    assert group.searches_served(1) is None  # down

    group.start_replica(1)
    deadline = time.monotonic() + 20  # fail_timeout (5 s) and a first try
    served = 0
    with Load(distinct_urls(group.base, 1000)[600:], threads=2) as load:
        while time.monotonic() < deadline and not served:
            time.sleep(0.5)
            served = group.searches_served(1) or 0
    assert served > 0, "the restarted replica got no request through nginx"
    assert load.failures() == []


def test_publishing_under_load_switches_every_replica_without_a_failed_request(group, tmp_path):
    first = index.current_path(group.index_dir).name
    write_corpus(group.corpus_dir, report("第二版"))
    indexer.build_index(group.corpus_dir, group.index_dir)
    second = index.current_path(group.index_dir).name
    assert second != first
    editions = {first: {"第一版"}, second: {"第二版"}}
    # repeated queries (cached by nginx) and distinct ones (asked of replicas)
    urls = [url(group.base, t) for t in TOPICS] + distinct_urls(group.base, 300)
    with Load(urls) as load:
        time.sleep(1.0)
        results = publish(group.index_dir, [str(r.index_dir) for r in group.replicas])
        published = time.monotonic()
        assert all(isinstance(r, Published) for r in results), results
        time.sleep(3.0)
    assert load.failures() == []
    versions = {a[2] for a in load.answers}
    assert versions == {first, second}
    for _, _, version, found in load.answers:
        assert found == editions[version], (version, found)
    late = [a for a in load.answers if a[0] > published + 2.0]
    assert late and all(a[2] == second for a in late)
    for base in [r.base for r in group.replicas] + [group.base]:
        status, headers, body = get(url(base, "营商环境"))
        assert headers["X-Index-Version"] == second and edition_of(body) == {"第二版"}


def test_nginx_caches_an_answer_until_the_version_changes(group):
    ask = url(group.base, "交通治理 满意度")
    status, headers, body = get(ask)
    first_version = headers["X-Index-Version"]
    assert headers["X-Cache-Status"] in ("MISS", "HIT")
    for _ in range(3):
        status, again, repeat = get(ask)
        assert again["X-Cache-Status"] == "HIT" and repeat == body
        assert again["X-Index-Version"] == first_version
    # the browser's revalidation is answered by nginx from its cache
    status, headers, _ = get(ask, headers={"If-None-Match": again["ETag"]})
    assert status == 304
    # the app's hint for nginx never reaches the client
    assert "X-Accel-Expires" not in again
    # a replica's /metrics is not served through the load balancer
    status, _, refused = get(group.base + "/metrics")
    assert status == 403 and json.loads(refused)["error"]["code"] == "forbidden"

    edition = "第一版" if "第二版" in edition_of(body) else "第二版"
    write_corpus(group.corpus_dir, report(edition))
    indexer.build_index(group.corpus_dir, group.index_dir)
    new_version = index.current_path(group.index_dir).name
    publish(group.index_dir, [str(r.index_dir) for r in group.replicas])
    # nginx asks for the version at most once a second; on a loaded machine
    # the replicas may take a little longer to open the published build
    deadline = time.monotonic() + 15
    time.sleep(1.2)
    status, headers, body = get(ask)
    while headers["X-Index-Version"] != new_version and time.monotonic() < deadline:
        time.sleep(0.3)
        status, headers, body = get(ask)
    assert headers["X-Index-Version"] == new_version and edition_of(body) == {edition}
    assert headers["X-Cache-Status"] == "MISS"
    # the version nginx keys on is learned once a second from one replica;
    # until every replica has opened the new build it may still be the old
    # one, and nginx keeps no answer whose version differs from its key's
    cached = get(ask)[1]
    while cached["X-Cache-Status"] != "HIT" and time.monotonic() < deadline + 5:
        time.sleep(0.3)
        cached = get(ask)[1]
    assert cached["X-Cache-Status"] == "HIT" and cached["X-Index-Version"] == new_version


def test_nginx_own_errors_are_json(group, tmp_path):
    long_query = "罗" * 3000  # 27 KB of percent-encoding: over nginx's 16 KB line
    status, headers, body = get(url(group.base, long_query))
    assert status == 414 and json.loads(body)["error"]["code"] == "uri_too_long"
    status, headers, body = get(url(group.base, "罗" * 1001))  # through to the app's own 400
    assert status == 400 and json.loads(body)["error"]["code"] == "query_too_long"

    posted = urllib.request.Request(group.base + "/api/search", data=b"q=" + b"x" * 4096)
    try:
        urllib.request.urlopen(posted, timeout=5)
        pytest.fail("a 4 KB body was taken")
    except urllib.error.HTTPError as exc:
        assert exc.code == 413 and json.loads(exc.read())["error"]["code"] == "request_too_large"

    # a rate limit of 2 a second per client: a quick burst is turned away
    port = free_port()
    site = NginxSite.loopback(tmp_path, f"127.0.0.1:{port}",
                              [f"127.0.0.1:{r.port}" for r in group.replicas], rate=2, burst=0)
    proc = nginx.start_nginx(site)
    try:
        answers = [get(url(f"http://127.0.0.1:{port}", "城市更新")) for _ in range(10)]
        refused = [a for a in answers if a[0] == 429]
        assert refused and len(refused) < 10
        assert json.loads(refused[0][2])["error"]["code"] == "too_many_requests"
        assert refused[0][1]["Retry-After"] == "1"
    finally:
        proc.terminate()
        proc.wait(10)


def test_no_replica_left_is_a_json_503(tmp_path):
    port, dead = free_port(), free_port()
    site = NginxSite.loopback(tmp_path, f"127.0.0.1:{port}", [f"127.0.0.1:{dead}"])
    proc = nginx.start_nginx(site)
    try:
        status, headers, body = get(f"http://127.0.0.1:{port}/api/search?q=x", timeout=5)
        assert status == 503 and json.loads(body)["error"]["code"] == "unavailable"
        assert headers["Content-Type"] == "application/json"
        assert headers["Retry-After"] == "5"
    finally:
        proc.terminate()
        proc.wait(10)


def test_make_cluster_command_serves_the_page_and_stops_everything(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", report("第一版"))
    indexer.build_index(corpus, tmp_path / "index")
    port, first = free_port(), free_port()
    while any(not _free(first + i) for i in range(2)):
        first = free_port()
    command = subprocess.Popen(
        [sys.executable, "-m", "searchsvc.cli", "cluster", "--replicas", "2", "--workers", "1",
         "--port", str(port), "--replica-port", str(first), "--folder", str(tmp_path / "run"),
         "--index", str(tmp_path / "index"), "--corpus", str(corpus)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = command.stdout.readline()
        assert f"serving http://127.0.0.1:{port}/ through nginx from 2 replica(s)" in line, line
        page = f"http://127.0.0.1:{port}/?q=" + urllib.parse.quote("民生实事")
        status, headers, body = get(page)
        assert status == 200 and "<mark>民生实事</mark>" in body.decode()
        assert headers["X-Index-Version"] == index.current_path(tmp_path / "index").name
        # a replica that dies is started again; nginx answers meanwhile
        os.kill(_child_serving(command.pid, first), signal.SIGKILL)
        line = command.stdout.readline()
        assert "replica 1 exited" in line and "starting it again" in line, line
        assert get(page)[0] == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if get(f"http://127.0.0.1:{first}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the replica was not started again")
    finally:
        command.send_signal(signal.SIGINT)
        command.wait(30)
    for p in (port, first, first + 1):
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{p}/healthz", timeout=2)


def _child_serving(parent: int, port: int) -> int:
    """The pid of ``parent``'s child process started with PORT=port (a
    replica's gunicorn master)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and f"PORT={port}".encode() in environ:
            return int(proc.name)
    raise AssertionError(f"no child of {parent} serves port {port}")


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_the_template_renders_every_field_and_nginx_accepts_it(tmp_path):
    site = NginxSite.loopback(tmp_path, "127.0.0.1:1", ["127.0.0.1:2", "127.0.0.1:3"],
                              cache=False, rate=0, log_client_ip=True)
    text = nginx.render(site)
    assert "{{" not in text and "{%" not in text
    assert "proxy_cache off;" in text and "# no rate limit" in text
    assert '"client":"$remote_addr"' in text
    assert text.count("max_fails=3 fail_timeout=5s;") == 2
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    nginx.check_config(conf, tmp_path)
    with pytest.raises(ValueError):
        NginxSite.loopback(tmp_path, "127.0.0.1:1", []).fields()
    broken = tmp_path / "broken.template"
    broken.write_text("listen {{listen}}; {{nonsense}}")
    with pytest.raises(nginx.NginxError, match="'nonsense' is undefined"):
        nginx.render(site, broken)
    broken.write_text("listen {{ listen }; {% if %}")
    with pytest.raises(nginx.NginxError, match="broken.template, line 1"):
        nginx.render(site, broken)
