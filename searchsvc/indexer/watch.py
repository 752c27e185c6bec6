"""``searchsvc watch``: rebuild when the corpus folder changes.

The folder is watched with watchdog (inotify on Linux). Changes come in
bursts (a copy of a folder of reports, an editor's save of temporary file,
rename and delete), so events are gathered into one burst until the
folder has been quiet for ``quiet`` seconds (or ``longest`` seconds have
passed since the burst's first event, so a folder that never rests is
still indexed), and each burst is one incremental rebuild. Events that
arrive while a rebuild runs form the next burst: nothing is lost, and a
file written during a rebuild is indexed by the one after it.

A rebuild that fails (the folder emptied, a file unreadable in a way the
corpus cannot skip) is reported and the watch goes on: the index being
served stays as it was.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

QUIET = 1.0  # seconds without a change that end a burst
LONGEST = 30.0  # seconds after its first change that a burst is indexed anyway


class Bursts:
    """Changes gathered into bursts: ``changed`` from any thread, ``next``
    waits for the next burst and returns the paths it changed."""

    def __init__(self, quiet: float = QUIET, longest: float = LONGEST,
                 clock: Callable[[], float] = time.monotonic):
        self.quiet, self.longest, self.clock = quiet, longest, clock
        self._paths: set[str] = set()
        self._first = self._last = 0.0
        self._wake = threading.Condition()

    def changed(self, path: str) -> None:
        with self._wake:
            now = self.clock()
            if not self._paths:
                self._first = now
            self._paths.add(path)
            self._last = now
            self._wake.notify_all()

    def ready(self) -> float | None:
        """Seconds until the pending burst is due (0: now); None: none pending."""
        if not self._paths:
            return None
        now = self.clock()
        return max(0.0, min(self._last + self.quiet, self._first + self.longest) - now)

    def next(self, stop: threading.Event | None = None) -> list[str]:
        """The next burst's changed paths, sorted; [] once ``stop`` is set."""
        with self._wake:
            while not (stop is not None and stop.is_set()):
                due = self.ready()
                if due == 0.0:
                    paths, self._paths = sorted(self._paths), set()
                    return paths
                self._wake.wait(timeout=0.2 if due is None else min(due, 0.2))
            return []


def watch(corpus_dir: Path, index_dir: Path, rebuild: Callable[[list[str]], None],
          bursts: Bursts | None = None, stop: threading.Event | None = None,
          ready: Callable[[], None] | None = None) -> None:
    """Call ``rebuild(paths)`` once per burst of changes under
    ``corpus_dir`` until ``stop`` is set (or forever). Changes inside
    ``index_dir`` are not the corpus's (an index kept inside the corpus
    folder would otherwise rebuild itself for ever). ``ready`` is called
    once the folder is watched."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    bursts = bursts or Bursts()
    index = os.path.realpath(index_dir)

    def outside_index(path: str) -> bool:
        real = os.path.realpath(path)
        return real != index and not real.startswith(index + os.sep)

    class Changes(FileSystemEventHandler):  # type: ignore[misc]  # watchdog is untyped
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write") or \
                    (event.is_directory and event.event_type == "modified"):
                return  # reads, and a folder's entries changing (each one comes itself)
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path and outside_index(os.fsdecode(path)):
                    bursts.changed(os.fsdecode(path))

    observer = Observer()
    observer.schedule(Changes(), str(corpus_dir), recursive=True)
    observer.start()
    try:
        if ready is not None:
            ready()
        while stop is None or not stop.is_set():
            paths = bursts.next(stop)
            if paths:
                rebuild(paths)
    finally:
        observer.stop()
        observer.join()
