"""The JSON search answers a worker keeps: each as the bytes it sent,
compressed, with its ETag and what the access line says of it.

A repeated API search (most of a real log) is then a lookup, a
decompression and a write: no model validation, serialization, snippet
HTML, links or ETag hashing again. The engine's own result cache holds
the results the page and the command line render; API answers are kept
here only, in a fifth of the memory (a page of ten hits is about 8 KB of
JSON, 1.2 KB compressed, where the engine's result objects took about
16 KB), so the two never hold the same answer twice.

``took_ms`` is the one figure that changes between two sends of the same
answer: its place in the body is kept, and each send writes the time it
took.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from ..engine.cache import SizedLRU, entry_bytes

ANSWER_BYTES = 8_000_000  # per process: about 6,000 compressed pages of ten hits
ANSWER_ENTRIES = 20_000
EXTENSION = "searchsvc.answers"
TOOK_KEY = b',"took_ms":'


@dataclass(frozen=True, slots=True)
class Answer:
    """One JSON answer as kept: its body compressed, where its took_ms
    value lies in the body, its ETag and its total (the access line and
    the zero-result count say it)."""

    packed: bytes
    took_at: int  # offset of took_ms's value in the body; -1: none
    took_len: int
    etag: str
    hits: int  # the answer's total

    @classmethod
    def of(cls, body: bytes, etag: str, hits: int) -> Answer:
        start = body.find(TOOK_KEY)
        if start < 0:
            at = length = -1
        else:
            at = start + len(TOOK_KEY)
            length = next((i for i in range(at, len(body)) if body[i] in b",}"), len(body)) - at
        return cls(zlib.compress(body, 1), at, length, etag, hits)

    def body(self, took_ms: float) -> bytes:
        """The body with ``took_ms`` as its took_ms."""
        body = zlib.decompress(self.packed)
        if self.took_at < 0:
            return body
        return b"".join((body[:self.took_at], str(round(took_ms, 2)).encode(),
                         body[self.took_at + self.took_len:]))

    @property
    def size(self) -> int:
        return len(self.packed) + 120


def init_app(app) -> None:
    app.extensions[EXTENSION] = SizedLRU(ANSWER_BYTES, ANSWER_ENTRIES,
                                         weigh=lambda a: a.size, entry_cost=entry_bytes)


def cache(app) -> SizedLRU:
    return app.extensions[EXTENSION]
