"""Replicas behind nginx on the Zipf query log: requests/s and p99 through
nginx with 1 and 3 replicas, nginx's cache off and on, beside one gunicorn
asked directly and the FTS5 peer service, all in one run on this machine.

    python bench/cluster.py [--lines 20000] [--concurrency 8] [--workers 2] [--out FILE]

The corpus is the help corpus (../shared/bench/lo-help-zh) when present,
else the report (and the run says so). The log is bench/querylog.py's:
up to 20,000 distinct queries drawn with Zipf weights (a few asked often,
most once; about 30% of the first 20,000 lines are first asks), and every
setup replays the same lines once, in order, with Debian's wrk: nobody's
cache is warmed by the log wrapping around, and a cache helps as much as
such a log lets it. Every setup starts cold (fresh processes, empty caches).
With nginx's cache on, the log is replayed a second time, every line then
a hit: what nginx alone serves on this machine. One replica's /metrics is
asked every 0.2 s while the log runs: its own time (the replica's latency
histogram) and the time the scraper waited (queued behind searches, as any
request to a sync worker is).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import querylog  # noqa: E402
import run as bench  # noqa: E402

from searchsvc.engine.snapshot import open_current  # noqa: E402
from searchsvc.indexer import rebuild as indexer  # noqa: E402
from searchsvc.ops.cluster import Cluster, get  # noqa: E402

SETUPS = (  # (name, replicas, through nginx, nginx cache)
    ("gunicorn, no nginx", 1, False, False),
    ("nginx, 1 replica", 1, True, False),
    ("nginx, 3 replicas", 3, True, False),
    ("nginx + cache, 1 replica", 1, True, True),
    ("nginx + cache, 3 replicas", 3, True, True),
)


WRK_REPLAY = """
local paths = {%s}
local sent, answered = 0, 0
request = function()
  sent = sent + 1
  return wrk.format("GET", paths[((sent - 1) %% #paths) + 1])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered == #paths then
    io.write("EXHAUSTED\\n")
    io.flush()
    wrk.thread:stop()
  end
end
""" + bench.WRK_REPORT


def replay(base: str, paths: list[str], concurrency: int, work: Path,
           limit: float = 600) -> dict:
    """Every line of the log once, in order, ``concurrency`` at a time
    (Debian's wrk; threads here when it is missing): the same requests for
    every setup, whatever its speed, and no line asked twice by wrapping."""
    if shutil.which("wrk") is None:
        return python_replay(base, paths, concurrency)
    script = work / "replay.lua"
    script.write_text(WRK_REPLAY % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    # wrk sleeps out its -d even when its thread stops: interrupted (SIGINT,
    # its own way to end early) once the last answer is in, it reports
    wrk = subprocess.Popen(["wrk", "-t1", f"-c{concurrency}", f"-d{int(limit)}s",
                            "--timeout", "10s", "-s", str(script), base],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = ""
    for line in wrk.stdout:
        if line.startswith("EXHAUSTED"):
            wrk.send_signal(signal.SIGINT)
        elif line.startswith("JSON "):
            break
    wrk.wait()
    return bench.wrk_result(line)


def python_replay(base: str, paths: list[str], concurrency: int) -> dict:
    latencies, errors, lock = [], [0], threading.Lock()
    lines = iter(range(len(paths)))

    def worker():
        while True:
            with lock:
                i = next(lines, None)
            if i is None:
                return
            started = time.perf_counter()
            try:
                ok = get(base + paths[i], timeout=10)[0] == 200
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    return {"tool": "python", "requests": len(latencies), "errors": errors[0],
            "seconds": seconds, "rps": len(latencies) / seconds,
            **bench.percentiles(latencies or [0.0])}


def first_asks(log: list) -> float:
    """Share of the log's lines that ask a query for the first time: what no
    cache can answer."""
    return len(set(log)) / len(log) if log else 0.0


def cache_hits(access_log: Path) -> float:
    """Share of nginx's answers served from its cache."""
    states = [json.loads(line).get("cache") for line in access_log.read_text().splitlines()
              if line.startswith("{")]
    return sum(s == "HIT" for s in states) / len(states) if states else 0.0


def time_metrics(base: str, stop: threading.Event, out: list) -> None:
    """/metrics of a replica, timed every 0.2 s while the load runs."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            status, _, _ = get(base + "/metrics", timeout=5)
            if status == 200:
                out.append((time.perf_counter() - started) * 1000)
        except OSError:
            pass
        stop.wait(0.2)


def metrics_server_ms(base: str) -> float:
    """The replica's own time to answer /metrics (its latency histogram:
    from the request read to the answer, without waiting for a worker)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = get(base + "/metrics", timeout=30)[2].decode()
    found = {s.name: s.value for f in text_string_to_metric_families(text)
             if f.name == "searchsvc_request_seconds" for s in f.samples
             if s.labels.get("endpoint") == "web.prometheus_metrics"
             and s.name.endswith(("_sum", "_count"))}
    count = found.get("searchsvc_request_seconds_count", 0)
    return found.get("searchsvc_request_seconds_sum", 0) / count * 1000 if count else float("nan")


def one_setup(name: str, replicas: int, nginx: bool, cache: bool, index_dir: Path,
              corpus_dir: Path, paths: list[str], concurrency: int,
              workers: int, work: Path) -> dict:
    ports = [bench.free_port() for _ in range(replicas + 1)]
    folder = work / name.replace(" ", "-").replace(",", "").replace("+", "plus")
    group = Cluster(folder, index_dir, corpus_dir, ports[:replicas], ports[-1], workers=workers,
                    cache=cache, rate=0, env={"GUNICORN_LOGLEVEL": "warning"})
    group.start()
    try:
        base = group.base if nginx else group.replicas[0].base
        get(base + paths[0], timeout=30)
        scrapes: list[float] = []
        stop = threading.Event()
        timer = threading.Thread(target=time_metrics, args=(group.replicas[0].base, stop, scrapes))
        timer.start()
        try:
            result = replay(base, paths, concurrency, folder)
        finally:
            stop.set()
            timer.join()
        result["metrics_ms"] = {"server_mean": metrics_server_ms(group.replicas[0].base),
                                "median": statistics.median(scrapes) if scrapes else None,
                                "max": max(scrapes, default=None), "scrapes": len(scrapes)}
        if nginx:
            result["cache_hits"] = cache_hits(group.nginx_folder / "access.log")
        if cache:  # the log again: every line a hit, what nginx alone can serve here
            result["second_pass"] = replay(base, paths, concurrency, folder)
        result.update(replicas=replicas, nginx=nginx, cache=cache, workers=workers)
        return result
    finally:
        group.stop()


def peer(folder: Path, snap, paths: list[str], concurrency: int,
         work: Path) -> dict:
    """The FTS5 peer service (bench/fts5_peer.py) under the same log, directly."""
    import fts5_peer

    db_path = work / "peer.db"
    fts5_peer.build(folder, db_path, snap.user_dict)
    with bench.Served("fts5_peer:create_app()", {"FTS5_DB": str(db_path)},
                      cwd=ROOT / "bench") as server:
        server.wait(paths[0])
        return replay(server.base, paths, concurrency, work)


def table(results: dict) -> str:
    rows = [f"{'setup':28s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'errors':>6s} "
            f"{'cache hits':>10s} {'/metrics ms: own, waited':>24s}"]
    peer_rps = results["peer"]["rps"]
    for name, r in results["setups"].items():
        hits = f"{r['cache_hits']:.0%}" if "cache_hits" in r else "-"
        scrape = r["metrics_ms"]
        loaded = f"{scrape['median']:.1f}" if scrape["median"] is not None else "-"
        rows.append(f"{name:28s} {r['rps']:7.0f} {r['p50']:7.1f} {r['p99']:7.1f} "
                    f"{r['errors']:6d} {hits:>10s} "
                    f"{scrape['server_mean']:14.1f}, {loaded:>7s}"
                    f"   {r['rps'] / peer_rps:.2f}x peer")
    for name, r in results["setups"].items():
        if "second_pass" in r:
            again = r["second_pass"]
            rows.append(f"{name + ', log again':28s} {again['rps']:7.0f} {again['p50']:7.1f} "
                        f"{again['p99']:7.1f} {again['errors']:6d} {'100%':>10s} {'':24s}"
                        f"   {again['rps'] / peer_rps:.2f}x peer")
    p = results["peer"]
    rows.append(f"{'FTS5 peer, gunicorn':28s} {p['rps']:7.0f} {p['p50']:7.1f} {p['p99']:7.1f} "
                f"{p['errors']:6d} {'-':>10s} {'-':>24s}")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=20000, help="log lines replayed per setup")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers per replica")
    ap.add_argument("--corpus", metavar="DIR", help="measure this folder instead")
    ap.add_argument("--distinct", type=int, default=20000, help="distinct queries drawn")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "cluster.json"))
    args = ap.parse_args(argv)
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        print("nginx is not installed: run `make cluster-bench`, which installs it",
              file=sys.stderr)
        return 2
    if args.corpus:
        folder = Path(args.corpus)
    elif bench.SHARED.is_dir():
        folder = bench.SHARED
    else:
        print(f"{bench.SHARED} is absent: measuring the report alone", flush=True)
        folder = bench.REPORT
    work = Path(tempfile.mkdtemp(prefix="searchsvc-cluster-bench-"))
    try:
        print(f"== building the index of {folder}", flush=True)
        indexer.build_index(folder, work / "index")
        snap = open_current(work / "index")
        live = snap.ranker.n
        queries = querylog.distinct_queries(snap, min(args.distinct, 10 * live))
        log = querylog.zipf_log(queries, args.lines)
        paths = bench.search_paths(log)
        results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                               "python": platform.python_version()},
                   "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "corpus": str(folder),
                   "distinct": len(queries), "lines": len(log), "asked_once": first_asks(log),
                   "concurrency": args.concurrency, "setups": {}}
        print("== FTS5 peer", flush=True)
        results["peer"] = peer(folder, snap, paths, args.concurrency, work)
        snap.close()
        for name, replicas, nginx, cache in SETUPS:
            print(f"== {name}", flush=True)
            results["setups"][name] = one_setup(
                name, replicas, nginx, cache, work / "index", folder, paths,
                args.concurrency, args.workers, work)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\n{results['machine']['cpus']} cores; {len(log)} lines replayed once each at "
              f"concurrency {args.concurrency}, {results['asked_once']:.0%} of them first asks "
              f"({len(queries)} distinct drawn); {args.workers} gunicorn workers per replica\n")
        print(table(results))
        print(f"\nwritten to {out}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
