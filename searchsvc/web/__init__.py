"""web: the search page, the document view and the JSON API over HTTP.

Owns the app factory (``create_app``), the routes (``views``), HTML made
from the engine's offsets (``render``), the JSON shapes and the OpenAPI
document generated from them (``api``), the JSON answers kept as the
bytes sent (``answers``), errors (``errors``), the HTTP
policy every answer gets (``policy``: timing, versions, caching,
security headers), query-string middleware (``middleware``), metrics
(``metrics``), the build each request holds (``builds``) and the
warm-up of a serving process (``warm``).

Imports: engine, storage, ingest (the reader registry, for originals) and
the shared modules; never build or ops.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

from .. import config


def create_app(test_config: dict | None = None) -> Flask:
    """The app factory: defaults, then SEARCHSVC_* variables, then test_config."""
    from . import answers, builds, errors, policy, render, views
    from .middleware import RawQueryString

    app = Flask(__name__)
    # "/doc//0" (a document id with a slash, %2F) is no document: a 404,
    # not werkzeug's 308 to another path that the client never asked for
    app.url_map.merge_slashes = False
    app.config.from_mapping(config.resolve(test_config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    _access_log_to_stderr()
    builds.init_app(app)
    render.init_app(app)
    answers.init_app(app)
    errors.init_app(app)
    policy.init_app(app)
    app.register_blueprint(views.bp)
    app.wsgi_app = RawQueryString(app.wsgi_app)
    if app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app


def _access_log_to_stderr() -> None:
    """The JSON access lines (policy) go to stderr, once per process."""
    log = logging.getLogger("searchsvc.access")
    log.setLevel(logging.INFO)  # also when a handler was added first (a test's, a host's)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
