"""A serving process's warm-up, called from the gunicorn hooks
(``ops.gunicorn_conf``): jieba once in the master, the index once in each
worker, both before any request waits for them."""

from __future__ import annotations

from ..analysis.normalize import normalize_text
from ..analysis.words import segmenter, use_dictionary
from ..storage.layout import IndexUnavailable, current_path, user_dictionary
from ..storage.lexicon import open_lexicon
from . import builds


def warm_up(app) -> None:
    """Load jieba (with the index's user dictionary) once, before a fork.

    Only the dictionary: jieba's own in the current build's compact form
    (3 MB that every worker shares and never copies, where jieba's objects
    are 60 MB whose pages each worker copies as it touches them), the user
    dictionary read from the build's file. Each worker opens the index
    itself, after the fork. A build without a readable compact dictionary
    loads jieba's (the worker will say what is wrong).
    """
    current = current_path(app.config["INDEX_DIR"])
    if current is not None:
        try:
            use_dictionary(open_lexicon(current))
        except (OSError, ValueError):  # DamagedFile is an OSError
            pass
    segmenter(user_dictionary(app.config["INDEX_DIR"]))
    # what every worker's first searches load otherwise, each its own copy
    # (#38): OpenCC's dictionaries (the first normalization) and the
    # modules numpy and the URL parsing import on first use
    normalize_text("預熱")
    import encodings.idna  # noqa: F401

    import numpy.ma  # noqa: F401


def warm_worker(app) -> None:
    """Open the index in a new worker before it takes requests: otherwise
    each worker's first answers (after a start or a recycle) waited for
    it, with the requests queued behind them. No index yet: requests will
    say so.
    An app without searchsvc's index (the benchmark's peer shares the
    gunicorn settings) is left alone."""
    if builds.EXTENSION not in app.extensions:
        return
    try:
        with builds.using(app):
            pass
    except IndexUnavailable:
        return
