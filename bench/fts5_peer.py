"""The peer: the Flask + SQLite FTS5 search service a user would write instead.

One row per paragraph, the same jieba search-mode tokens searchsvc indexes
(normalized text), ``bm25()`` top 10 with ``snippet()`` and a total count.
The query's tokens are AND-ed, as FTS5 reads words joined by spaces
(``FTS5_MODE=or`` ORs them).
Served by the same gunicorn settings as searchsvc::

    FTS5_DB=peer.db gunicorn -c python:searchsvc.ops.gunicorn_conf 'fts5_peer:create_app()'

``build(corpus_dir, db_path)`` writes the database. Used by bench/run.py;
not part of the product.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from pathlib import Path

from flask import Flask, jsonify, request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searchsvc.analysis.normalize import normalize_text  # noqa: E402
from searchsvc.analysis.words import word_spans  # noqa: E402
from searchsvc.ingest import corpus  # noqa: E402


def tokens(text: str, user_dict: str | None = None) -> list[str]:
    """jieba search-mode tokens of normalized text, as searchsvc indexes them."""
    return [w for w, *_ in word_spans(normalize_text(text), "index", user_dict)]


def build(corpus_dir: Path, db_path: Path, user_dict: str | None = None) -> int:
    """One FTS5 row per paragraph; returns the number of rows."""
    docs, _ = corpus.read_corpus(corpus_dir)
    con = sqlite3.connect(db_path)
    con.execute("CREATE VIRTUAL TABLE p USING fts5(tokens, text UNINDEXED, pid UNINDEXED, "
                "tokenize = \"unicode61 tokenchars '.%+-#&_'\")")
    rows = ((" ".join(tokens(para.text, user_dict)), para.text, f"{d.doc_id}#p{para.number}")
            for d in docs for para in d.paragraphs)
    con.executemany("INSERT INTO p(tokens, text, pid) VALUES (?, ?, ?)", rows)
    con.commit()
    count = con.execute("SELECT count(*) FROM p").fetchone()[0]
    con.close()
    return count


def match_expression(query: str, mode: str = "and") -> str | None:
    """The query's distinct search-mode tokens, each quoted, joined as FTS5's
    own syntax joins words (``and``: what a fifty-line tool does) or with OR
    (``or``: ranked retrieval, slower on frequent words)."""
    words = dict.fromkeys(tokens(query))
    if not words:
        return None
    return (" OR " if mode == "or" else " ").join('"' + w.replace('"', '""') + '"'
                                                  for w in words)


SEARCH = ("SELECT pid, bm25(p), snippet(p, 0, '<mark>', '</mark>', '…', 32) "
          "FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10")
COUNT = "SELECT count(*) FROM p WHERE p MATCH ?"


def create_app(db_path: str | None = None) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False
    # the gunicorn settings' warm-up loads jieba's default dictionary before the
    # fork, for this app as for searchsvc: no index folder, no user dictionary
    app.config["INDEX_DIR"] = os.devnull
    path = db_path or os.environ["FTS5_DB"]
    mode = os.environ.get("FTS5_MODE", "and")
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if getattr(local, "con", None) is None:
            local.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                        check_same_thread=False)
        return local.con

    @app.get("/api/search")
    def search():
        q = request.args.get("q", "").strip()
        if not q:
            return jsonify({"error": {"code": "missing_query", "message": "q is required"}}), 400
        match = match_expression(q, mode)
        if match is None:
            return jsonify({"query": q, "total": 0, "hits": []})
        con = connection()
        hits = [{"id": pid, "score": -score, "snippet": snippet}
                for pid, score, snippet in con.execute(SEARCH, (match,))]
        total = con.execute(COUNT, (match,)).fetchone()[0]
        return jsonify({"query": q, "total": total, "hits": hits})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
