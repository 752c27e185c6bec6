"""The engine beside compiled engines: searchsvc, Xapian and tantivy on one log.

    python bench/anchors.py [--corpus DIR] [--lines 20000] [--out FILE]

In process, one thread, over the help corpus (../shared/bench/lo-help-zh)
and the Zipf query log of bench/querylog.py: every line asked in turn,
latency per line, the result cache left out. searchsvc runs its engine
alone (``search.ranked``: total and top 10, no snippets or facets).
The anchors index the same paragraphs as the same jieba tokens (the word
index's own: ``analysis.word_spans`` in index mode over the flat text)
and answer each line's query words OR'ed, BM25, top 10 with an exact
count: tantivy (tantivy-py, a whitespace tokenizer over the tokens) in
this process, Xapian (Debian's python3-xapian) in Debian's Python, fed
the tokens as JSON. An anchor that is not installed is reported as
missing, not guessed. `make bench-anchors` installs both and runs this.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from querylog import distinct_queries, zipf_log  # noqa: E402

from searchsvc.analysis.words import query_words, word_spans  # noqa: E402
from searchsvc.engine import search as S  # noqa: E402
from searchsvc.engine.snapshot import Snapshot  # noqa: E402
from searchsvc.indexer import rebuild as indexer  # noqa: E402
from searchsvc.storage.layout import current_path  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench" / "lo-help-zh"
DEBIAN_PYTHON = "/usr/bin/python3"


def percentiles(ms: list[float]) -> dict:
    ordered = sorted(ms)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99),
            "mean": round(sum(ordered) / len(ordered), 3), "lines": len(ordered)}


def paragraph_tokens(snap) -> list[tuple[int, list[str]]]:
    """Each live paragraph's jieba tokens, as the word index holds them."""
    live = set(snap.literals.every_live())
    return [(d, [w for w, *_ in word_spans(snap.literals.text(d), "index", snap.user_dict)])
            for d in sorted(live)]


def time_searchsvc(snap, log: list[str]) -> dict:
    ms = []
    for q in log:
        started = time.perf_counter()
        S.ranked(snap, q, 10)
        ms.append((time.perf_counter() - started) * 1000)
    return percentiles(ms)


def time_tantivy(docs, queries: list[list[str]]) -> dict:
    try:
        import tantivy
    except ImportError:
        return {"missing": "tantivy-py is not installed (make bench-anchors installs it)"}
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    builder.add_integer_field("docnum", stored=True, fast=True)
    schema = builder.build()
    index = tantivy.Index(schema)  # in memory
    writer = index.writer()
    for docnum, tokens in docs:
        writer.add_document(tantivy.Document(body=" ".join(tokens), docnum=docnum))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    ms = []
    for words in queries:
        started = time.perf_counter()
        if words:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", w))
                 for w in words])
            searcher.search(query, 10, count=True)
        ms.append((time.perf_counter() - started) * 1000)
    return percentiles(ms)


XAPIAN_SCRIPT = r"""
import json, sys, time, xapian
docs_file, queries_file = sys.argv[1], sys.argv[2]
db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
with open(docs_file, encoding="utf-8") as f:
    for line in f:
        docnum, tokens = json.loads(line)
        doc = xapian.Document()
        for pos, token in enumerate(tokens, 1):
            doc.add_posting(token.encode("utf-8")[:240], pos)
        db.add_document(doc)
db.commit()
enquire = xapian.Enquire(db)
enquire.set_weighting_scheme(xapian.BM25Weight())
total = db.get_doccount()
ms = []
with open(queries_file, encoding="utf-8") as f:
    for line in f:
        words = json.loads(line)
        started = time.perf_counter()
        if words:
            query = xapian.Query(xapian.Query.OP_OR, [w.encode("utf-8")[:240] for w in words])
            enquire.set_query(query)
            mset = enquire.get_mset(0, 10, total)  # check every match: an exact count
            mset.get_matches_estimated()
        ms.append((time.perf_counter() - started) * 1000)
print(json.dumps(ms))
"""


def time_xapian(docs, queries: list[list[str]], work: Path) -> dict:
    check = subprocess.run([DEBIAN_PYTHON, "-c", "import xapian"], capture_output=True) \
        if Path(DEBIAN_PYTHON).exists() else None
    if check is None or check.returncode != 0:
        return {"missing": "Debian's python3-xapian is not installed "
                           "(make bench-anchors installs it)"}
    docs_file, queries_file = work / "docs.jsonl", work / "queries.jsonl"
    with open(docs_file, "w", encoding="utf-8") as f:
        for docnum, tokens in docs:
            f.write(json.dumps([docnum, tokens], ensure_ascii=False) + "\n")
    with open(queries_file, "w", encoding="utf-8") as f:
        for words in queries:
            f.write(json.dumps(words, ensure_ascii=False) + "\n")
    out = subprocess.run([DEBIAN_PYTHON, "-c", XAPIAN_SCRIPT, str(docs_file), str(queries_file)],
                         capture_output=True, text=True, check=True)
    return percentiles(json.loads(out.stdout))


def run(corpus: Path, lines: int, work: Path) -> dict:
    indexer.build_index(corpus, work / "index")
    snap = Snapshot(current_path(work / "index"))
    try:
        log = [q for _, q in zipf_log(distinct_queries(snap, 4000), lines)]
        docs = paragraph_tokens(snap)
        queries = [query_words(q, snap.user_dict) for q in log]
        return {"paragraphs": len(docs), "lines": len(log), "distinct": len(set(log)),
                "searchsvc": time_searchsvc(snap, log),
                "tantivy": time_tantivy(docs, queries),
                "xapian": time_xapian(docs, queries, work)}
    finally:
        snap.close()


def table(result: dict) -> str:
    rows = [f"{result['paragraphs']:,} paragraphs, {result['lines']:,} log lines "
            f"({result['distinct']:,} distinct), one thread, in process (ms):"]
    ours = result["searchsvc"]
    for name in ("searchsvc", "xapian", "tantivy"):
        r = result[name]
        if "missing" in r:
            rows.append(f"  {name:10} missing: {r['missing']}")
            continue
        ratio = "" if name == "searchsvc" else \
            f"   searchsvc p99 / this p99: {ours['p99'] / max(r['p99'], 1e-9):.1f}x"
        rows.append(f"  {name:10} p50 {r['p50']:7.3f}  p95 {r['p95']:7.3f}  "
                    f"p99 {r['p99']:7.3f}  mean {r['mean']:7.3f}{ratio}")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(SHARED))
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "anchors.json"))
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"skipped: no corpus at {corpus}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="searchsvc-anchors-"))
    try:
        result = run(corpus, args.lines, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["machine"] = {"python": platform.python_version(), "when": time.strftime("%Y-%m-%d")}
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
