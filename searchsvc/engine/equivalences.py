"""The equivalences a snapshot searches with, read without a rebuild.

The starting list (``analysis.equivalences``) and the corpus's own
``_synonyms.txt`` as it is now: the file is looked at (one ``stat``) at
most once a second and read again when it changed, so an edit applies to
the next searches of every worker with no rebuild. Where the corpus folder
is not on this machine (a replica that was sent the build), the rules the
build recorded apply.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

from ..analysis.equivalences import SYNONYMS_FILE, groups_text, merged, parse, starting_list

CHECK_EVERY = 1.0  # seconds between two looks at the file


class Equivalences:
    """``current()``: each word's equivalents, and a tag that names the
    corpus's rules when they are not those the build recorded ("" when
    they are), for the keys and ETags of answers."""

    def __init__(self, corpus: str, recorded: list[list[str]], check_every: float | None = None):
        self._folder = Path(corpus) if corpus else None
        self._recorded = groups_text(recorded)
        self._every = CHECK_EVERY if check_every is None else check_every
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._stamp: object = None  # what the file's stat said when it was last read
        self._state = (merged(starting_list(), parse(self._recorded)), "")

    def current(self) -> tuple[dict[str, list[str]], str]:
        now = time.monotonic()
        if self._folder is not None and now - self._checked >= self._every:
            with self._lock:
                if now - self._checked >= self._every:
                    self._checked = now
                    self._refresh()
        return self._state

    def _refresh(self) -> None:
        assert self._folder is not None
        path = self._folder / SYNONYMS_FILE
        try:
            st = os.stat(path)
            stamp: object = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = "absent" if self._folder.is_dir() else None
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._stamp = stamp
        if stamp is None:  # no corpus folder here: what the build recorded
            text = self._recorded
        elif stamp == "absent":
            text = ""
        else:
            text = _read(path, self._recorded)
        rules = parse(text)
        tag = "" if rules == parse(self._recorded) else \
            hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()
        self._state = (merged(starting_list(), rules), tag)


def _read(path: Path, fallback: str) -> str:
    """The file's text (UTF-8, else GB18030, as the corpus reader takes
    it); the build's rules when it cannot be read now."""
    try:
        data = path.read_bytes()
    except OSError:
        return fallback
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")
