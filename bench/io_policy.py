"""How a build's files are best read: mapped, or read with ``pread`` into
each worker's own memory. Measures one checkout of searchsvc against
another on the same corpus and queries, in fresh processes, alternately.

    python bench/io_policy.py OLD_CHECKOUT NEW_CHECKOUT [--copies 4] [--pairs 3]

Each checkout builds the help corpus (../shared/bench/lo-help-zh, copied
``copies`` times: 108,000 paragraphs at 4) into its own index, once; then
each run is a new process that opens the build and answers 1,500 distinct
queries of the query log's shapes once each (no answer repeats, so no
cache helps), and reports the time per query and its memory from
/proc/self/smaps_rollup: RssAnon (what the process alone holds: what
each gunicorn worker adds) and RssFile (mapped pages: the page cache's,
shared by every worker, given back under pressure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench" / "lo-help-zh"


def memory() -> dict:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile", "VmRSS"):
            out[key] = int(value.split()[0]) / 1024
    return out


def one_run(checkout: str, index_dir: str, n: int) -> dict:
    """In this process: open the build with ``checkout``'s code and answer
    ``n`` distinct queries once each."""
    sys.path.insert(0, checkout)
    sys.path.insert(1, str(Path(checkout) / "bench"))  # its own query log, as its code reads
    from querylog import distinct_queries

    from searchsvc.engine import search as S
    from searchsvc.engine.snapshot import open_current

    snap = open_current(index_dir)
    queries = [q for _, q in distinct_queries(snap, n=n, seed=5)]
    snap.close()
    snap = open_current(index_dir)  # a fresh one: nothing the query drawing read is cached
    before = memory()
    times = []
    for q in queries:
        started = time.perf_counter()
        S.search(snap, q, per_page=10)
        times.append((time.perf_counter() - started) * 1000)
    after = memory()
    times.sort()
    return {"queries": len(times), "mean_ms": statistics.fmean(times),
            "p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99)],
            "opened": before, "after": after}


def build(checkout: str, corpus: Path, index_dir: Path) -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[1]);\n"
            "try:\n    from searchsvc.build.rebuild import build_index as b\n"  # before #37
            "except ImportError:\n    from searchsvc.indexer.rebuild import build_index as b\n"
            "b(sys.argv[2], sys.argv[3], full=True)")
    subprocess.run([sys.executable, "-c", code, checkout, str(corpus), str(index_dir)],
                   check=True, env=dict(os.environ, PYTHONHASHSEED="0"))


def replicate(copies: int, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for k in range(copies):
        for f in SHARED.glob("*.txt"):
            (into / f"c{k}-{f.name}").write_bytes(f.read_bytes())
    return into


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--queries", type=int, default=1500)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "io_policy.json"))
    ap.add_argument("--run", nargs=2, help=argparse.SUPPRESS)  # CHECKOUT INDEX: one run, in here
    args = ap.parse_args(argv)
    if args.run:
        print(json.dumps(one_run(args.run[0], args.run[1], args.queries)))
        return 0
    if not SHARED.is_dir():
        print(f"skipped: no corpus at {SHARED}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        corpus = replicate(args.copies, Path(tmp) / "corpus")
        indexes = {}
        for name in ("old", "new"):
            indexes[name] = Path(tmp) / f"index-{name}"
            build(getattr(args, name), corpus, indexes[name])
        runs: dict[str, list] = {"old": [], "new": []}
        for pair in range(args.pairs):
            for name in ("old", "new") if pair % 2 == 0 else ("new", "old"):
                out = subprocess.run([sys.executable, __file__, args.old, args.new, "--run",
                                      getattr(args, name), str(indexes[name]),
                                      "--queries", str(args.queries)],
                                     check=True, capture_output=True, text=True)
                runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
                r = runs[name][-1]
                print(f"{name}: {r['mean_ms']:.2f} ms/query (p99 {r['p99_ms']:.1f}), "
                      f"RssAnon {r['opened']['RssAnon']:.0f} → {r['after']['RssAnon']:.0f} MB, "
                      f"RssFile {r['opened']['RssFile']:.0f} → {r['after']['RssFile']:.0f} MB",
                      flush=True)
    Path(args.out).write_text(json.dumps({"copies": args.copies, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
