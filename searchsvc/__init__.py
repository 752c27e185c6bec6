"""searchsvc: full-text search for Chinese reports, one entry per paragraph."""

from __future__ import annotations

from flask import Flask

from . import config

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """The app factory: defaults, then SEARCHSVC_* variables, then test_config."""
    app = Flask(__name__)
    app.config.from_mapping(config.resolve(test_config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from . import web

    app.register_blueprint(web.bp)
    app.wsgi_app = web.RawQueryString(app.wsgi_app)
    return app
