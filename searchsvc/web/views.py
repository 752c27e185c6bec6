"""The routes: the search page, the document view, the JSON API.

Views only read parameters, call the engine and render; ranking,
snippets and marks come from ``engine.search``, so the page and
``/api/search`` cannot drift apart.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, render_template, request, send_file, url_for
from werkzeug.exceptions import NotFound

from ..engine import collection
from ..engine import search as engine
from ..engine.filters import FILTERS
from ..engine.params import QUERY, SUGGEST, BadParameter, read
from ..engine.request import SearchRequest
from ..ingest.readers import original_type
from ..storage.layout import INTERNAL_KEYS, IndexUnavailable
from . import answers, api, builds, chart, messages, metrics, policy
from .render import citation, contents, marked_html, rendered_hits

bp = Blueprint("web", __name__)


def _search_request(required: bool) -> SearchRequest:
    return SearchRequest.read(request.args.getlist, current_app.config, required)


def run_search(asked: SearchRequest) -> tuple[engine.SearchResult, list[tuple[str, str]]]:
    """The engine's result for ``asked`` and its hits as the web shows
    them: (snippet HTML, link) each, kept for the next page asking."""
    snap = builds.current()
    g.search_request = asked  # what the ETag is made from (policy)
    result = engine.search(snap, asked)
    _searched(result.query, result.total, result.took_ms, result.cached)
    return result, rendered_hits(result, (snap.answers_version, asked))


def _searched(query: str, total: int, took_ms: float, cached: bool) -> None:
    """A search answered: counted, and its figures for the access line."""
    metrics.search_done(total, cached)
    g.search_line = {"query_length": len(query), "hits": total,
                     "took_ms": round(took_ms, 2), "cached": cached}


def more_urls(endpoint: str, asked: SearchRequest, result) -> list[str | None]:
    """Per hit of a grouped result, the search that shows its document's
    other results (the same search, in that document, not grouped)."""
    return [url_for(endpoint, **asked.args(page=1, group="", doc=[h.doc_id]))
            if h.more else None for h in result.hits]


def _json(body: str | bytes):
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/api/search")
def api_search():
    """A search as JSON. Answers are kept as the bytes sent (``answers``):
    a repeated search is written out as it was, with its ETag, and only
    its took_ms is new."""
    asked = _search_request(required=True)
    snap = builds.current()
    g.search_request = asked
    started = time.perf_counter()
    cache, key = answers.cache(current_app), (snap.answers_version, asked)
    kept = cache.peek(key)
    if kept is not None:
        took_ms = (time.perf_counter() - started) * 1000
        _searched(asked.query, kept.hits, took_ms, True)
        g.etag = kept.etag
        return _json(kept.body(took_ms))
    result = engine.fresh(snap, asked)
    _searched(result.query, result.total, result.took_ms, False)
    body = api.search_body(result, rendered_hits(result),
                           more_urls("web.api_search", asked, result)).encode()
    g.etag = policy.etag(snap.answers_version, request.path, repr(asked))
    cache.put(key, answers.Answer.of(body, g.etag, result.total))
    return _json(body)


@bp.get("/api/suggest")
def api_suggest():
    params = read(SUGGEST, request.args.getlist, current_app.config, required=False)
    found = engine.suggest(builds.current(), params["query"], params["limit"])
    return _json(api.Suggestions(query=params["query"], suggestions=found).model_dump_json())


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus text format: requests and latency per endpoint and status
    over every worker, zero-result searches, result-cache hits, the
    serving build's version, size, age and build time, and the outcome and
    duration of the last rebuild and publish. Only to the clients the
    METRICS setting lets in (by default this machine's): a 404 to others,
    as if there were none."""
    if not metrics.allowed(current_app.config.get("METRICS", "local"), request.remote_addr):
        raise NotFound()
    try:
        snap = builds.acquire(current_app)
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
    return jsonify(api.spec(current_app.config))


@bp.get("/api/documents")
def api_documents():
    docs = []
    for d in builds.current().documents.values():
        meta = {k: v for k, v in d.items() if k not in INTERNAL_KEYS}
        meta["url"] = url_for("web.document", doc_id=d["doc_id"])
        meta["file_url"] = url_for("web.document_file", doc_id=d["doc_id"])
        docs.append(meta)
    return _json(api.Documents(documents=docs, total=len(docs)).model_dump_json())


@bp.get("/healthz")
def healthz():
    try:
        snap = builds.current()
    except IndexUnavailable as exc:
        body = api.Unavailable(status="unavailable", reason=str(exc)).model_dump_json()
        return _json(body), 503
    return _json(api.Health(status="ok", documents=snap.meta.documents,
                            paragraphs=snap.meta.paragraphs, index_built_at=snap.meta.built_at,
                            index_version=snap.version, corpus=snap.meta.corpus).model_dump_json())


def _page_url(asked: SearchRequest, **changes) -> str:
    return url_for("web.index", **asked.args(**changes))


@bp.app_context_processor
def _corpus_name() -> dict:
    """Every page's footer names the collection it searches: the last
    parts of the folder the serving build was read from."""
    snap = _snapshot_or_none()
    folder = Path(snap.meta.corpus) if snap is not None and snap.meta.corpus else None
    if folder is None:
        return {"corpus_name": ""}
    name = folder.name if folder.name != "corpus" else f"{folder.parent.name}/{folder.name}"
    return {"corpus_name": name}


START_PAGE_DOCUMENTS = 200  # documents listed per page of the start page


@bp.get("/")
def index():
    error = error_field = None
    result, hits, more = None, [], []
    cfg = current_app.config
    # what the page shows when a parameter is refused: every default, what was typed kept
    typed = {key: request.args.get(name, "")[:200]
             for name, key in (("q", "query"), ("from", "date_from"), ("to", "date_to"))}
    asked = SearchRequest()
    params = dict(asked.params(), **typed)
    try:
        asked = _search_request(required=False)
        params = asked.params()
        if asked.query or asked.filtered:
            result, rendered = run_search(asked)
            hits = list(zip(result.hits, rendered))
            more = more_urls("web.index", asked, result)
    except BadParameter as exc:
        error = messages.page_message(exc, request.args, cfg)
        error_field = exc.code.removeprefix("invalid_")
    snap = _snapshot_or_none()
    front, examples = None, []
    if result is None and snap is not None:
        groups, pages = collection.documents_by_year(snap, params["page"], START_PAGE_DOCUMENTS)
        front = {"overview": collection.overview(snap), "groups": groups, "pages": pages}
    elif result is not None and not result.total and snap is not None:
        examples = collection.overview(snap).examples
    years = []
    if result is not None and len(result.facets.get("year", [])) > 1:
        years = chart.bars(result.facets["year"], result.facets.get("year_documents", []),
                           lambda y: _page_url(asked, page=1, **{"from": y, "to": y}),
                           params["date_from"], params["date_to"])
    return render_template("index.html", params=params, result=result, hits=hits, error=error,
                           more=more, page_url=lambda **kw: _page_url(asked, **kw),
                           documents=snap.documents if snap else {}, front=front,
                           years=years, chart=chart, citation=citation,
                           error_field=error_field, front_examples=examples,
                           filter_names=[f.name for f in FILTERS])


def _snapshot_or_none():
    try:
        return builds.current()
    except IndexUnavailable:
        return None


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    query = read([QUERY], request.args.getlist, current_app.config, False)["query"]
    snap = builds.current()
    stored = snap.paragraphs(doc_id)
    if stored is None:
        raise BadParameter("document_not_found", f"no document with id {doc_id!r}", 404)
    doc = snap.documents[doc_id]
    marks = engine.document_marks(snap, doc_id, [p["text"] for p in stored], query)
    paragraphs = [dict(p, html=marked_html(p["text"], spans)) for p, spans in zip(stored, marks)]
    return render_template("document.html", doc=doc, paragraphs=paragraphs, query=query,
                           contents=contents(stored), matches=sum(map(len, marks)),
                           original=url_for("web.document_file", doc_id=doc_id),
                           back=url_for("web.index", q=query) if query else url_for("web.index"))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/doc/<doc_id>/file")
def document_file(doc_id: str):
    """The document's original file, as the corpus folder holds it now.

    The file name comes from the index, never from the request, and is
    looked up inside the corpus folder only. Text is served as text/plain
    whatever it holds, and HTML as a download, so an original never runs
    in this site's pages.
    """
    snap = builds.current()
    if doc_id not in snap.documents:
        raise BadParameter("document_not_found", f"no document with id {doc_id!r}", 404)
    name = snap.documents[doc_id]["file"]
    folder = Path(current_app.config["CORPUS_DIR"]).resolve()
    path = folder / name  # its path in the folder, maybe in a subfolder (2023/gwr.txt)
    if Path(name).is_absolute() or ".." in Path(name).parts or not path.is_file():
        raise BadParameter("file_not_found", f"the original of {doc_id!r} ({name}) is no longer "
                           "in the corpus folder", 404)
    mimetype, download = original_type(path.name)
    response = send_file(path, mimetype=mimetype, as_attachment=download, download_name=path.name,
                         max_age=0)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
