"""Ranking on queries typed the way people type into a search engine.

    python bench/web_queries.py [--out FILE] [--show]

The queries are the team's own (bench/queries/reports-web.tsv, #39, and a
second set written after the rules were built and not tuned to,
reports-web-later.tsv), written
over the reports collection (../shared/corpora/reports-zh/corpus: public
government work reports and congress reports) in five styles: numbers in the
other written form (百分之十五点七 for 15.7%, 2035年 for 二〇三五年), slogans
and abbreviations (六稳六保, 双碳, 个税), loosely quoted phrases (a character
dropped, added or changed, words apart), questions with question words, and
short keywords. A paragraph whose text holds one of the row's answer snippets
answers it.

searchsvc (``/api/search`` over a real build) and SQLite FTS5 ``bm25()`` over
the same jieba search-mode tokens (the OR of the query's tokens, as
bench/relevance.py asks it) answer each query, top 10: MRR@10, R@1, R@10
and the number of queries with no hit at all, per style and in all.
Without the reports collection the run says so and stops.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

REPORTS = ROOT.parent / "shared" / "corpora" / "reports-zh" / "corpus"
QUERIES = ROOT / "bench" / "queries" / "reports-web.tsv"
LATER = ROOT / "bench" / "queries" / "reports-web-later.tsv"  # written after the rules, not tuned to
TOP = 10


def read_queries(path: Path = QUERIES) -> list[tuple[str, str, list[str]]]:
    """(style, query, answer snippets) per row; ``#`` lines are comments."""
    rows = [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    out = []
    for row in rows[1:]:  # the header
        style, query, answers = row.split("\t")
        out.append((style, query, ["".join(s.split()) for s in answers.split("|") if s.strip()]))
    return out


def answers(folder: Path, queries: list[tuple[str, str, list[str]]]) -> list[set[str]]:
    """Per query, the ids of the paragraphs that hold one of its snippets."""
    from relevance import _paragraphs

    paragraphs = [(pid, "".join(text.split())) for pid, _title, text in _paragraphs(folder)]
    return [{pid for pid, text in paragraphs if any(s in text for s in snippets)}
            for _style, _query, snippets in queries]


def measure(system, queries, gold: list[set[str]]) -> dict:
    per_style: dict[str, dict] = {}
    ranks = []
    for (style, query, _), good in zip(queries, gold):
        hits = system.ask(query)
        rank = next((i for i, h in enumerate(hits, 1) if h in good), None)
        ranks.append(rank)
        for key in (style, "all"):
            m = per_style.setdefault(key, {"n": 0, "MRR@10": 0.0, "R@1": 0, "R@10": 0, "zero": 0})
            m["n"] += 1
            m["zero"] += not hits
            if rank:
                m["MRR@10"] += 1 / rank
                m["R@1"] += rank == 1
                m["R@10"] += 1
    for m in per_style.values():
        m["MRR@10"] = round(m["MRR@10"] / m["n"], 4)
    return {"styles": per_style, "ranks": ranks}


def run(path: Path = QUERIES) -> dict:
    from relevance import Fts5System, SearchsvcSystem

    queries = read_queries(path)
    gold = answers(REPORTS, queries)
    empty = [q for (_, q, _), g in zip(queries, gold) if not g]
    if empty:
        raise SystemExit(f"no paragraph answers {empty}: fix {path.name}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="webq-") as tmp:
        for cls in (SearchsvcSystem, Fts5System):
            work = Path(tmp) / cls.__name__
            work.mkdir()
            system = cls(REPORTS, work)
            results[system.name] = measure(system, queries, gold)
    return {"queries": [q for _, q, _ in queries], "results": results}


def table(report: dict) -> str:
    names = list(report["results"])
    styles = list(report["results"][names[0]]["styles"])
    lines = [f"reports collection, {len(report['queries'])} web-style queries, top {TOP}",
             f"{'style':<10} {'system':<10} {'n':>3} {'MRR@10':>7} {'R@1':>4} {'R@10':>5} {'zero':>5}"]
    for style in sorted(styles, key=lambda s: s == "all"):
        for name in names:
            m = report["results"][name]["styles"][style]
            lines.append(f"{style:<10} {name:<10} {m['n']:>3} {m['MRR@10']:7.3f} {m['R@1']:>4} "
                         f"{m['R@10']:>5} {m['zero']:>5}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--show", action="store_true", help="each query's rank per system")
    args = parser.parse_args(argv)
    if not REPORTS.is_dir():
        print(f"skipped: the reports collection is not at {REPORTS}")
        return 0
    reports = {}
    for path in (QUERIES, LATER):
        report = reports[path.name] = run(path)
        print(path.name)
        print(table(report))
        if args.show:
            names = list(report["results"])
            for i, q in enumerate(report["queries"]):
                print(" ".join(f"{report['results'][n]['ranks'][i] or '-':>3}" for n in names), q)
    if args.out:
        args.out.write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
