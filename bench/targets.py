"""#22's targets as a Markdown table, from the benchmark's result files.

    python bench/targets.py [--results bench/results]

Reads latest.json (`make bench`), help-64x.json (`make bench-64`) and
anchors.json (`make bench-anchors`); a figure whose run is missing prints
as "-". Ratios are searchsvc / peer from one run: gevent workers, sync
workers in brackets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("help-4x", "help-16x", "help-64x")


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def corpora(results: Path) -> dict:
    found = dict(_load(results / "latest.json").get("corpora", {}))
    found.update(_load(results / "help-64x.json").get("corpora", {}))
    return found


def _ratio(c: dict, key: str) -> str:
    log = c.get("log")
    if not log or key not in log.get("ratios", {}):
        return "-"
    sync = log.get("ratios_sync", {}).get(key)
    return f"{log['ratios'][key]:.2f}x" + (f" ({sync:.2f}x)" if sync is not None else "")


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


def table(results: Path) -> str:
    c = corpora(results)
    rows = [("target", "4x", "16x", "64x")]
    for label, key, limit, higher in (
            ("Zipf log req/s ≥ the peer's", "rps", 1.0, True),
            ("Zipf log p99 ≤ the peer's", "p99", 1.0, False),
            ("cold pass req/s ≥ the peer's", "cold_rps", 1.0, True),
            ("cold pass p99 ≤ the peer's", "cold_p99", 1.0, False),
            ("whole questions p99 ≤ 1.5x the peer's", "question_p99", 1.5, False),
            ("largest worker's PSS ≤ 1.5x the peer's", "pss", 1.5, False)):
        cells = []
        for size in SIZES:
            log = c.get(size, {}).get("log")
            if not log or key not in log.get("ratios", {}):
                cells.append("-")
                continue
            value = log["ratios"][key]
            cells.append(_ratio(c[size], key) + _mark(value >= limit if higher else value <= limit))
        rows.append((label, *cells))
    share = [f"{c[s]['build_share']:.2f}" if s in c else "-" for s in SIZES]
    rows.append(("full build ≥ 0.5 (4x), 0.4 (64x) of cores × jieba",
                 share[0] + (_mark(c["help-4x"]["build_share"] >= 0.5) if "help-4x" in c else ""),
                 share[1],
                 share[2] + (_mark(c["help-64x"]["build_share"] >= 0.4) if "help-64x" in c else "")))
    big = c.get("help-64x", {})
    cold = big.get("log", {}).get("searchsvc", {}).get("cold", {})
    if cold:
        first = cold["first_answer_after_listen_s"]
        rows.append(("first answer ≤ 2 s after the port listens (after start)", "", "",
                     f"{first:.2f} s ({cold['first_answer_s']:.2f} s)" + _mark(first <= 2.0)))
    if big.get("incremental"):
        seconds = big["incremental"]["seconds"]["median"]
        rows.append(("rebuild after one changed file ≤ 3 s", "", "",
                     f"{seconds:.1f} s" + _mark(seconds <= 3.0)))
    for size in SIZES:
        ceiling = c.get(size, {}).get("ceiling")
        if ceiling:
            rows.append((f"frequent words ≥ 0.5 of bare Flask ({size})", "", "",
                         f"{ceiling['share']:.2f} ({ceiling['searchsvc']['rps']:.0f} of "
                         f"{ceiling['bare_flask']['rps']:.0f} req/s)"
                         + _mark(ceiling["share"] >= 0.5)))
    anchors = _load(results / "anchors.json")
    if anchors.get("xapian", {}).get("p99"):
        ours, xapian = anchors["searchsvc"]["p99"], anchors["xapian"]["p99"]
        tantivy = anchors.get("tantivy", {}).get("p99")
        rows.append(("engine alone p99 ≤ 3x Xapian's (help 1x, in process)",
                     f"{ours:.1f} ms", f"Xapian {xapian:.1f} ms"
                     + (f", tantivy {tantivy:.2f}" if tantivy else ""),
                     f"{ours / xapian:.2f}x" + _mark(ours <= 3 * xapian)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=str(ROOT / "bench" / "results"))
    print(table(Path(ap.parse_args(argv).results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
