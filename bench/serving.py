"""The serving figures of #38 in one short run, beside the peer: build
times, the cold pass, the query log, the frequent-word list against the
bare Flask ceiling and each worker's anonymous memory.

    python bench/serving.py [--size 4] [--index DIR] [--seconds 15] [--out FILE]

``make bench`` measures all of this and more; this script is the part a
change to serving or building is judged by, in a few minutes (4x), with
the figures each system is asked for in the same run:

* build: searchsvc's full build and the peer's (same jieba tokens);
* cold: a fresh server asked each distinct query of the log once, eight
  at a time (the long tail's first asks);
* log: the Zipf log through wrk on a second fresh server;
* memory: the largest worker's anonymous memory, proportional to the
  workers sharing it (Pss_Anon), right after the log and 3 s later (what
  it holds between bursts);
* frequent: the frequent-word list (answers cached) against a Flask app
  that answers nothing, served alike.

Needs ../shared/bench (skipped with a message when absent) and wrk
(``make bench-deps``).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as R  # noqa: E402


def measure(folder: Path, index_dir: Path, work: Path, seconds: float,
            concurrency: int, build: bool) -> dict:
    import fts5_peer
    import querylog

    out: dict = {}
    if build:
        started = time.perf_counter()
        R.indexer.build_index(folder, index_dir)
        out["build_s"] = time.perf_counter() - started
    snap = R.open_current(index_dir)
    queries = querylog.distinct_queries(snap, min(4000, 10 * snap.ranker.n))
    log = querylog.zipf_log(queries, 20000)
    frequent = [(k, q) for k, q in R.make_queries(snap) if k == "frequent"]
    db_path = work / "peer.db"
    started = time.perf_counter()
    fts5_peer.build(folder, db_path, snap.user_dict)
    out["peer_build_s"] = time.perf_counter() - started
    snap.close()
    cold = R.search_paths(random.Random(13).sample(queries, len(queries)))
    apps = {"searchsvc": lambda: R.Served("searchsvc:create_app()",
                                          {"SEARCHSVC_INDEX": str(index_dir)}),
            "fts5": lambda: R.Served("fts5_peer:create_app()",
                                     {"FTS5_DB": str(db_path), "GUNICORN_WORKER_CLASS": "sync"},
                                     cwd=R.ROOT / "bench")}
    for name, serve in apps.items():
        with serve() as server:
            server.wait(cold[0])
            out[name] = {"cold": R.once_each(server.base, cold[1:], concurrency)}
        with serve() as server:
            server.wait(R.search_paths(log[:1])[0])
            out[name]["log"] = R.load(server.base, R.search_paths(log), seconds, concurrency, work)
            out[name].update(server.memory())
            time.sleep(3)  # what a worker holds between bursts (ops.idle gives the heap back)
            out[name]["worker_pss_anon_idle_mb"] = server.memory()["worker_pss_anon_mb"]
    paths = R.search_paths(frequent)
    for name, app, env, cwd in (
            ("frequent", "searchsvc:create_app()", {"SEARCHSVC_INDEX": str(index_dir)}, R.ROOT),
            ("bare_flask", "bare_app:create_app()", {}, R.ROOT / "bench")):
        with R.Served(app, env, cwd=cwd) as server:
            server.wait(paths[0])
            R.python_load(server.base, paths, 2.0, concurrency)
            out[name] = R.load(server.base, paths, max(5.0, seconds / 2), concurrency, work)
    ours, peer = out["searchsvc"], out["fts5"]
    out["ratios"] = {
        "cold_rps": ours["cold"]["rps"] / peer["cold"]["rps"],
        "cold_p99": ours["cold"]["p99"] / peer["cold"]["p99"],
        "log_rps": ours["log"]["rps"] / peer["log"]["rps"],
        "log_p99": ours["log"]["p99"] / peer["log"]["p99"],
        "pss_anon": ours["worker_pss_anon_mb"] / (peer["worker_pss_anon_mb"] or 1e-9),
        "pss_anon_idle": ours["worker_pss_anon_idle_mb"] /
        (peer["worker_pss_anon_idle_mb"] or 1e-9),
        "frequent_share": out["frequent"]["rps"] / out["bare_flask"]["rps"],
    }
    if build:
        out["ratios"]["build"] = out["build_s"] / out["peer_build_s"]
    return out


def report(out: dict) -> str:
    ours, peer, r = out["searchsvc"], out["fts5"], out["ratios"]
    rows = [("cold pass req/s", ours["cold"]["rps"], peer["cold"]["rps"], r["cold_rps"]),
            ("cold pass p99 ms", ours["cold"]["p99"], peer["cold"]["p99"], r["cold_p99"]),
            ("query log req/s", ours["log"]["rps"], peer["log"]["rps"], r["log_rps"]),
            ("query log p99 ms", ours["log"]["p99"], peer["log"]["p99"], r["log_p99"]),
            ("worker Pss_Anon MB", ours["worker_pss_anon_mb"], peer["worker_pss_anon_mb"],
             r["pss_anon"]),
            ("  3 s after the log", ours["worker_pss_anon_idle_mb"],
             peer["worker_pss_anon_idle_mb"], r["pss_anon_idle"])]
    if "build_s" in out:
        rows.append(("full build s", out["build_s"], out["peer_build_s"], r["build"]))
    lines = [f"{'':22s} {'searchsvc':>10s} {'peer':>10s} {'ratio':>7s}"]
    lines += [f"{name:22s} {a:10.1f} {b:10.1f} {c:7.2f}" for name, a, b, c in rows]
    lines.append(f"frequent words: {out['frequent']['rps']:.0f} req/s, bare Flask "
                 f"{out['bare_flask']['rps']:.0f} ({r['frequent_share']:.2f})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=4, help="replications of the help corpus")
    ap.add_argument("--index", help="serve this built index of that corpus (no build timed)")
    ap.add_argument("--seconds", type=float, default=15, help="wrk time of the log")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--out", help="write the figures here as JSON")
    args = ap.parse_args(argv)
    if not R.SHARED.is_dir():
        print(f"skipped: {R.SHARED} is absent (the help corpus this benchmark replicates)")
        return 0
    if not shutil.which("wrk"):
        print("skipped: wrk is not installed (make bench-deps)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="searchsvc-serving-"))
    try:
        folder = R.replicate(R.SHARED, args.size, work / "corpus")
        index_dir = Path(args.index) if args.index else work / "index"
        out = measure(folder, index_dir, work, args.seconds, args.concurrency,
                      build=not args.index)
        out["size"] = args.size
        print(report(out))
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1), encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
