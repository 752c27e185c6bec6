"""Settings as data: one list, one place, documented.

Each setting is ``(name, default, environment variable, help)``. The Flask
app and the CLI both resolve them with :func:`resolve`; nothing is read at
import time.
"""

from __future__ import annotations

import os

SETTINGS = (
    ("CORPUS_DIR", "corpus", "SEARCHSVC_CORPUS",
     "Folder of *.txt documents (plus _dictionary.txt and _synonyms.txt)."),
    ("INDEX_DIR", "index", "SEARCHSVC_INDEX",
     "Folder where built indexes live; 'current' points at the one served."),
    ("MAX_QUERY_LENGTH", 1000, "SEARCHSVC_MAX_QUERY_LENGTH",
     "Longest query accepted, in characters; longer ones get a 400."),
    ("MAX_PER_PAGE", 100, None, "Largest per_page a client may ask for."),
    ("MAX_PAGE", 1000, None, "Deepest results page a client may ask for."),
    ("LOG_CLIENT_IP", False, "SEARCHSVC_LOG_CLIENT_IP",
     "Put the client's address in the JSON access log (1/true); off by default."),
    ("PROXIES", 0, "SEARCHSVC_PROXIES",
     "Proxies in front (nginx: 1) whose X-Forwarded-For/-Proto are trusted, so the "
     "client's address is the one they saw; 0 trusts none."),
    ("METRICS", "local", "SEARCHSVC_METRICS",
     "Who may read /metrics: local (the default: clients on this machine's loopback "
     "addresses), open (anyone who reaches the port: keep it behind a firewall or "
     "the proxy's allow-list) or off."),
)

DEFAULTS = {name: default for name, default, _env, _help in SETTINGS}


def resolve(overrides: dict | None = None, environ=None) -> dict:
    """Defaults, then the environment, then explicit overrides (flags win)."""
    environ = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for name, default, env, _help in SETTINGS:
        if env and environ.get(env):
            raw = environ[env]
            if isinstance(default, bool):
                values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[name] = type(default)(raw) if isinstance(default, int) else raw
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    return values
