"""The bare Flask ceiling: what gunicorn and Flask alone answer on this
machine, with the settings searchsvc is served with. One route shaped like
/api/search (a query parameter in, a small JSON object out) and nothing
behind it: bench/run.py sets searchsvc's cached answers beside it.

    gunicorn -c python:searchsvc.ops.gunicorn_conf 'bare_app:create_app()'
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config["INDEX_DIR"] = os.devnull  # the shared gunicorn settings' warm-up reads it

    @app.get("/api/search")
    def search():
        return jsonify({"query": request.args.get("q", ""), "total": 0, "hits": []})

    return app
