"""searchsvc: full-text search for Chinese reports, one entry per paragraph.

Files become documents (``ingest``), documents a build (``build``), which
``storage`` writes and reads; the ``engine`` answers a query against an
opened build with data, which the ``web`` and the command line (``cli``)
render; ``ops`` publishes builds and runs replicas. ``analysis`` (text
normalization and jieba) and ``config`` (settings) are shared by all.
See docs/architecture.md.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(test_config: dict | None = None):
    """The app factory (``web.create_app``), under the name gunicorn and
    the Dockerfile give: ``searchsvc:create_app()``. Flask is imported
    here, not with the package, so the command line starts without it."""
    from .web import create_app as factory

    return factory(test_config)
