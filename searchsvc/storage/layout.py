"""An index folder and its builds: names, ``meta.json``, the ``current``
switch, pruning and the writers' lock.

Layout of an index folder::

    index/
      current -> build-20260101T000000-123   (symlink, replaced atomically)
      build-20260101T000000-123/
        _MAIN_*.toc, MAIN_*.*                Whoosh: a segment per part (wordindex)
        part0.normalized.txt                 flat texts (texts)
        part0.grams.*                        character index (grams)
        part0.paragraphs.*                   paragraph store (paragraphs)
        documents.jsonl, meta.json, dictionary.txt (the user dictionary, if any)
        readings.txt, readings.idx           pinyin → words (readings)
        jieba.trie, jieba.counts             jieba's dictionary, compact (lexicon)
      .rebuild.lock                          (held while a rebuild or publish writes here)

A build is a list of parts. A part is one Whoosh segment and the files
beside it, holding consecutive docnums. The build package writes builds,
``opened`` reads one; this module owns the names they share.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import grams, paragraphs, postings, texts
from .files import DamagedFile

CURRENT = "current"
LOCK_FILE = ".rebuild.lock"
META_FILE = "meta.json"
DICTIONARY_FILE = "dictionary.txt"  # the jieba user dictionary the build was segmented with
INTERNAL_KEYS = ("first", "digest", "runs", "size", "mtime", "headings")  # documents.jsonl keys, not metadata
FORMAT_VERSION = 20  # 2: character index out of Whoosh; 5: parts; 6: paragraph store; 8: runs;
# 9: the word index holds words only (filters read the columns); 10: text folded a
# cluster at a time (decomposed text as composed); 11: the user dictionary a plain
# file, no frequencies in the character index; 12: the word index stores each
# paragraph's id (a Whoosh hit names its paragraph); 13: the serving format (mapped
# word postings and lengths, flat texts with a line table, documents.table with
# each run's heading text); 14: documents.table carries each file's name, digest,
# size and time (an incremental rebuild plans from it and copies kept entries); the
# columns written as files and mapped; 15: documents carry tags, dates of year or
# month precision, and the heading rules' sections; 16: the pinyin table (readings)
# 17: the character index keeps each Latin run (a Latin word standing as a word), the
# pinyin table three words per reading and syllable split (xi'an: 西安)
# 18: one I/O policy (every file mapped): the character index's table as keyed postings
# (first posting and count per key, as the word postings have)
# 19: what serving needs of the documents as mapped files (docmap) and the document
# column's labels mapped: no table or id list decoded at open
# 20: jieba's dictionary in a compact form (lexicon): serving segments queries from it


class IndexUnavailable(Exception):
    """No usable index: never built, or damaged. The message says which."""


class OtherFormat(ValueError):
    """A build written by another version of searchsvc."""


@dataclass
class Meta:
    """``meta.json``: what a build holds and how it was made."""

    built_at: str
    incremental: bool
    documents: int
    paragraphs: int
    docnums: int  # paragraphs + deleted: Whoosh keeps a deleted paragraph's number
    deleted: int
    parts: list[dict[str, Any]]  # {"name", "docnums"} per part, in docnum order
    dictionary: str  # digest of the user dictionary the build was segmented with
    synonyms: list[list[str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"file", "reason"}
    build_seconds: float = 0.0  # how long the rebuild that wrote it took
    files: dict[str, int] = field(default_factory=dict)  # every file's size in bytes (file_sizes)
    corpus: str = ""  # the corpus folder it was read from, resolved ("" before #36)
    format: int = FORMAT_VERSION

    @classmethod
    def read(cls, build: Path) -> Meta:
        """Raises OSError, ValueError (not JSON, or not this format's keys)."""
        with open(build / META_FILE, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError(f"{META_FILE} is not an object")
        if data.get("format") != FORMAT_VERSION:
            raise OtherFormat(f"{META_FILE} is of format {data.get('format')!r}, "
                             f"not {FORMAT_VERSION}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(f"{META_FILE} does not have this format's keys ({exc})") from None

    def write(self, build: Path) -> None:
        with open(build / META_FILE, "w", encoding="utf-8") as f:
            json.dump(asdict(self), f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())


def file_sizes(build: Path) -> dict[str, int]:
    """Every file of a build but meta.json and Whoosh's lock, with its size:
    what meta.json records, and a replica checks before serving."""
    return {p.name: p.stat().st_size for p in sorted(build.iterdir())
            if p.is_file() and p.name != META_FILE and not p.name.endswith("LOCK")}


def check_sizes(build: Path, meta: Meta) -> None:
    """Raises DamagedFile for the first file missing or of another size than
    the build wrote (a truncated copy, a full disk): a stat per file."""
    for name, size in meta.files.items():
        try:
            found = (build / name).stat().st_size
        except FileNotFoundError:
            raise DamagedFile(name, "missing") from None
        if found != size:
            raise DamagedFile(name, f"{found} bytes, where the build wrote {size}")


def part_files(part: str) -> list[str]:
    """Every file a part has beside its Whoosh segment."""
    return [*texts.files(part), *grams.files(part), *paragraphs.files(part),
            *postings.files(part)]


def write_user_dictionary(build: Path, text: str) -> None:
    """The user dictionary, when there is one (no file: jieba's own)."""
    if text:
        (build / DICTIONARY_FILE).write_text(text, encoding="utf-8")


def read_user_dictionary(build: Path) -> str | None:
    """The user dictionary ``build`` was segmented with; None without one."""
    try:
        return (build / DICTIONARY_FILE).read_text(encoding="utf-8") or None
    except FileNotFoundError:
        return None


class IndexBusy(Exception):
    """Another rebuild or publish is writing to the index folder."""


class IndexLock:
    """The index folder's lock, held by whatever writes builds there (a
    rebuild, a publish into it): each removes the other's half-written
    ``build-*.tmp`` otherwise. Not waited for: the second writer is refused
    with what the first one is, and can simply run again."""

    def __init__(self, index_dir: Path, what: str):
        self.path = Path(index_dir) / LOCK_FILE
        self.what = what
        self.fd = -1

    def __enter__(self) -> IndexLock:
        self.fd = fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexBusy(f"another rebuild or publish of {self.path.parent} is running"
                                f"{f' ({holder})' if holder else ''}; wait for it to finish "
                                "and run this again") from None
            raise
        os.ftruncate(self.fd, 0)
        since = datetime.now(UTC).isoformat(timespec="seconds")
        os.write(self.fd, f"{self.what}, process {os.getpid()}, since {since}".encode())
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def switch(index_dir: Path, name: str) -> None:
    """Point ``current`` at the build ``name``: a new symlink renamed over
    the old one, so a reader sees one build or the other."""
    link_tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)


def builds(index_dir: Path) -> list[Path]:
    """Every complete build in ``index_dir``, oldest first."""
    return sorted(p for p in index_dir.glob("build-*") if p.is_dir() and not p.name.endswith(".tmp"))


def prune(index_dir: Path, keep: int) -> None:
    """Remove all but the ``keep`` newest builds, the current one always kept
    (compared resolved: ``index_dir`` may be relative or a symlink)."""
    current = current_path(index_dir)
    older = [b for b in builds(index_dir) if b.resolve() != current]
    for old in older[:max(0, len(older) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def current_path(index_dir: str | Path) -> Path | None:
    """The build that ``current`` points at, or None."""
    link = Path(index_dir) / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return (Path(index_dir) / target).resolve()


def user_dictionary(index_dir: str | Path) -> str | None:
    """The user dictionary the current build was segmented with; None when
    there is none or no readable build."""
    path = current_path(index_dir)
    try:
        return read_user_dictionary(path) if path else None
    except (OSError, UnicodeDecodeError):
        return None


def index_exists(index_dir: str | Path) -> bool:
    """A build of this version is in place (one from an older searchsvc is
    not: it cannot be served, and `rebuild --if-missing` replaces it)."""
    path = current_path(index_dir)
    if path is None:
        return False
    try:
        Meta.read(path)
    except (OSError, ValueError):
        return False
    return True


def built_from(index_dir: str | Path) -> str:
    """The corpus folder the current build was read from ("" when unknown)."""
    path = current_path(index_dir)
    try:
        return Meta.read(path).corpus if path else ""
    except (OSError, ValueError):
        return ""


def current_or_raise(index_dir: str | Path) -> Path:
    """The current build; IndexUnavailable when none was built."""
    path = current_path(index_dir)
    if path is None:
        raise IndexUnavailable(f"no index has been built in {index_dir}; "
                               "run `searchsvc rebuild`")
    return path
