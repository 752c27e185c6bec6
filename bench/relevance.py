"""Ranking benchmark on DRCD: searchsvc against the tools a user would write instead.

    python bench/relevance.py [--limit N] [--out FILE]

Corpus and questions come from ../shared/relevance/drcd (506 articles,
2,000 paragraphs, 2,000 questions with their answer paragraph, traditional
script). Each question is asked in four forms: as written, in simplified
script, as keywords (question words and particles dropped, a space where
they were) and as words apart (every content word separated by a space).

Three systems answer each form, top 10:

* searchsvc through ``/api/search`` (the Flask app over a real build);
* SQLite FTS5 with ``bm25()`` over jieba search-mode tokens of each
  paragraph, queried with the OR of the query's search-mode tokens (the
  fifty-line tool: no script conversion, no literal matching);
* Whoosh BM25F with jieba's bundled ``ChineseAnalyzer``, OR of the query's
  tokens.

Reported per system and form: R@1, R@10, MRR@10 and the share of queries
with no hit at all. Without ../shared/relevance the run says so and stops.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DRCD = ROOT.parent / "shared" / "relevance" / "drcd"
TOP = 10

# What people leave out when they type keywords instead of a question: the
# question words and the particles around them (simplified script).
QUESTION_WORDS = sorted("""
什么 甚么 哪 哪个 哪些 哪里 哪儿 哪一 哪一个 哪一年 哪一位 哪一种 哪位 哪种 哪国 哪年 谁 何 何时 何地
何种 何处 何人 何者 为何 如何 几 几个 几年 几岁 多少 多久 多大 多长 多高 多远 怎么 怎样 怎么样
为什么 吗 呢 是否 是不是 有没有 请问 的 了 是 在 由 被 于 为 与 和 及 之 其 所 而 把 对 将 以 从
""".split(), key=len, reverse=True)
_PUNCT = re.compile(r"[\s\u3000，。？！、；：“”‘’（）《》〈〉「」『』,.?!;:()\"'—…·]+")


@dataclass
class Question:
    qid: str
    text: str
    gold: str  # "drcd-1147#p3"


def read_questions(limit: int | None = None) -> list[Question]:
    rows = (DRCD / "questions.tsv").read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for row in rows:
        qid, question, doc, paragraph, _answer = row.split("\t")
        out.append(Question(qid, question, f"{doc}#p{paragraph}"))
    return out[:limit] if limit else out


# --------------------------------------------------------------------------
# The forms people type
# --------------------------------------------------------------------------

def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def keyword_forms(question: str, t2s, jieba) -> dict[str, str]:
    """The question as written, simplified, as keywords, as words apart."""
    simplified = t2s.convert(question)
    words = [w for w in jieba.cut(simplified) if w.strip()]
    spaced, gap = [], False
    for w in words:
        if w in QUESTION_WORDS or _PUNCT.fullmatch(w):
            gap = True
            continue
        if gap and spaced:
            spaced.append(" ")
        spaced.append(w)
        gap = False
    keywords = "".join(spaced).strip()
    apart = " ".join(w for w in words if w not in QUESTION_WORDS and not _PUNCT.fullmatch(w))
    return {"question": question, "simplified": simplified,
            "keywords": keywords or simplified, "words apart": apart or simplified}


# --------------------------------------------------------------------------
# The systems
# --------------------------------------------------------------------------

def _paragraphs(folder: Path):
    """(id, title, text) of every paragraph, parsed as searchsvc parses them."""
    from searchsvc.ingest import corpus

    docs, _ = corpus.read_corpus(folder)
    for d in docs:
        for p in d.paragraphs:
            yield f"{d.doc_id}#p{p.number}", d.title, p.text


class SearchsvcSystem:
    name = "searchsvc"

    def __init__(self, folder: Path, work: Path):
        from searchsvc import create_app
        from searchsvc.indexer import rebuild as indexer

        indexer.build_index(folder, work / "index")
        app = create_app({"CORPUS_DIR": str(folder), "INDEX_DIR": str(work / "index")})
        self.client = app.test_client()

    def ask(self, query: str) -> list[str]:
        r = self.client.get("/api/search", query_string={"q": query, "per_page": TOP})
        if r.status_code != 200:
            raise RuntimeError(f"{query!r}: HTTP {r.status_code} {r.get_data(as_text=True)[:200]}")
        return [h["id"] for h in r.get_json()["hits"]]


class Fts5System:
    """SQLite FTS5 over the same search-mode tokens searchsvc indexes (jieba
    on normalized, simplified text): what a user writes in fifty lines."""

    name = "FTS5 bm25"

    def __init__(self, folder: Path, work: Path):
        self.con = sqlite3.connect(work / "fts5.db")
        self.con.execute("CREATE VIRTUAL TABLE p USING fts5(pid UNINDEXED, tokens)")
        self.con.executemany(
            "INSERT INTO p(pid, tokens) VALUES (?, ?)",
            ((pid, self._tokens(text)) for pid, _title, text in _paragraphs(folder)))
        self.con.commit()

    @staticmethod
    def _tokens(text: str) -> str:
        from fts5_peer import tokens

        return " ".join(tokens(text))

    def ask(self, query: str) -> list[str]:
        from fts5_peer import match_expression

        match = match_expression(query, "or")
        if match is None:
            return []
        rows = self.con.execute("SELECT pid FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?",
                                (match, TOP)).fetchall()
        return [r[0] for r in rows]


class WhooshSystem:
    """Whoosh BM25F with jieba's bundled ChineseAnalyzer, OR of the query's tokens."""

    name = "Whoosh+jieba"

    def __init__(self, folder: Path, work: Path):
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema

        _jieba()
        schema = Schema(pid=ID(stored=True), text=TEXT(analyzer=ChineseAnalyzer()))
        (work / "whoosh").mkdir()
        ix = index.create_in(str(work / "whoosh"), schema)
        with ix.writer() as w:
            for pid, _title, text in _paragraphs(folder):
                w.add_document(pid=pid, text=text)
        self.searcher = ix.searcher()
        self.analyzer = schema["text"].analyzer

    def ask(self, query: str) -> list[str]:
        from whoosh import query as Q

        tokens = dict.fromkeys(t.text for t in self.analyzer(query, mode="query"))
        if not tokens:
            return []
        q = Q.Or([Q.Term("text", t) for t in tokens])
        return [hit["pid"] for hit in self.searcher.search(q, limit=TOP)]


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------

def origins(folder: Path) -> dict[str, str]:
    """Each entry's id to the id the data gives its paragraph: a paragraph
    too long to read whole is split at sentence ends (ingest.split), and a
    hit on any of its pieces is a hit on it."""
    from searchsvc.ingest import corpus

    docs, _ = corpus.read_corpus(folder)
    out = {}
    for d in docs:
        n = 0
        for p in d.paragraphs:
            n += not p.continues
            out[f"{d.doc_id}#p{p.number}"] = f"{d.doc_id}#p{n}"
    return out


def measure(system, questions: list[Question], forms: dict[str, list[str]],
            origin: dict[str, str] | None = None) -> dict:
    """R@1, R@10, MRR@10 and zero-hit share per form, plus the ranks;
    ``origin`` maps entries to their paragraph's id (``origins``)."""
    origin = origin or {}
    out = {}
    for form, queries in forms.items():
        r1 = r10 = rr = zero = 0.0
        ranks = []
        started = time.perf_counter()
        for q, text in zip(questions, queries):
            hits = list(dict.fromkeys(origin.get(h, h) for h in system.ask(text)))
            zero += not hits
            rank = hits.index(q.gold) + 1 if q.gold in hits else None
            ranks.append(rank)
            if rank:
                r1 += rank == 1
                r10 += 1
                rr += 1 / rank
        n = len(questions) or 1
        out[form] = {"R@1": r1 / n, "R@10": r10 / n, "MRR@10": rr / n, "zero": zero / n,
                     "seconds": time.perf_counter() - started, "ranks": ranks}
    return out


def make_forms(questions: list[Question]) -> dict[str, list[str]]:
    t2s, jieba = _t2s(), _jieba()
    rows = [keyword_forms(q.text, t2s, jieba) for q in questions]
    return {form: [r[form] for r in rows] for form in rows[0]} if rows else {}


SYSTEMS = (SearchsvcSystem, Fts5System, WhooshSystem)
QUICK = (SearchsvcSystem, Fts5System)


def run(limit: int | None = None, systems=SYSTEMS) -> dict:
    questions = read_questions(limit)
    forms = make_forms(questions)
    results, builds = {}, {}
    origin = origins(DRCD / "corpus")
    with tempfile.TemporaryDirectory(prefix="drcd-") as tmp:
        for cls in systems:
            work = Path(tmp) / cls.__name__
            work.mkdir()
            started = time.perf_counter()
            system = cls(DRCD / "corpus", work)
            built = time.perf_counter()
            results[system.name] = measure(system, questions, forms, origin)
            builds[system.name] = round(built - started, 2)
    return {"questions": len(questions), "forms": forms, "results": results,
            "build_seconds": builds}


def table(report: dict) -> str:
    lines = [f"DRCD, {report['questions']} questions, top {TOP}",
             f"{'form':<12} {'system':<14} {'R@1':>6} {'R@10':>6} {'MRR@10':>7} {'zero':>6}"]
    results = report["results"]
    for form in report["forms"]:
        for name, per_form in results.items():
            if form not in per_form:
                continue
            m = per_form[form]
            lines.append(f"{form:<12} {name:<14} {m['R@1']:6.3f} {m['R@10']:6.3f} "
                         f"{m['MRR@10']:7.3f} {m['zero']:6.3f}  ({m['seconds']:.1f} s)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--quick", action="store_true",
                        help="searchsvc and FTS5 only (Whoosh's build takes a minute)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args(argv)
    if not (DRCD / "questions.tsv").is_file():
        print(f"skipped: the DRCD relevance set is not at {DRCD}")
        return 0
    report = run(args.limit, QUICK if args.quick else SYSTEMS)
    print(table(report))
    if args.out:
        slim = {k: v for k, v in report.items() if k != "forms"}
        for per_form in slim["results"].values():
            for m in per_form.values():
                m.pop("ranks", None)
        args.out.write_text(json.dumps(slim, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
