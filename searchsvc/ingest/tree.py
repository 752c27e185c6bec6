"""The corpus folder as a tree: which of its files may be documents, and
which entries were passed over and why (``corpus`` reads the files).

Hidden files and folders, temporary and editor files and the top
folder's ``_`` files are passed over without a word; what a
``.searchignore`` names, a broken link, a loop of linked folders and a
folder that cannot be listed are named with the reason.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from .model import Skipped


class CorpusError(Exception):
    """The corpus as a whole cannot be indexed (missing, empty)."""


IGNORE_FILE = ".searchignore"
_TEMPORARY = re.compile("|".join(fnmatch.translate(p) for p in (
    "~$*", ".~lock.*", "*~", "#*#", "*.swp", "*.swo", "*.tmp", "*.part", "*.crdownload")))


def _ignored(corpus_dir: Path) -> list[str]:
    """The glob patterns of the folder's ``.searchignore`` (``#`` comments)."""
    try:
        text = (corpus_dir / IGNORE_FILE).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    return [p.strip().rstrip("/") for p in text.splitlines() if p.strip() and not p.startswith("#")]


def _matches(name: str, relative: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern) or \
                any(fnmatch.fnmatchcase(part, pattern) for part in relative.split("/")[:-1]):
            return pattern
    return None


def listed(corpus_dir: str | Path) -> tuple[list[tuple[str, os.DirEntry]], list[Skipped]]:
    """The tree's document files as (path in the folder, directory entry),
    by that path, and the entries passed over that a user should hear of:
    a regular file is told from its entry without a system call, and its
    one ``stat`` is kept by the entry (a rebuild of 150,000 files made
    two calls a file)."""
    folder = Path(corpus_dir)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    patterns = _ignored(folder)
    files: list[tuple[str, os.DirEntry]] = []
    skipped: list[Skipped] = []
    seen = {os.path.realpath(folder)}
    pending = [(folder, "")]
    while pending:
        here, prefix = pending.pop()
        try:
            with os.scandir(here) as found:
                entries = list(found)
        except OSError as exc:
            skipped.append(Skipped(str(here), f"folder not read ({exc.strerror or exc})"))
            continue
        for e in entries:
            relative = prefix + e.name
            if e.name.startswith(".") or not prefix and e.name.startswith("_") or \
                    _TEMPORARY.match(e.name):
                continue
            if patterns and (pattern := _matches(e.name, relative, patterns)) is not None:
                skipped.append(Skipped(e.path, f"ignored: {IGNORE_FILE} pattern {pattern!r}"))
                continue
            try:
                if e.is_dir():
                    real = os.path.realpath(e.path)
                    if real in seen:
                        skipped.append(Skipped(e.path, "a linked folder met before (a loop)"))
                        continue
                    seen.add(real)
                    pending.append((Path(e.path), relative + "/"))
                elif e.is_file():
                    files.append((relative, e))
                elif e.is_symlink():
                    skipped.append(Skipped(e.path, "a broken symbolic link "
                                           f"(to {os.readlink(e.path)})"))
                else:
                    skipped.append(Skipped(e.path, "not a regular file"))
            except OSError as exc:
                skipped.append(Skipped(e.path, f"not read ({exc.strerror or exc})"))
    if not files:
        raise CorpusError(f"no documents in corpus folder: {folder}")
    return sorted(files, key=lambda f: f[0]), sorted(skipped, key=lambda s: s.path)
