"""Snapshots: an opened build with the caches of answers over it, and
their lifetime in a serving process.

A ``Snapshot`` is what a query runs against: the build's readers
(``storage.opened.OpenedBuild``), its literal index and ranker, and the
result cache. ``Snapshots`` holds the current one of each index folder
for a process and reference counts it, so a rebuild's switch closes the
old build as soon as the last request using it ends.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..analysis.words import use_dictionary
from ..storage.columns import Column
from ..storage.layout import CURRENT, IndexUnavailable, current_or_raise
from ..storage.opened import OpenedBuild
from .cache import SizedLRU, entry_bytes
from .docsets import LiteralIndex
from .equivalences import Equivalences
from .ranking import Headings, Ranker

RESULT_CACHE_BYTES = 32_000_000  # about 2,000 result pages (results.Cached.estimate), per process
RESULT_CACHE_ENTRIES = 5_000  # and never more answers than this (empty ones weigh little)

__all__ = ["IndexUnavailable", "Snapshot", "Snapshots", "open_current"]


class Snapshot:
    """An opened build and the caches of answers over it."""

    def __init__(self, path: Path):
        build = self.build = OpenedBuild(path)  # raises IndexUnavailable
        self.path, self.version, self.meta = build.path, build.version, build.meta
        self.words, self.store, self.documents = build.words, build.store, build.documents
        self.user_dict = build.user_dict
        use_dictionary(build.lexicon)  # queries segmented from the compact dictionary
        build.lexicon = None  # kept by use_dictionary only when it is the process's first
        self.readings = build.readings  # pinyin → words
        self.literals = LiteralIndex(build.grams, build.texts)
        self.ranker = Ranker(build.words, build.lengths, build.position,
                             headings=Headings(build.headings))
        self.tags = build.tags
        self.equivalences = Equivalences(self.meta.corpus, self.meta.synonyms)
        self._rules = ""  # the tag of the equivalences the cached answers were made with
        # a request → its answer, keyed on the request itself
        self.results: SizedLRU[Hashable, object] = SizedLRU(
            RESULT_CACHE_BYTES, RESULT_CACHE_ENTRIES, entry_cost=entry_bytes)
        self.derived: dict[str, object] = {}  # figures of the whole build, made once (collection)
        self._guard = threading.Lock()
        self._users = 0  # requests using it now (Snapshots.acquire ... release)
        self._retired = False  # replaced: closed when the last user releases it
        self.closed = False

    @property
    def synonyms(self) -> dict[str, list[str]]:
        return self.rules()

    def rules(self) -> dict[str, list[str]]:
        """Each word's equivalents as they are now (``equivalences``): the
        answers kept with others are dropped when they change."""
        mapping, tag = self.equivalences.current()
        if tag != self._rules:
            self._rules = tag
            self.results.clear()
        return mapping

    @property
    def answers_version(self) -> str:
        """What an answer depends on: the build, and the corpus's
        equivalences when they changed since it was built (keys and
        ETags of kept answers)."""
        tag = self.equivalences.current()[1]
        return f"{self.version}~{tag}" if tag else self.version

    def paragraphs(self, doc_id: str) -> list[dict[str, Any]] | None:
        return self.build.paragraphs(doc_id)

    def column(self, name: str) -> Column:
        return self.build.column(name)

    def close(self) -> None:
        """Close its files now (a one-off reader's; a served snapshot is
        closed through ``retire`` once no request uses it)."""
        self.closed = True
        self.build.close()

    def release(self) -> None:
        """One user of ``Snapshots.acquire`` is done with it."""
        with self._guard:
            self._users -= 1
            last = self._retired and self._users == 0 and not self.closed
            if last:
                self.closed = True
        if last:
            self.close()

    def _acquire(self) -> None:
        with self._guard:
            self._users += 1

    def retire(self) -> None:
        """No new user will get it: close it now if nobody uses it, else
        when the last one releases it. Its descriptors (and so the disk
        space of a pruned build) are given back either way."""
        with self._guard:
            self._retired = True
            idle = self._users == 0 and not self.closed
            if idle:
                self.closed = True
        if idle:
            self.close()


def open_current(index_dir: str | Path) -> Snapshot:
    """A new Snapshot of the current build, for a one-off reader (the
    command line, a benchmark); the caller closes it. Raises IndexUnavailable."""
    return Snapshot(current_or_raise(index_dir))


class Snapshots:
    """The open build of each index folder, for one process.

    Held by the app (``web.create_app``), not by this module, so each app
    (and each test's app) has its own, and a forked worker starts with
    none. A request takes the current build with ``acquire`` and gives it
    back with ``Snapshot.release``; when ``current`` moves, the next
    acquire opens the new build and retires the old one, which is closed as
    soon as the last request using it ends (reference counted, as Lucene's
    SearcherManager and Tantivy's searcher pool do).
    """

    def __init__(self) -> None:
        self._open: dict[str, tuple[str | None, Snapshot]] = {}  # index_dir -> (current's target, build)
        self._lock = threading.Lock()

    def acquire(self, index_dir: str | Path) -> Snapshot:
        """The current build of ``index_dir``, reopened if a rebuild switched
        it, held until the caller calls ``release()`` on it.

        Costs one ``readlink`` per call when nothing changed: ``current``
        names a build folder, and a build's name is never reused for other
        contents. Raises IndexUnavailable with a reason a person can act on.
        """
        key = os.fspath(index_dir)
        try:
            target = os.readlink(os.path.join(key, CURRENT))
        except OSError:
            target = None
        with self._lock:
            held = self._open.get(key)
            if held is None or held[0] != target:
                fresh = Snapshot(current_or_raise(index_dir))  # raises: the old one stays
                if held is not None:
                    held[1].retire()
                held = self._open[key] = (target, fresh)
                give_back_free_memory()
            snap = held[1]
            snap._acquire()
        return snap

    @contextmanager
    def using(self, index_dir: str | Path) -> Iterator[Snapshot]:
        """``acquire`` for a block of code."""
        snap = self.acquire(index_dir)
        try:
            yield snap
        finally:
            snap.release()


def give_back_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim):
    what opening a build decodes and lets go (the columns' labels, the
    closed build's objects) otherwise stays in every worker's resident
    memory (#38). Elsewhere than glibc: nothing."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
