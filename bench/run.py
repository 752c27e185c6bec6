"""searchsvc benchmark: build, search and HTTP figures, with an SQLite FTS5 baseline.

    python bench/run.py [--sizes 1,4,16] [--runs 3] [--http-seconds 15] [--out FILE]

Corpora: the report (corpus/luohu-2019.txt), the help corpus read from
../shared/bench/lo-help-zh and that corpus replicated 4x and 16x under new
file names (symlinks in a temporary folder). Without ../shared/bench only
the report is measured, and the run says so.

Every figure is the median over runs with its spread (min-max). Search
latency is in process, top 10 with snippets, over a fixed set of at least
200 queries made from each corpus (frequent, mid and rare words, two-word
ANDs, phrases, single characters, traditional variants); the first pass
(cold caches) is reported apart from repeat passes. Seven queries of 1,000
characters are timed once each, before anything else is cached. A rebuild
after one changed file is timed through the command line, and its answers
to the query set are compared with a full rebuild's. The baseline is SQLite
FTS5 over the same paragraphs and the same jieba tokens, bm25-ranked, with
its snippet() function; every latency is also given as a ratio to it.
HTTP figures come from gunicorn with the configured workers under a fixed
load from a second process on 127.0.0.1 (Debian's wrk when installed, else
a small Python load generator).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searchsvc.analysis.normalize import normalize_text  # noqa: E402
from searchsvc.analysis.words import query_words, word_spans  # noqa: E402
from searchsvc.engine import search as S  # noqa: E402
from searchsvc.engine.snapshot import Snapshot, open_current  # noqa: E402
from searchsvc.indexer import rebuild as indexer  # noqa: E402
from searchsvc.ingest import corpus, model  # noqa: E402
from searchsvc.storage.layout import current_path  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench" / "lo-help-zh"
REPORT = ROOT / "corpus"


# --------------------------------------------------------------------------
# Corpora and queries
# --------------------------------------------------------------------------

def replicate(source: Path, times: int, into: Path) -> Path:
    """``times`` copies of a corpus's files under new names, as files of
    the temporary folder: a user's corpus is a folder of files on a local
    disk (symlinks into ../shared made every stat of a rebuild's scan cross
    that mount, 110 us each here)."""
    into.mkdir(parents=True, exist_ok=True)
    for f in sorted(source.glob("*.txt")):
        data = f.read_bytes()
        for k in range(times):
            (into / f"r{k:02d}-{f.name}").write_bytes(data)
    return into


def text_megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.txt") if not p.name.startswith("_")) / 1e6


def make_queries(snap, n_min: int = 200, seed: int = 1) -> list[tuple[str, str]]:
    """A fixed, varied query set drawn from the corpus itself."""
    import opencc

    rng = random.Random(seed)
    words = []
    for w in snap.words.words(""):
        if len(w) >= 2 and re.search(r"[\u4e00-\u9fff]", w):
            words.append((snap.words.doc_frequency(w), w))
    words.sort(reverse=True)
    texts = [snap.literals.texts[n] for n in range(len(snap.literals.texts))]
    s2t = opencc.OpenCC("s2t")
    mid = words[len(words) // 10: len(words) // 3] or words
    rare = [w for w in words if w[0] <= 3] or words
    chars = sorted({c for t in rng.sample(texts, min(200, len(texts))) for c in t
                    if "\u4e00" <= c <= "\u9fff"})
    out = []
    out += [("frequent", w) for _, w in words[:40]]
    out += [("mid", w) for _, w in rng.sample(mid, min(40, len(mid)))]
    out += [("rare", w) for _, w in rng.sample(rare, min(40, len(rare)))]
    out += [("and", f"{rng.choice(mid)[1]} {rng.choice(mid)[1]}") for _ in range(40)]
    for _ in range(30):
        t = rng.choice([t for t in texts if len(t) >= 10] or texts)
        start = rng.randrange(0, max(1, len(t) - 8))
        out.append(("phrase", '"' + t[start:start + rng.randint(4, 8)] + '"'))
    out += [("char", c) for c in rng.sample(chars, min(20, len(chars)))]
    out += [("traditional", s2t.convert(w)) for _, w in rng.sample(mid, min(30, len(mid)))]
    while len(out) < n_min:
        out.append(("mid", rng.choice(mid)[1]))
    return out


def long_queries(snap, seed: int = 2) -> list[tuple[str, str]]:
    """Queries of 1,000 characters (the longest accepted): pasted text, many
    words, many ORs, many exclusions, a long quoted phrase, one repeated
    character."""
    rng = random.Random(seed)
    texts = snap.literals.texts
    big = "".join(texts[rng.randrange(len(texts))] for _ in range(400))[:4000]
    pairs = [big[i:i + 2] for i in range(0, 2000, 3)]
    return [
        ("pasted", big[:1000]),
        ("words", " ".join(pairs)[:1000]),
        ("or", " OR ".join(pairs)[:1000]),
        ("exclusions", ("罗湖 " + " ".join("-" + p for p in pairs))[:1000]),
        ("quoted", '"' + big[1000:1998] + '"'),
        ("one character", "的" * 1000),
        ("spaced characters", " ".join("的" * 500)[:1000]),
    ]


def percentiles(values: list[float]) -> dict:
    v = sorted(values)

    def p(q):
        return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]

    return {"p50": p(0.50), "p95": p(0.95), "p99": p(0.99), "mean": statistics.fmean(v)}


def summary(samples: list[float]) -> dict:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "runs": len(samples)}


# --------------------------------------------------------------------------
# searchsvc
# --------------------------------------------------------------------------

def bench_build(folder: Path, work: Path, runs: int) -> dict:
    seconds, size = [], 0
    for r in range(runs):
        index_dir = work / f"index-{r}"
        report = indexer.build_index(folder, index_dir)
        seconds.append(report.seconds)
        size = report.size_bytes
        if r < runs - 1:
            shutil.rmtree(index_dir)
    mb = text_megabytes(folder)
    return {"seconds": summary(seconds), "text_mb": mb,
            "mb_per_s": mb / statistics.median(seconds), "index_mb": size / 1e6,
            "paragraphs": report.paragraphs, "documents": report.documents,
            "index_dir": str(work / f"index-{runs - 1}")}


def bench_incremental(folder: Path, index_dir: Path, queries, work: Path, runs: int) -> dict:
    """A rebuild after one changed file, through the command line (start,
    imports, jieba's dictionary and all), then the same query set against a
    full rebuild of the same files: the answers must be the same."""
    edited = work / "edited-corpus"
    edited.mkdir()
    for f in sorted(folder.iterdir()):
        if f.is_file():  # a local corpus: hard links, or copies from another disk
            try:
                os.link(f.resolve(), edited / f.name)
            except OSError:
                shutil.copyfile(f, edited / f.name)
    docs = sorted(edited.glob("[!_]*.txt"))
    seconds, modes = [], []
    for r in range(runs):
        target = docs[(r * 997 + 13) % len(docs)]
        text = target.read_text(encoding="utf-8")
        target.unlink()
        target.write_text(text + f"\n增量重建基准的新段落{r}:只改了这一个文件。\n", encoding="utf-8")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "searchsvc.cli", "rebuild", "--corpus",
                              str(edited), "--index", str(index_dir)],
                             capture_output=True, text=True, check=True)
        seconds.append(time.perf_counter() - started)
        modes.append(out.stdout.split(":", 1)[0])
    full = work / "index-full-edited"
    indexer.build_index(edited, full, full=True)
    a = Snapshot(current_path(index_dir))
    b = Snapshot(current_path(full))
    differences = 0
    for _kind, q in queries + [("new", f"增量重建基准的新段落{r}") for r in range(runs)]:
        ra, rb = S.search(a, q, per_page=10), S.search(b, q, per_page=10)
        if ra.total != rb.total or [(h.id, round(h.score, 9)) for h in ra.hits] != \
                [(h.id, round(h.score, 9)) for h in rb.hits]:
            differences += 1
    return {"seconds": summary(seconds), "modes": modes, "parts": len(a.meta.parts),
            "queries_compared": len(queries) + runs, "differences_from_full": differences}


def bench_search(snap, queries, passes: int) -> dict:
    per_pass = []
    for _ in range(passes):
        times = []
        for _kind, q in queries:
            t = time.perf_counter()
            S.search(snap, q, per_page=10)
            times.append((time.perf_counter() - t) * 1000)
        per_pass.append(percentiles(times))
    warm = per_pass[1:] or per_pass
    return {"first_pass": per_pass[0],
            "repeat": {k: summary([p[k] for p in warm]) for k in ("p50", "p95", "p99", "mean")}}


# --------------------------------------------------------------------------
# The SQLite FTS5 baseline, same paragraphs, same jieba tokens
# --------------------------------------------------------------------------

def fts5_build(folder: Path, db_path: Path, user_dict=None) -> tuple[sqlite3.Connection, float]:
    started = time.perf_counter()
    docs, _ = corpus.read_corpus(folder)
    con = sqlite3.connect(db_path)
    con.execute("CREATE VIRTUAL TABLE p USING fts5(tokens, text UNINDEXED, "
                "tokenize = \"unicode61 tokenchars '.%+-#&_'\")")
    rows = []
    for d in docs:
        for para in d.paragraphs:
            tokens = " ".join(w for w, *_ in word_spans(normalize_text(para.text), "index",
                                                      user_dict))
            rows.append((tokens, para.text))
    con.executemany("INSERT INTO p(tokens, text) VALUES (?, ?)", rows)
    con.commit()
    return con, time.perf_counter() - started


def fts5_query(q: str, user_dict=None) -> str | None:
    phrase = q.startswith('"') and q.endswith('"') and len(q) > 2
    words = query_words(q.strip('"'), user_dict)
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    return ('"' + " ".join(w.replace('"', '""') for w in words) + '"') if phrase \
        else " AND ".join(quoted)


def bench_fts5(con, queries, passes: int, user_dict=None) -> dict:
    sql = ("SELECT rowid, bm25(p), snippet(p, 0, '<mark>', '</mark>', '…', 32) "
           "FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10")
    count_sql = "SELECT count(*) FROM p WHERE p MATCH ?"
    per_pass = []
    for _ in range(passes):
        times = []
        for _kind, q in queries:
            match = fts5_query(q, user_dict)
            t = time.perf_counter()
            if match:
                con.execute(sql, (match,)).fetchall()
                con.execute(count_sql, (match,)).fetchone()
            times.append((time.perf_counter() - t) * 1000)
        per_pass.append(percentiles(times))
    warm = per_pass[1:] or per_pass
    return {"first_pass": per_pass[0],
            "repeat": {k: summary([p[k] for p in warm]) for k in ("p50", "p95", "p99", "mean")}}


# --------------------------------------------------------------------------
# HTTP through gunicorn
# --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float, float]:
    """(resident, proportional, proportional anonymous) memory of a
    process, in MB. Pss_Anon leaves out the mapped index files, which the
    page cache holds once for every worker."""
    rss = pss = anon = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
            elif line.startswith("Pss_Anon:"):
                anon = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss, anon


def worker_pids(master: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]
    except OSError:
        return []


def _get(base: str, path: str, timeout: float) -> tuple[float, bool]:
    """One request: its latency in ms and whether it answered 200."""
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:
            r.read()
            ok = r.status == 200
    except Exception:
        ok = False
    return (time.perf_counter() - t) * 1000, ok


def _threads(next_path, base: str, concurrency: int, timeout: float) -> dict:
    """``concurrency`` threads asking ``next_path(k)`` (None: that thread
    stops) until each is done; requests/s and latencies."""
    latencies, errors = [], [0]
    lock = threading.Lock()

    def worker(k):
        while (path := next_path(k)) is not None:
            ms, ok = _get(base, path, timeout)
            with lock:
                latencies.append(ms)
                errors[0] += not ok

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
            **percentiles(latencies or [0.0])}


def python_load(base: str, paths: list[str], seconds: float, concurrency: int) -> dict:
    """A bounded load from this process's threads (used when wrk is missing)."""
    deadline = time.monotonic() + seconds
    asked = list(range(concurrency))  # each thread's next index into paths

    def next_path(k):
        if time.monotonic() >= deadline:
            return None
        i, asked[k] = asked[k], asked[k] + concurrency
        return paths[i % len(paths)]

    return {"tool": "python", **_threads(next_path, base, concurrency, 10)}


def once_each(base: str, paths: list[str], concurrency: int) -> dict:
    """Every path asked exactly once, ``concurrency`` at a time: the cold
    pass, on a server nothing has warmed (a long-tailed log's first asks)."""
    queue = list(reversed(paths))
    lock = threading.Lock()

    def next_path(_k):
        with lock:
            return queue.pop() if queue else None

    return _threads(next_path, base, concurrency, 30)


# What wrk prints when it ends (one "JSON {...}" line), shared by every script.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"errors\\": %%d, \\"p50\\": %%f, \\"p95\\": %%f, \\"p99\\": %%f, \\"mean\\": %%f, \\"seconds\\": %%f}\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, summary.duration / 1e6))
end
"""

WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
""" + WRK_REPORT


def wrk_result(line: str) -> dict:
    """The figures of WRK_REPORT's line."""
    data = json.loads(line[len("JSON "):])
    return {"tool": "wrk", "requests": data["requests"], "errors": data["errors"],
            "seconds": data["seconds"], "rps": data["requests"] / data["seconds"],
            **{k: data[k] for k in ("p50", "p95", "p99", "mean")}}


def wrk_load(base: str, paths: list[str], seconds: float, concurrency: int, work: Path) -> dict:
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "--timeout", "5s",
                          "-s", str(script), base], capture_output=True, text=True)
    return wrk_result(next(line for line in out.stdout.splitlines() if line.startswith("JSON ")))


class Served:
    """A gunicorn serving ``app`` with the package's gunicorn settings; a context manager."""

    def __init__(self, app: str, env: dict, cwd: Path = ROOT):
        self.port = free_port()
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port),
                   GUNICORN_ACCESSLOG="/dev/null", GUNICORN_LOGLEVEL="warning", **env)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                                      "python:searchsvc.ops.gunicorn_conf", app], cwd=cwd, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, path: str) -> float:
        """Seconds from start to the first 200 answer to ``path``; the
        seconds from the port taking connections to that answer are kept
        as ``after_listen`` (what a client that connects early waits)."""
        self.listening = None
        while self.listening is None and time.perf_counter() - self.started < 60:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                self.listening = time.perf_counter()
            except OSError:
                time.sleep(0.005)
        while time.perf_counter() - self.started < 60:
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as r:
                    if r.status == 200:
                        now = time.perf_counter()
                        self.after_listen = now - (self.listening or self.started)
                        return now - self.started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def memory(self) -> dict:
        workers = [rss_mb(pid) for pid in worker_pids(self.proc.pid)]
        return {"workers": len(workers),
                "worker_rss_mb": max((w[0] for w in workers), default=0.0),
                "worker_pss_mb": max((w[1] for w in workers), default=0.0),
                "worker_pss_anon_mb": max((w[2] for w in workers), default=0.0)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def load(base: str, paths: list[str], seconds: float, concurrency: int, work: Path) -> dict:
    return wrk_load(base, paths, seconds, concurrency, work) if shutil.which("wrk") \
        else python_load(base, paths, seconds, concurrency)


def search_paths(queries) -> list[str]:
    return ["/api/search?q=" + urllib.parse.quote(q) for _k, q in queries]


def bench_http(index_dir: Path, queries, seconds: float, concurrency: int, work: Path) -> dict:
    paths = search_paths(queries)
    with Served("searchsvc:create_app()", {"SEARCHSVC_INDEX": str(index_dir)}) as server:
        first = server.wait(paths[0])
        # one pass to warm each worker's caches, as a running service has
        python_load(server.base, paths, 2.0, concurrency)
        result = load(server.base, paths, seconds, concurrency, work)
        return {"first_answer_s": first, "load": result, "concurrency": concurrency,
                **server.memory()}


def bench_ceiling(index_dir: Path, queries, seconds: float, concurrency: int,
                  work: Path) -> dict:
    """The frequent-word list (answers cached after one pass) against the
    bare Flask ceiling: the same gunicorn settings serving a route that
    does nothing (bench/bare_app.py), loaded by the same wrk script."""
    paths = search_paths([(k, q) for k, q in queries if k == "frequent"])
    out = {}
    for name, app, env, cwd in (
            ("searchsvc", "searchsvc:create_app()", {"SEARCHSVC_INDEX": str(index_dir)}, ROOT),
            ("bare_flask", "bare_app:create_app()", {}, ROOT / "bench")):
        with Served(app, env, cwd=cwd) as server:
            server.wait(paths[0])
            python_load(server.base, paths, 2.0, concurrency)  # every answer once: cached
            out[name] = load(server.base, paths, seconds, concurrency, work)
    out["share"] = out["searchsvc"]["rps"] / (out["bare_flask"]["rps"] or 1e-9)
    return out


# --------------------------------------------------------------------------
# A realistic query log, against the FTS5 peer service (bench/fts5_peer.py)
# --------------------------------------------------------------------------

def first_pass(index_dir: Path, db_path: Path, queries) -> dict:
    """Each distinct query once, in process, on a freshly opened index (and a
    fresh SQLite connection): nothing cached. Latencies per system, all and
    whole questions alone."""
    import fts5_peer

    snap = Snapshot(current_path(index_dir))
    ours, theirs = [], []
    for kind, q in queries:
        t = time.perf_counter()
        S.search(snap, q, per_page=10)
        ours.append(((time.perf_counter() - t) * 1000, kind))
        t = time.perf_counter()
        match = fts5_peer.match_expression(q)  # the peer segments its query too
        theirs.append(((time.perf_counter() - t) * 1000 + _fts5_once(db_path, match), kind))
    snap.close()

    def split(rows):
        return {"all": percentiles([ms for ms, _ in rows]),
                "question": percentiles([ms for ms, k in rows if k == "question"] or [0.0])}

    return {"searchsvc": split(ours), "fts5": split(theirs)}


_FTS5_CON: dict = {}


def _fts5_once(db_path: Path, match: str | None) -> float:
    """One query of the peer's (bm25 top 10 with snippets, and the count), in ms."""
    import fts5_peer

    con = _FTS5_CON.get(db_path)
    if con is None:
        con = _FTS5_CON[db_path] = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    t = time.perf_counter()
    if match:
        con.execute(fts5_peer.SEARCH, (match,)).fetchall()
        con.execute(fts5_peer.COUNT, (match,)).fetchone()
    return (time.perf_counter() - t) * 1000


def bench_log(folder: Path, index_dir: Path, snap, seconds: float, concurrency: int,
              work: Path, distinct: int = 4000, lines: int = 20000,
              build_seconds: float = 0.0) -> dict:
    """The Zipf log through gunicorn for searchsvc and the FTS5 peer, in turn,
    with the same settings and the same wrk script; first-pass latencies in
    process; whole questions alone."""
    import fts5_peer
    import querylog

    live = snap.ranker.n
    queries = querylog.distinct_queries(snap, min(distinct, 10 * live))
    log = querylog.zipf_log(queries, lines)
    questions = [(k, q) for k, q in queries if k == "question"]
    db_path = work / "peer.db"
    started = time.perf_counter()
    fts5_peer.build(folder, db_path, snap.user_dict)
    out = {"distinct": len(queries), "lines": len(log),
           "peer_build_s": time.perf_counter() - started,
           "first_pass": first_pass(index_dir, db_path, queries)}
    # searchsvc as configured (gevent workers) and with gunicorn's sync
    # workers (the model before #20), beside the peer as a user writes it
    # (gunicorn's default sync workers), started lazily one at a time
    apps = {"searchsvc": lambda: Served("searchsvc:create_app()",
                                        {"SEARCHSVC_INDEX": str(index_dir)}),
            "searchsvc_sync": lambda: Served("searchsvc:create_app()",
                                             {"SEARCHSVC_INDEX": str(index_dir),
                                              "GUNICORN_WORKER_CLASS": "sync"}),
            "fts5": lambda: Served("fts5_peer:create_app()",
                                   {"FTS5_DB": str(db_path), "GUNICORN_WORKER_CLASS": "sync"},
                                   cwd=ROOT / "bench")}
    cold = search_paths(random.Random(13).sample(queries, len(queries)))
    for name, serve in apps.items():
        with serve() as server:  # a fresh server: each distinct query once
            first = server.wait(cold[0])
            cold_pass = once_each(server.base, cold[1:], concurrency)
            cold_pass["first_answer_s"] = first
            cold_pass["first_answer_after_listen_s"] = server.after_listen
        with serve() as server:
            server.wait(search_paths(log[:1])[0])
            result = {"cold": cold_pass, "log": load(server.base, search_paths(log), seconds, concurrency, work),
                      "questions": load(server.base, search_paths(questions),
                                        max(5.0, seconds / 3), concurrency, work)}
            if name != "fts5":  # the same log with idle connections held open
                with held_connections(server.port, HELD_IDLE):
                    result["log_held"] = load(server.base, search_paths(log),
                                              max(5.0, seconds / 2), concurrency, work)
            result.update(server.memory())
            out[name] = result
    peer = out["fts5"]
    out["ratios"], out["ratios_sync"] = ({
        "rps": ours["log"]["rps"] / peer["log"]["rps"],
        "p99": ours["log"]["p99"] / peer["log"]["p99"],
        "question_p99": ours["questions"]["p99"] / peer["questions"]["p99"],
        "first_pass_p99": out["first_pass"]["searchsvc"]["all"]["p99"] /
        (out["first_pass"]["fts5"]["all"]["p99"] or 1e-9),
        "cold_rps": ours["cold"]["rps"] / peer["cold"]["rps"],
        "cold_p99": ours["cold"]["p99"] / peer["cold"]["p99"],
        "pss": ours["worker_pss_mb"] / (peer["worker_pss_mb"] or 1e-9),
        "pss_anon": ours["worker_pss_anon_mb"] / (peer["worker_pss_anon_mb"] or 1e-9),
        "build": build_seconds / (out["peer_build_s"] or 1e-9),
    } for ours in (out["searchsvc"], out["searchsvc_sync"]))
    return out


HELD_IDLE = 4  # idle connections held open during the "held" log run (a browser's preconnects)


@contextlib.contextmanager
def held_connections(port: int, count: int):
    """``count`` TCP connections to the server that send nothing."""
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    try:
        yield socks
    finally:
        for s in socks:
            s.close()


def jieba_throughput(folder: Path, user_dict=None) -> float:
    """MB/s of jieba search-mode segmentation alone, one core, over the corpus's text."""
    from searchsvc.analysis.words import segmenter

    segmenter(user_dict)  # loaded before the clock starts
    docs, _ = corpus.read_corpus(folder)
    texts = [normalize_text(p.text) for d in docs for p in d.paragraphs]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    started = time.perf_counter()
    for t in texts:
        for _ in word_spans(t, "index", user_dict):
            pass
    return size / (time.perf_counter() - started)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def run(corpora: dict[str, Path], runs: int, passes: int, http_seconds: float,
        concurrency: int, work: Path, log_seconds: float = 0) -> dict:
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version(),
                           "processor": platform.processor() or platform.machine()},
               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "corpora": {}}
    for name, folder in corpora.items():
        print(f"== {name}: building ({runs} runs)", flush=True)
        out = {"build": bench_build(folder, work / name, runs)}
        index_dir = Path(out["build"].pop("index_dir"))
        snap = open_current(index_dir)
        queries = make_queries(snap)
        out["queries"] = len(queries)
        print(f"== {name}: {len(queries)} queries x {passes} passes", flush=True)
        longest = []
        for kind, q in long_queries(snap):  # first run: nothing cached for them
            t = time.perf_counter()
            S.search(snap, q, per_page=10)
            longest.append(((time.perf_counter() - t) * 1000, kind))
        out["long_queries_max_ms"], out["long_queries_slowest"] = max(longest)
        out["search"] = bench_search(snap, queries, passes)
        print(f"== {name}: FTS5 baseline", flush=True)
        con, fts_seconds = fts5_build(folder, work / name / "fts5.db", snap.user_dict)
        out["fts5"] = {"build_seconds": fts_seconds,
                       "db_mb": (work / name / "fts5.db").stat().st_size / 1e6,
                       **bench_fts5(con, queries, passes, snap.user_dict)}
        con.close()
        for key in ("p50", "p95", "p99"):
            ours = out["search"]["repeat"][key]["median"]
            base = out["fts5"]["repeat"][key]["median"]
            out.setdefault("ratio_to_fts5", {})[key] = ours / base if base else None
        if http_seconds > 0:
            print(f"== {name}: HTTP {http_seconds:.0f} s at concurrency {concurrency}", flush=True)
            out["http"] = bench_http(index_dir, queries, http_seconds, concurrency, work / name)
            out["ceiling"] = bench_ceiling(index_dir, queries, max(5.0, http_seconds / 2),
                                           concurrency, work / name)
        if log_seconds > 0:
            print(f"== {name}: query log through gunicorn, searchsvc then the FTS5 peer",
                  flush=True)
            out["log"] = bench_log(folder, index_dir, snap, log_seconds, concurrency, work / name,
                                   build_seconds=out["build"]["seconds"]["median"])
        print(f"== {name}: raw jieba search-mode throughput", flush=True)
        out["jieba_mb_per_s"] = jieba_throughput(folder, snap.user_dict)
        cores = min(os.cpu_count() or 1, 4)
        out["build_share"] = out["build"]["mb_per_s"] / (cores * out["jieba_mb_per_s"])
        print(f"== {name}: rebuild after one changed file ({runs} runs)", flush=True)
        out["incremental"] = bench_incremental(folder, index_dir, queries, work / name, runs)
        snap.close()
        results["corpora"][name] = out
    return results


def table(results: dict) -> str:
    rows = [("corpus", "paragraphs", "build s", "MB/s", "index MB",
             "p50 ms", "p95 ms", "p99 ms", "first-pass p99", "FTS5 p50/p99 ms", "ratio p50/p99",
             "HTTP req/s", "HTTP p99 ms", "errors", "worker RSS MB", "first answer s",
             "1000-char max ms", "1 file changed: rebuild s", "same as full")]
    for name, c in results["corpora"].items():
        b, s, f, r = c["build"], c["search"]["repeat"], c["fts5"]["repeat"], c["ratio_to_fts5"]
        h, i = c.get("http"), c["incremental"]
        rows.append((
            name, str(b["paragraphs"]),
            f'{b["seconds"]["median"]:.1f} ({b["seconds"]["min"]:.1f}-{b["seconds"]["max"]:.1f})',
            f'{b["mb_per_s"]:.2f}', f'{b["index_mb"]:.1f}',
            f'{s["p50"]["median"]:.2f}', f'{s["p95"]["median"]:.2f}',
            f'{s["p99"]["median"]:.2f} ({s["p99"]["min"]:.1f}-{s["p99"]["max"]:.1f})',
            f'{c["search"]["first_pass"]["p99"]:.1f}',
            f'{f["p50"]["median"]:.2f} / {f["p99"]["median"]:.2f}',
            f'{r["p50"]:.1f}x / {r["p99"]:.1f}x' if r["p50"] else "-",
            f'{h["load"]["rps"]:.0f}' if h else "-", f'{h["load"]["p99"]:.1f}' if h else "-",
            str(h["load"]["errors"]) if h else "-",
            f'{h["worker_rss_mb"]:.0f} (PSS {h["worker_pss_mb"]:.0f})' if h else "-",
            f'{h["first_answer_s"]:.2f}' if h else "-",
            f'{c["long_queries_max_ms"]:.1f}',
            f'{i["seconds"]["median"]:.2f} ({i["seconds"]["min"]:.2f}-{i["seconds"]["max"]:.2f})',
            "yes" if not i["differences_from_full"] else f'{i["differences_from_full"]} differ'))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def log_table(results: dict) -> str:
    """searchsvc against the FTS5 peer on the Zipf log, with ratios."""
    rows = [("corpus", "system", "log req/s", "log p50 ms", "log p99 ms", "errors",
             "questions p99 ms", "first pass p50/p99 ms", "first-pass questions p99",
             "worker RSS MB (PSS, Pss_Anon)", f"{HELD_IDLE} idle held: req/s, p99 ms, errors",
             "cold pass req/s, p99 ms", "first answer after start (after listen) s")]
    ratios = []
    labels = {"searchsvc": "searchsvc (gevent)", "searchsvc_sync": "searchsvc (sync workers)",
              "fts5": "FTS5 peer (sync workers)"}
    for name, c in results["corpora"].items():
        log = c.get("log")
        if not log:
            continue
        for system in (s for s in labels if s in log):
            r = log[system]
            f = log["first_pass"]["fts5" if system == "fts5" else "searchsvc"]
            held = r.get("log_held")
            rows.append((name, labels[system],
                         f'{r["log"]["rps"]:.0f}', f'{r["log"]["p50"]:.1f}',
                         f'{r["log"]["p99"]:.1f}', str(r["log"]["errors"] + r["questions"]["errors"]),
                         f'{r["questions"]["p99"]:.1f}',
                         f'{f["all"]["p50"]:.2f} / {f["all"]["p99"]:.1f}',
                         f'{f["question"]["p99"]:.1f}',
                         f'{r["worker_rss_mb"]:.0f} ({r["worker_pss_mb"]:.0f}, '
                         f'{r.get("worker_pss_anon_mb", 0):.0f})',
                         f'{held["rps"]:.0f}, {held["p99"]:.0f}, {held["errors"]}' if held else "-",
                         f'{r["cold"]["rps"]:.0f}, {r["cold"]["p99"]:.0f}',
                         f'{r["cold"]["first_answer_s"]:.2f} '
                         f'({r["cold"]["first_answer_after_listen_s"]:.2f})'))
        for key, label in (("ratios", "gevent"), ("ratios_sync", "sync")):
            if key not in log:
                continue
            x = log[key]
            ratios.append(f"{name} ({label}): {log['distinct']} distinct queries, {log['lines']} "
                          f"lines; searchsvc/peer req/s {x['rps']:.2f}x, p99 {x['p99']:.2f}x, "
                          f"questions p99 {x['question_p99']:.2f}x, first-pass p99 "
                          f"{x['first_pass_p99']:.2f}x; cold pass through HTTP req/s "
                          f"{x['cold_rps']:.2f}x, p99 {x['cold_p99']:.2f}x; largest worker's "
                          f"PSS {x['pss']:.2f}x, Pss_Anon {x.get('pss_anon', 0):.2f}x; build "
                          f"{x.get('build', 0):.2f}x the peer's time")
        ratios.append(f"{name}: build {c['build']['mb_per_s']:.2f} MB/s = {c['build_share']:.2f} "
                      f"of cores x jieba ({c['jieba_mb_per_s']:.2f} MB/s)")
        if c.get("ceiling"):
            x = c["ceiling"]
            ratios.append(f"{name}: the frequent-word list {x['searchsvc']['rps']:.0f} req/s = "
                          f"{x['share']:.2f} of the bare Flask ceiling "
                          f"({x['bare_flask']['rps']:.0f} req/s)")
    if len(rows) == 1:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines + [""] + ratios)


def extraction(work: Path, copies: int = 8, runs: int = 3) -> dict:
    """Reading speed per format: the report ``copies`` times over, as text,
    Markdown, a saved page, a Word file and a PDF printed by Chromium (the
    files the format tests make), each read ``runs`` times as a rebuild
    reads it; the best run's MB/s and, for the PDF, pages/s."""
    from tests.samples import (
        print_pdf,
        report_as_docx,
        report_as_html,
        report_as_markdown,
        report_for_print,
    )

    doc = corpus.read_document(REPORT / "luohu-2019.txt")
    doc.paragraphs = [model.Paragraph(len(doc.paragraphs) * k + p.number, p.text, p.section,
                                       p.heading) for k in range(copies) for p in doc.paragraphs]
    folder = work / "formats"
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join([doc.title, *(p.text for p in doc.paragraphs)])
    (folder / "report.txt").write_text(text, encoding="utf-8")
    (folder / "report.md").write_text(report_as_markdown(doc), encoding="utf-8")
    (folder / "report.html").write_bytes(report_as_html(doc))
    report_as_docx(doc, folder / "report.docx")
    try:
        print_pdf(report_for_print(doc), folder / "report.pdf")
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"skipping PDF extraction: {exc}", flush=True)
    out = {}
    for path in sorted(folder.iterdir()):
        source = corpus.Source(path, path.stem, path.read_bytes(), "")
        best = min(_timed(lambda source=source: corpus.parse_source(source)) for _ in range(runs))
        parsed = corpus.parse_source(source)
        row = {"mb": len(source.data) / 1e6, "seconds": best,
               "mb_per_s": len(source.data) / 1e6 / best, "paragraphs": len(parsed.paragraphs)}
        if path.suffix == ".pdf":
            row["pages"] = max(p.page for p in parsed.paragraphs)
            row["pages_per_s"] = row["pages"] / best
        out[path.suffix.lstrip(".")] = row
    return out


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,4,16", help="replications of the help corpus")
    ap.add_argument("--runs", type=int, default=3, help="builds per corpus (16x: 1)")
    ap.add_argument("--passes", type=int, default=4, help="passes over the query set")
    ap.add_argument("--http-seconds", type=float, default=15)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--log-seconds", type=float, default=20,
                    help="wrk time per system on the Zipf query log (0: skip)")
    ap.add_argument("--corpus", action="append", default=[], metavar="DIR",
                    help="measure this folder instead (repeatable)")
    ap.add_argument("--extraction", type=int, default=8, metavar="COPIES",
                    help="read the report COPIES times over in each format (0: skip)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="searchsvc-bench-"))
    try:
        if args.corpus:
            corpora = {Path(c).name: Path(c) for c in args.corpus}
            missing = [str(c) for c in corpora.values() if not c.is_dir()]
            if missing:
                print(f"no such corpus folder: {', '.join(missing)}", file=sys.stderr)
                return 2
        else:
            corpora = {"report": REPORT}
            if SHARED.is_dir():
                for k in (int(x) for x in args.sizes.split(",") if x.strip()):
                    corpora[f"help-{k}x"] = SHARED if k == 1 else \
                        replicate(SHARED, k, work / f"corpus-{k}x")
            else:
                print(f"skipping the help corpora: {SHARED} is absent "
                      "(only the report is measured)", flush=True)
        results = {}
        for name, folder in corpora.items():
            runs = 1 if name.endswith("16x") else args.runs
            one = run({name: folder}, runs, args.passes, args.http_seconds, args.concurrency,
                      work, args.log_seconds)
            results.setdefault("machine", one["machine"])
            results.setdefault("started", one["started"])
            results.setdefault("corpora", {}).update(one["corpora"])
        if args.extraction > 0:
            print(f"== extraction: the report x{args.extraction} in each format", flush=True)
            results["extraction"] = extraction(work, args.extraction)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print()
        m = results["machine"]
        print(f"machine: {m['cpus']} cores, {m['processor']}, {m['platform']}, Python {m['python']}")
        print(table(results))
        if (logs := log_table(results)):
            print("\nThe Zipf query log, against the FTS5 peer service (same gunicorn, same wrk):")
            print(logs)
        if results.get("extraction"):
            print("\nReading each format (best of 3):")
            for fmt, r in results["extraction"].items():
                pages = f", {r['pages']} pages, {r['pages_per_s']:.1f} pages/s" if "pages" in r else ""
                print(f"  {fmt:5s} {r['mb']:6.2f} MB  {r['paragraphs']:4d} paragraphs  "
                      f"{r['mb_per_s']:7.2f} MB/s{pages}")
        print(f"\nwritten to {out}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
