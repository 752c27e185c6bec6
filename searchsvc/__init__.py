"""searchsvc: full-text search for Chinese reports, one entry per paragraph."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import config

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """The app factory: defaults, then SEARCHSVC_* variables, then test_config.

    Flask is imported here, not with the package, so the command line's
    rebuild starts without it.
    """
    from flask import Flask

    app = Flask(__name__)
    app.config.from_mapping(config.resolve(test_config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from . import index, web

    _access_log_to_stderr()
    index.init_app(app)
    app.register_blueprint(web.bp)
    app.wsgi_app = web.RawQueryString(app.wsgi_app)
    if app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app


def _access_log_to_stderr() -> None:
    """The JSON access lines (web._measured) go to stderr, once per process."""
    import logging
    import sys

    log = logging.getLogger("searchsvc.access")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
