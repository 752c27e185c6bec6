"""The build a request reads: the app's ``Snapshots``, and the snapshot a
request holds from its first use to its teardown.

Held so that a rebuild's switch closes the old build only once the
requests reading it are answered, and remembered on ``g`` so the answer
can say which build gave it (``policy``).
"""

from __future__ import annotations

from flask import current_app, g

from ..engine.snapshot import Snapshot, Snapshots

EXTENSION = "searchsvc.snapshots"


def init_app(app) -> None:
    """Give ``app`` its own ``Snapshots`` and release a request's build at
    its teardown."""
    app.extensions[EXTENSION] = Snapshots()
    app.teardown_appcontext(_release)


def acquire(app) -> Snapshot:
    """The app's current build, held until ``release()`` is called on it.
    Raises IndexUnavailable."""
    return app.extensions[EXTENSION].acquire(app.config["INDEX_DIR"])


def using(app):
    """The app's current build for a ``with`` block. Raises IndexUnavailable."""
    return app.extensions[EXTENSION].using(app.config["INDEX_DIR"])


def current() -> Snapshot:
    """The build this request reads (acquired on first use)."""
    if "snapshot" not in g:
        g.snapshot = acquire(current_app)
    return g.snapshot


def _release(exc) -> None:
    snap = g.pop("snapshot", None)
    if snap is not None:
        snap.release()
