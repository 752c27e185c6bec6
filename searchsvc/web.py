"""HTTP views: the search page, the document view and the JSON API.

Views only read parameters and render; ranking, snippets and marks come
from :mod:`searchsvc.search`, so the page and ``/api/search`` cannot drift
apart. Every client error is a 400 with one JSON shape::

    {"error": {"code": "...", "message": "..."}}
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from urllib.parse import quote

from flask import (Blueprint, current_app, g, jsonify, render_template, request, send_file,
                   url_for)
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from . import metrics, search
from .highlight import render, snippet_html
from .index import EXTENSION, INTERNAL_KEYS, IndexUnavailable, acquire, user_dictionary, using
from .params import QUERY, SEARCH, SUGGEST, BadParameter, read
from .store import DamagedFile

bp = Blueprint("web", __name__)


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _query_param(required: bool) -> str:
    return read([QUERY], request.args.getlist, current_app.config, required)["query"]


def _search_params(required: bool) -> dict:
    return read(SEARCH, request.args.getlist, current_app.config, required)


def _snapshot():
    """The app's current build, held for this request (so a rebuild's
    switch closes it only once the request is answered, ``_release``) and
    remembered so the answer can say which build gave it (``_versioned``)."""
    if "snapshot" not in g:
        g.snapshot = acquire(current_app)
    return g.snapshot


@bp.teardown_app_request
def _release(exc):
    snap = g.pop("snapshot", None)
    if snap is not None:
        snap.release()


def _link(doc_id: str, paragraph: int, query: str) -> str:
    args = {"q": query} if query else {}
    return url_for("web.document", doc_id=doc_id, _anchor=f"p{paragraph}", **args)


def run_search(params: dict) -> search.SearchResult:
    result = search.search(_snapshot(), params["query"], params["page"], params["per_page"],
                           section=params["section"], doc=params["doc"])
    metrics.search_done(result)
    g.result = result
    return result


def rendered_hits(result: search.SearchResult) -> list[tuple[str, str]]:
    """Per hit, what the API and the page add to its data: the snippet as
    escaped HTML with <mark>s and the link to the paragraph in its
    document. Made once per cached result (repeated queries are most of a
    real log) and kept with it."""
    rendered = result.rendered.get("web")
    if rendered is None:
        rendered = result.rendered["web"] = [
            (snippet_html(h.text, h.fragments, h.matches), _link(h.doc_id, h.paragraph, result.query))
            for h in result.hits]
    return rendered


def hit_views(result: search.SearchResult) -> list[dict]:
    """The hits as the JSON API shows them."""
    return [dict(h.to_dict(), snippet=snippet, url=url)
            for h, (snippet, url) in zip(result.hits, rendered_hits(result))]


def result_view(result: search.SearchResult) -> dict:
    return result.to_dict(hits=hit_views(result))


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------

@bp.get("/api/search")
def api_search():
    return jsonify(result_view(run_search(_search_params(required=True))))


@bp.get("/api/suggest")
def api_suggest():
    params = read(SUGGEST, request.args.getlist, current_app.config, required=False)
    return jsonify({"query": params["query"],
                    "suggestions": search.suggest(_snapshot(), params["query"], params["limit"])})


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus text format: requests and latency per endpoint and status
    over every worker, zero-result searches, result-cache hits, the
    serving build's version, size, age and build time, and the outcome and
    duration of the last rebuild and publish."""
    try:
        snap = acquire(current_app)
    except IndexUnavailable:
        snap = None
    try:
        body, content_type = metrics.exposition(lambda: snap, current_app.config["INDEX_DIR"])
    finally:
        if snap is not None:
            snap.release()
    return current_app.response_class(body, content_type=content_type)


@bp.get("/api/openapi.json")
def api_openapi():
    from .openapi import spec

    return jsonify(spec(current_app.config))


@bp.get("/api/documents")
def api_documents():
    snap = _snapshot()
    docs = []
    for d in snap.documents.values():
        meta = {k: v for k, v in d.items() if k not in INTERNAL_KEYS}
        meta["url"] = url_for("web.document", doc_id=d["doc_id"])
        meta["file_url"] = url_for("web.document_file", doc_id=d["doc_id"])
        docs.append(meta)
    return jsonify({"documents": docs, "total": len(docs)})


@bp.get("/healthz")
def healthz():
    try:
        snap = _snapshot()
    except IndexUnavailable as exc:
        return jsonify({"status": "unavailable", "reason": str(exc)}), 503
    return jsonify({"status": "ok", "documents": snap.meta.documents,
                    "paragraphs": snap.meta.paragraphs,
                    "index_built_at": snap.meta.built_at, "index_version": snap.version})


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

def _page_url(params: dict, **changes) -> str:
    args = {"q": params["query"], "page": params["page"], "section": params["section"],
            "doc": params["doc"]}
    if params["per_page"] != 10:
        args["per_page"] = params["per_page"]
    args.update(changes)
    if args.get("page") == 1:
        args.pop("page")
    return url_for("web.index", **{k: v for k, v in args.items() if v not in (None, "", [])})


@bp.get("/")
def index():
    error = None
    result = None
    params = {"query": request.args.get("q", "")[:200], "page": 1, "per_page": 10,
              "section": [], "doc": []}
    try:
        params = _search_params(required=False)
        if params["query"] or params["section"] or params["doc"]:
            result = run_search(params)
    except BadParameter as exc:
        error = exc.message
    hits = list(zip(result.hits, rendered_hits(result))) if result else []
    return render_template("index.html", params=params, result=result, hits=hits, error=error,
                           page_url=lambda **kw: _page_url(params, **kw),
                           documents=_documents_or_empty())


def _documents_or_empty():
    try:
        return _snapshot().documents
    except IndexUnavailable:
        return {}


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    query = _query_param(required=False)
    snap = _snapshot()
    stored = snap.paragraphs(doc_id)
    if stored is None:
        raise BadParameter("document_not_found", f"no document with id {doc_id!r}", 404)
    doc = snap.documents[doc_id]
    marks = search.document_marks(snap, doc_id, [p["text"] for p in stored], query)
    paragraphs = [dict(p, html=Markup(render(p["text"], 0, len(p["text"]), spans)))
                  for p, spans in zip(stored, marks)]
    return render_template("document.html", doc=doc, paragraphs=paragraphs, query=query,
                           original=url_for("web.document_file", doc_id=doc_id),
                           back=url_for("web.index", q=query) if query else url_for("web.index"))


# How an original is served: text and PDF shown in the browser, anything a
# browser would run (HTML) or cannot show (Word) downloaded.
_ORIGINAL_TYPES = {".txt": ("text/plain; charset=utf-8", False), ".md": ("text/plain; charset=utf-8", False),
                   ".markdown": ("text/plain; charset=utf-8", False), ".pdf": ("application/pdf", False),
                   ".html": ("text/html", True), ".htm": ("text/html", True),
                   ".docx": ("application/vnd.openxmlformats-officedocument."
                             "wordprocessingml.document", True)}


@bp.get("/doc/<doc_id>/file")
def document_file(doc_id: str):
    """The document's original file, as the corpus folder holds it now.

    The file name comes from the index, never from the request, and is
    looked up inside the corpus folder only. Text is served as text/plain
    whatever it holds, and HTML as a download, so an original never runs
    in this site's pages.
    """
    snap = _snapshot()
    if doc_id not in snap.documents:
        raise BadParameter("document_not_found", f"no document with id {doc_id!r}", 404)
    name = snap.documents[doc_id]["file"]
    folder = Path(current_app.config["CORPUS_DIR"]).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise BadParameter("file_not_found", f"the original of {doc_id!r} ({name}) is no longer "
                           "in the corpus folder", 404)
    mimetype, download = _ORIGINAL_TYPES.get(path.suffix.lower(), ("application/octet-stream", True))
    response = send_file(path, mimetype=mimetype, as_attachment=download, download_name=name,
                         max_age=0)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


MAX_QUERY_STRING = 64 * 1024  # bytes: far past a 1,000-character query, encoded


class RawQueryString:
    """WSGI middleware: percent-encode raw bytes in the query string, and
    refuse one too long to be a query with the JSON error shape.

    curl sends ?q=营商环境 unencoded, and clients send invalid UTF-8;
    Werkzeug decodes a raw query string strictly (a UnicodeDecodeError, so a
    500). Percent-encoded, valid UTF-8 reads as before; invalid bytes stay
    percent-escapes in the decoded text (%FF), which Werkzeug leaves as is.
    """

    SAFE = "=&+%;/:,?@!$'()*~"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_STRING:
            body = json.dumps(error_body(
                "request_too_long", f"the query string is {len(query)} bytes long; "
                f"the limit is {MAX_QUERY_STRING}")).encode()
            start_response("400 Bad Request", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        if query and not query.isascii():
            environ["QUERY_STRING"] = quote(query.encode("latin-1", "replace"), safe=self.SAFE)
        return self.app(environ, start_response)


def warm_up(app) -> None:
    """Load jieba (with the index's user dictionary) once, before a fork.

    Only the dictionary, read from the index's schema: each worker opens
    the index itself, after the fork.
    """
    from .analysis import segmenter

    segmenter(user_dictionary(app.config["INDEX_DIR"]))


def warm_worker(app) -> None:
    """Open the index in a new worker before it takes requests, with the
    heading field the first query would build: otherwise each worker's
    first answers (after a start or a recycle) waited seconds at 16x, with
    the requests queued behind them. No index yet: requests will say so.
    An app without searchsvc's index (the benchmark's peer shares
    gunicorn.conf.py) is left alone."""
    if EXTENSION not in app.extensions:
        return
    try:
        with using(app) as snap:
            snap.ranker.headings  # noqa: B018 - made on first use
    except IndexUnavailable:
        return


# --------------------------------------------------------------------------
# Errors and headers
# --------------------------------------------------------------------------

def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


@bp.app_errorhandler(BadParameter)
def _bad_request(exc: BadParameter):
    if _wants_json():
        return jsonify(error_body(exc.code, exc.message)), exc.status
    return render_template("error.html", message=exc.message, status=exc.status), exc.status


@bp.app_errorhandler(IndexUnavailable)
def _unavailable(exc):
    if _wants_json():
        return jsonify(error_body("index_unavailable", str(exc))), 503
    return render_template("error.html", message="索引暂不可用:" + str(exc), status=503), 503


@bp.app_errorhandler(DamagedFile)
def _damaged(exc: DamagedFile):
    """A file of the serving build read wrong during a request: 503 naming
    it, as /healthz does for what it finds when it opens a build."""
    current_app.logger.error("damaged index file on %s: %s", request.path, exc)
    return _unavailable(IndexUnavailable(str(exc)))


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    if _wants_json():
        return jsonify(error_body(code, exc.description or exc.name)), exc.code
    return render_template("error.html", message=exc.description, status=exc.code), exc.code


@bp.app_errorhandler(Exception)
def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    if _wants_json():
        return jsonify(error_body("internal_error", "the server could not answer this request")), 500
    return render_template("error.html", message="服务器内部错误,请稍后再试。", status=500), 500


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# Answers a shared cache may keep while the build is the same: the search
# page, the API's reads and the document view.
SHARED_CACHE_SECONDS = 3600  # nginx drops entries unused for 10 minutes anyway
CACHEABLE = {"web.index", "web.api_search", "web.api_suggest", "web.api_documents",
             "web.document"}


@bp.before_app_request
def _started():
    g.started = time.perf_counter()


@bp.after_app_request
def _measured(response):
    """Count and time every request by endpoint and status, and write its
    JSON access line: for a search, the query's length, the hits and the
    time taken; never the client's address unless LOG_CLIENT_IP is set."""
    started = g.get("started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unknown"
    metrics.observe(endpoint, response.status_code, seconds)
    line = {"method": request.method, "path": request.path, "endpoint": endpoint,
            "status": response.status_code, "ms": round(seconds * 1000, 2),
            "worker": os.getpid()}
    result = g.get("result")
    if result is not None:
        line.update(query_length=len(result.query), hits=result.total,
                    took_ms=round(result.took_ms, 2), cached=result.cached)
    if current_app.config.get("LOG_CLIENT_IP"):
        line["client"] = request.remote_addr
    metrics.access_line(line)
    return response


@bp.after_app_request
def _versioned(response):
    """Every answer from a build names it (X-Index-Version). A successful
    read also gets a weak ETag from the build and the request's normalized
    parameters (its body differs only in took_ms), and Cache-Control that
    lets a shared cache keep it but ask again each time: If-None-Match with
    that ETag answers 304 until a rebuild switches the build."""
    snap = g.get("snapshot")
    if snap is None:
        return response
    response.headers["X-Index-Version"] = snap.version
    # HEAD carries the validators GET does (RFC 9110 9.3.2), so a cache can
    # revalidate with it
    if response.status_code == 200 and request.method in ("GET", "HEAD") and \
            request.endpoint in CACHEABLE:
        params = sorted((k, v.strip()) for k, vs in request.args.lists() for v in vs if v.strip())
        tag = hashlib.sha1(json.dumps([snap.version, request.path, params],
                                      ensure_ascii=False).encode()).hexdigest()[:32]
        response.set_etag(tag, weak=True)
        response.headers["Cache-Control"] = "public, no-cache"
        # for nginx in front (deploy/): keep it while this build serves;
        # nginx keys its cache on the version and hides this header
        response.headers["X-Accel-Expires"] = str(SHARED_CACHE_SECONDS)
        response.make_conditional(request)
    return response


@bp.after_app_request
def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
