"""A loopback cluster: replicas of the service behind nginx, from one build
(`make cluster`, the cluster tests and benchmark).

One build is published to each replica's own index folder (the same
``publish`` a real deployment uses), each replica is a gunicorn serving its
folder with the package's settings (``gunicorn_conf``), and Debian's nginx
spreads requests over them with the config ``nginx`` renders from the
package's template. Everything listens on 127.0.0.1 only, and nothing is
read from a source checkout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .nginx import TEMPLATE, NginxError, NginxSite, nginx_binary, start_nginx

GUNICORN_CONF = "python:searchsvc.ops.gunicorn_conf"  # gunicorn's -c: the package's settings
START_SECONDS = 60  # a replica loads jieba's dictionary and opens its build
RESTART_EVERY = 5.0  # seconds between restarts of one replica by serve_forever


class ClusterError(Exception):
    """The cluster could not start; the message says what failed."""


def get(url: str, timeout: float = 5.0, headers: dict | None = None):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@dataclass
class Replica:
    folder: Path
    port: int
    proc: subprocess.Popen | None = None

    @property
    def index_dir(self) -> Path:
        return self.folder / "index"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "gunicorn.log"


@dataclass
class Cluster:
    """``replicas`` gunicorns on ``replica_ports`` plus nginx on ``port``,
    all under ``folder``, serving the current build of ``index_dir``."""

    folder: Path
    index_dir: Path
    corpus_dir: Path
    replica_ports: list[int]
    port: int
    workers: int = 2
    cache: bool = True
    rate: int = 20
    burst: int = 40
    template: Path = TEMPLATE
    gunicorn_conf: str = GUNICORN_CONF
    env: dict = field(default_factory=dict)
    replicas: list[Replica] = field(init=False)
    nginx: subprocess.Popen | None = field(init=False, default=None)

    def __post_init__(self):
        self.folder = Path(self.folder).resolve()
        self.replicas = [Replica(self.folder / f"replica-{i + 1}", port)
                         for i, port in enumerate(self.replica_ports)]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def nginx_folder(self) -> Path:
        return self.folder / "nginx"

    def publish(self) -> str:
        """The current build, copied and switched into every replica's folder."""
        from ..storage.layout import IndexUnavailable
        from .publish import PublishError, publish

        try:
            results = publish(self.index_dir, [str(r.index_dir) for r in self.replicas], keep=2)
        except IndexUnavailable as exc:
            raise ClusterError(str(exc)) from None
        failed = [f"{r.index_dir}: {res}" for r, res in zip(self.replicas, results)
                  if isinstance(res, PublishError)]
        if failed:
            raise ClusterError("cannot publish the build: " + "; ".join(failed))
        return results[0].version

    def start(self) -> None:
        """Publish, start the replicas, wait until each answers, then nginx."""
        try:
            nginx_binary()
        except NginxError as exc:
            raise ClusterError(str(exc)) from None
        self.publish()
        try:
            for i in range(len(self.replicas)):
                self.start_replica(i, wait=False)
            for replica in self.replicas:
                self._wait(replica.base + "/healthz", replica.proc, replica.log)
            self.start_nginx()
        except NginxError as exc:
            self.stop()
            raise ClusterError(str(exc)) from None
        except BaseException:
            self.stop()
            raise

    def start_replica(self, i: int, wait: bool = True) -> None:
        replica = self.replicas[i]
        replica.folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each replica counts its own
        env.update(SEARCHSVC_INDEX=str(replica.index_dir),
                   SEARCHSVC_CORPUS=str(Path(self.corpus_dir).resolve()),
                   SEARCHSVC_PROXIES="1", HOST="127.0.0.1", PORT=str(replica.port),
                   WEB_CONCURRENCY=str(self.workers), **self.env)
        with open(replica.log, "ab") as out:
            replica.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", self.gunicorn_conf,
                 "searchsvc:create_app()"], cwd=replica.folder, env=env, stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        if wait:
            self._wait(replica.base + "/healthz", replica.proc, replica.log)

    def kill_replica(self, i: int, sig: int = signal.SIGKILL) -> None:
        """Stop replica i and its workers at once (SIGKILL: as a crash would)."""
        proc = self.replicas[i].proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def start_nginx(self) -> None:
        self.nginx_folder.mkdir(parents=True, exist_ok=True)
        site = NginxSite.loopback(self.nginx_folder, f"127.0.0.1:{self.port}",
                                  [f"127.0.0.1:{r.port}" for r in self.replicas],
                                  cache=self.cache, rate=self.rate, burst=self.burst)
        self.nginx = start_nginx(site, self.template)
        self._wait(self.base + "/healthz", self.nginx, Path(site.error_log))

    def _wait(self, url: str, proc: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if get(url, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise ClusterError(f"{url} did not answer (exit code {proc.poll()}):\n{tail}")
            time.sleep(0.1)

    def searches_served(self, i: int) -> float | None:
        """Searches replica i has answered since it started (its own
        /metrics), or None when it does not answer."""
        from prometheus_client.parser import text_string_to_metric_families

        try:
            status, _, body = get(self.replicas[i].base + "/metrics", timeout=2)
        except OSError:
            return None
        if status != 200:
            return None
        return sum(sample.value for family in text_string_to_metric_families(body.decode())
                   if family.name == "searchsvc_requests" for sample in family.samples
                   if sample.name == "searchsvc_requests_total"
                   and sample.labels.get("endpoint") == "web.api_search")

    def dead(self) -> list[int]:
        """The replicas whose gunicorn has exited."""
        return [i for i, r in enumerate(self.replicas) if r.proc and r.proc.poll() is not None]

    def serve_forever(self, say=print) -> None:
        """Until SIGINT/SIGTERM: restart a replica that exits (nginx leaves it
        out meanwhile); stop everything if nginx exits."""
        stop = []
        previous = {s: signal.signal(s, lambda *_: stop.append(1))
                    for s in (signal.SIGINT, signal.SIGTERM)}
        restarted: dict[int, float] = {}
        try:
            while not stop:
                if self.nginx.poll() is not None:
                    raise ClusterError("nginx exited; see " + str(self.nginx_folder / "error.log"))
                for i in self.dead():
                    if time.monotonic() - restarted.get(i, -RESTART_EVERY) < RESTART_EVERY:
                        continue  # one that cannot start is not restarted in a tight loop
                    say(f"replica {i + 1} exited (code {self.replicas[i].proc.returncode}); "
                        f"starting it again (log: {self.replicas[i].log})")
                    restarted[i] = time.monotonic()
                    self.start_replica(i, wait=False)
                time.sleep(0.5)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            self.stop()

    def stop(self) -> None:
        procs = [p for p in [self.nginx] + [r.proc for r in self.replicas] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
