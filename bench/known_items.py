"""Known-item ranking: does the paragraph a query was made from come first?

    python bench/known_items.py [--queries 1500] [--coverage 0,0.5,1] [CORPUS ...]

For each corpus (default: ../shared/bench/lo-help-zh and the reports
collection ../shared/corpora/reports-zh/corpus) the run builds an index,
draws paragraphs of at least 20 characters with a fixed seed and makes a
query of 2-6 of each one's content words in random order; half the queries
get a word from another paragraph too, as people add a word the text does
not use. MRR@10 and R@1 are printed for each value of the rerank's coverage
power (``searchsvc.engine.order.COVERAGE``, its floor kept; 0 turns the factor off); a
paragraph with the same text as the one drawn counts as the answer.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
CORPORA = [ROOT.parent / "shared" / "bench" / "lo-help-zh",
           ROOT.parent / "shared" / "corpora" / "reports-zh" / "corpus"]


def content_words(text: str) -> list[str]:
    """The Chinese content words of the query log's queries (bench/querylog.py)."""
    from querylog import HAN, _content_words

    return [w for w in _content_words(text) if HAN.search(w)]


def make_queries(folder: Path, n: int, seed: int = 7) -> list[tuple[set[str], str]]:
    """(ids of paragraphs with the drawn text, query) pairs."""
    from searchsvc.ingest import corpus

    docs, _ = corpus.read_corpus(folder)
    paragraphs = [(f"{d.doc_id}#p{p.number}", "".join(p.text.split()))
                  for d in docs for p in d.paragraphs]
    paragraphs = [(pid, text) for pid, text in paragraphs if len(text) >= 20]
    by_text: dict[str, set[str]] = {}
    for pid, text in paragraphs:
        by_text.setdefault(text, set()).add(pid)
    rng, queries = random.Random(seed), []
    while len(queries) < n:
        _, text = rng.choice(paragraphs)
        words = content_words(text)
        if len(words) < 2:
            continue
        query = rng.sample(words, rng.randint(2, min(6, len(words))))
        if rng.random() < 0.5:
            other = [w for w in content_words(rng.choice(paragraphs)[1]) if w not in text]
            if other:
                query.insert(rng.randrange(len(query) + 1), rng.choice(other))
        queries.append((by_text[text], " ".join(query)))
    return queries


def measure(snap, queries) -> tuple[float, float]:
    from searchsvc.engine.search import search

    snap.results.clear()
    rr = r1 = 0.0
    for gold, query in queries:
        ids = [h.id for h in search(snap, query, per_page=10).hits]
        rank = next((k for k, pid in enumerate(ids, 1) if pid in gold), None)
        if rank:
            rr += 1 / rank
            r1 += rank == 1
    return rr / len(queries), r1 / len(queries)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="*", type=Path, default=CORPORA)
    ap.add_argument("--queries", type=int, default=1500)
    ap.add_argument("--coverage", default="0,0.5,1,1.5",
                    help="coverage powers to compare (order.COVERAGE_FLOOR kept)")
    args = ap.parse_args(argv)
    from searchsvc.engine import order
    from searchsvc.engine.snapshot import open_current
    from searchsvc.indexer import rebuild as indexer

    for folder in args.corpora:
        if not folder.is_dir():
            print(f"skipped: {folder} is not here")
            continue
        label = folder.parent.name if folder.name == "corpus" else folder.name
        queries = make_queries(folder, args.queries)
        with tempfile.TemporaryDirectory(prefix="known-") as tmp:
            indexer.build_index(folder, Path(tmp) / "index")
            snap = open_current(Path(tmp) / "index")
            configured = order.COVERAGE
            try:
                for power in (float(p) for p in args.coverage.split(",")):
                    order.COVERAGE = power
                    mrr, r1 = measure(snap, queries)
                    print(f"{label:<12} coverage {power:<4} MRR@10 {mrr:.4f}  R@1 {r1:.4f}",
                          flush=True)
            finally:
                order.COVERAGE = configured
                snap.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
