"""HTTP policy, registered on the app by ``init_app``: what every answer
carries besides its body.

- timing: every request counted and timed by endpoint and status
  (``metrics``) with one JSON access line; never the client's address
  unless LOG_CLIENT_IP is set;
- versions and caching: every answer from a build names it
  (X-Index-Version); a successful read gets a weak ETag from the build
  and the request's normalized parameters, Cache-Control that lets a
  shared cache keep it but ask again each time, and X-Accel-Expires for
  nginx in front (ops' template keys its cache on the version);
- security headers: a strict Content-Security-Policy and friends.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from flask import current_app, g, request

from . import metrics

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

# Answers a shared cache may keep while the build is the same: the search
# page, the API's reads and the document view.
SHARED_CACHE_SECONDS = 3600  # nginx drops entries unused for 10 minutes anyway
CACHEABLE = {"web.index", "web.api_search", "web.api_suggest", "web.api_documents",
             "web.document"}


def init_app(app) -> None:
    app.before_request(_started)
    # run in the reverse order: headers, then the version, then the timing
    app.after_request(_measured)
    app.after_request(_versioned)
    app.after_request(_security_headers)


def _started():
    g.started = time.perf_counter()


def _measured(response):
    """Count and time the request, and write its JSON access line: for a
    search, the query's length, the hits and the time taken."""
    started = g.get("started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unknown"
    metrics.observe(endpoint, response.status_code, seconds)
    line = {"method": request.method, "path": request.path, "endpoint": endpoint,
            "status": response.status_code, "ms": round(seconds * 1000, 2),
            "worker": os.getpid()}
    line.update(g.get("search_line", ()))
    if current_app.config.get("LOG_CLIENT_IP"):
        line["client"] = request.remote_addr
    metrics.access_line(line)
    return response


def _versioned(response):
    """X-Index-Version on every answer from a build; on a successful read
    also the ETag, Cache-Control and X-Accel-Expires, so If-None-Match
    with that ETag answers 304 until a rebuild switches the build."""
    snap = g.get("snapshot")
    if snap is None:
        return response
    response.headers["X-Index-Version"] = snap.version
    # HEAD carries the validators GET does (RFC 9110 9.3.2), so a cache can
    # revalidate with it
    if response.status_code == 200 and request.method in ("GET", "HEAD") and \
            request.endpoint in CACHEABLE:
        # a search: the request as the engine read it (its repr names every
        # field, the dates as typed too, which the page shows); any other
        # read: the arguments exactly as given, each name's values in order.
        # A kept API answer brings the tag it was sent with (views).
        tag = g.get("etag")
        if tag is None:
            asked = g.get("search_request")
            tag = etag(snap.answers_version, request.path,
                       repr(asked) if asked is not None else sorted(request.args.lists()))
        response.set_etag(tag, weak=True)
        response.headers["Cache-Control"] = "public, no-cache"
        response.headers["X-Accel-Expires"] = str(SHARED_CACHE_SECONDS)
        response.make_conditional(request)
    return response


def etag(version: str, path: str, params: object) -> str:
    """The ETag of a read: the build, the path and the parameters."""
    return hashlib.sha1(json.dumps([version, path, params],
                                   ensure_ascii=False).encode()).hexdigest()[:32]


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
