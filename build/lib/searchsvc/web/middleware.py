"""WSGI middleware: query strings as clients really send them."""

from __future__ import annotations

import json
from urllib.parse import quote

from .api import error

MAX_QUERY_STRING = 64 * 1024  # bytes: far past a 1,000-character query, encoded


class RawQueryString:
    """Percent-encode raw bytes in the query string, and refuse one too
    long to be a query with the JSON error shape.

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
            body = json.dumps(error(
                "request_too_long", f"the query string is {len(query)} bytes long; "
                f"the limit is {MAX_QUERY_STRING}")).encode()
            start_response("400 Bad Request", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        if query and not query.isascii():
            environ["QUERY_STRING"] = quote(query.encode("latin-1", "replace"), safe=self.SAFE)
        return self.app(environ, start_response)
