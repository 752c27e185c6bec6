"""Every answer of the help corpus to a fixed query set, as JSON: run it
before and after a change that must not change behaviour, then compare.

    python bench/answers.py OUT.json [--corpus DIR] [--index DIR]

Builds the corpus (../shared/bench/lo-help-zh) into a temporary index,
then records for about 1,500 queries (bench/run.py's query set, 1,000 of
the query log's, the 1,000-character queries, filtered and deeper pages)
/api/search's answer to the first and third page (every hit with its
score, marks, fragments and snippet; the facets), the document view's
marks and the suggestions. Two files from the same code are identical.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from querylog import distinct_queries  # noqa: E402
from run import SHARED, long_queries, make_queries  # noqa: E402

from searchsvc import create_app  # noqa: E402
from searchsvc.engine import search as S  # noqa: E402
from searchsvc.engine.snapshot import open_current  # noqa: E402
from searchsvc.indexer.rebuild import build_index  # noqa: E402


def answer(client, query: str, page: int = 1, doc=()) -> dict:
    """/api/search's answer, as a client reads it (took_ms left out,
    scores to three places)."""
    data = client.get("/api/search", query_string={"q": query, "page": page,
                                                  "doc": list(doc)}).get_json()
    data.pop("took_ms")
    for hit in data["hits"]:
        hit["score"] = round(hit["score"], 3)
    return data


def record(snap, client) -> dict:
    queries = [q for _, q in make_queries(snap)]
    queries += [q for _, q in distinct_queries(snap, n=1000)]
    queries += [q for _, q in long_queries(snap)]
    out = {}
    for q in dict.fromkeys(queries):
        out[q] = first = answer(client, q)
        if first["total"] > 20:
            out[q + "  [page 3]"] = answer(client, q, 3)
        facets = first["facets"]
        if facets.get("doc"):
            out[q + "  [doc]"] = answer(client, q, doc=[facets["doc"][0]["value"]])
        if first["hits"]:
            doc_id = first["hits"][0]["doc_id"]
            texts = [p["text"] for p in snap.paragraphs(doc_id)]
            out[q + "  [marks]"] = [list(map(list, m)) for m in
                                    S.document_marks(snap, doc_id, texts, q)]
        out[q + "  [suggest]"] = S.suggest(snap, q)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--corpus", default=str(SHARED))
    ap.add_argument("--index", help="an index folder to build into (default: a temporary one)")
    args = ap.parse_args(argv)
    logging.getLogger("searchsvc.access").disabled = True
    if not Path(args.corpus).is_dir():
        print(f"skipped: no corpus at {args.corpus}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(args.index or tmp)
        build_index(args.corpus, index_dir, full=True)
        snap = open_current(index_dir)
        client = create_app({"INDEX_DIR": str(index_dir), "CORPUS_DIR": args.corpus,
                             "MAX_QUERY_LENGTH": 10_000}).test_client()
        try:
            answers = record(snap, client)
        finally:
            snap.close()
    Path(args.out).write_text(json.dumps(answers, ensure_ascii=False, indent=0, sort_keys=True),
                              encoding="utf-8")
    print(f"{len(answers)} answers in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
