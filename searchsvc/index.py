"""The index on disk and its reading: the format, and an opened build.

Layout of an index folder::

    index/
      current -> build-20260101T000000-123   (symlink, replaced atomically)
      build-20260101T000000-123/
        _MAIN_*.toc, MAIN_*.*                Whoosh: a segment per part
        part0.normalized.txt, part0.grams.*, part0.paragraphs.*   (per part)
        documents.jsonl, meta.json
      .rebuild.lock                          (held while a rebuild or publish writes here)

A build is a list of parts. A part is one Whoosh segment and the files
beside it (normalized texts, character index, paragraph store), holding
consecutive docnums. ``indexer`` writes builds; this module owns their
names, ``meta.json`` (``Meta``), the ``current`` switch and ``Snapshot``,
an opened build, which the web app holds per process through
``init_app`` (``Snapshots``). Nothing here imports the writer.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
from array import array
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import grams, store, wordindex
from .analysis import flat_text, normalize_text
from .cache import SizedLRU, entry_bytes
from .docsets import LiteralIndex, NormalizedTexts
from .ranking import Headings, Ranker
from .wordindex import WordIndex

RESULT_CACHE_BYTES = 32_000_000  # about 2,000 result pages (search._Cached.estimate), per process
RESULT_CACHE_ENTRIES = 5_000  # and never more answers than this (empty ones weigh little)
CURRENT = "current"
LOCK_FILE = ".rebuild.lock"
META_FILE = "meta.json"
NORMALIZED_FILE = "normalized.txt"
INTERNAL_KEYS = ("first", "digest", "runs")  # documents.jsonl keys that are not metadata
FORMAT_VERSION = 10  # 2: character index out of Whoosh; 5: parts; 6: paragraph store; 8: runs;
# 9: the word index holds words only (filters read the columns); 10: text folded a
# cluster at a time (decomposed text as composed)


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
    parts: list[dict]  # {"name", "docnums"} per part, in docnum order
    dictionary: str  # digest of the user dictionary the build was segmented with
    synonyms: list[list[str]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"file", "reason"}
    build_seconds: float = 0.0  # how long the rebuild that wrote it took
    files: dict = field(default_factory=dict)  # every file's size in bytes (file_sizes)
    format: int = FORMAT_VERSION

    @classmethod
    def read(cls, build: Path) -> "Meta":
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
            raise store.DamagedFile(name, "missing") from None
        if found != size:
            raise store.DamagedFile(name, f"{found} bytes, where the build wrote {size}")


def normalized_file(part: str) -> str:
    return f"{part}.{NORMALIZED_FILE}"


def part_files(part: str) -> list[str]:
    """Every file a part has beside its Whoosh segment."""
    return [normalized_file(part), *grams.files(part), *store.files(part)]


class IndexBusy(Exception):
    """Another rebuild or publish is writing to the index folder."""


class IndexLock:
    """The index folder's lock, held by whatever writes builds there (a
    rebuild, a publish into it): each removes the other's half-written
    ``build-*.tmp`` otherwise. Not waited for: the second writer is refused
    with the first one's name and process id, and can simply run again."""

    def __init__(self, index_dir: Path, what: str):
        self.path = Path(index_dir) / LOCK_FILE
        self.what = what
        self.fd = None

    def __enter__(self) -> "IndexLock":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(self.fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(self.fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexBusy(f"another rebuild or publish of {self.path.parent} is running"
                                f"{f' ({holder})' if holder else ''}; wait for it to finish "
                                "and run this again") from None
            raise
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{self.what}, process {os.getpid()}".encode())
        return self

    def __exit__(self, *exc):
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
    there is none or no readable build (read from the word index's schema
    alone)."""
    path = current_path(index_dir)
    try:
        return wordindex.user_dictionary(path) if path else None
    except Exception:  # a damaged table of contents raises anything
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


# --------------------------------------------------------------------------
# Reading: one open snapshot per process, reopened when `current` moves.
# --------------------------------------------------------------------------

class Snapshot:
    """An opened build: its word index, character index, paragraph store,
    documents, columns and metadata, and the caches of answers over them."""

    def __init__(self, path: Path):
        self.path = path
        self.version = path.name  # the build's id: what X-Index-Version and ETags name
        self._guard = threading.Lock()
        self._users = 0  # requests using it now (Snapshots.acquire ... release)
        self._retired = False  # replaced: closed when the last user releases it
        self.closed = False
        try:
            self.meta = Meta.read(path)
        except OtherFormat as exc:
            raise IndexUnavailable(f"the index at {path} was built by another version "
                                   "of searchsvc; run `searchsvc rebuild`") from exc
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the index at {path} is damaged ({exc}); "
                                   "run `searchsvc rebuild`") from exc
        self.words = self.grams = self.store = self.documents = None
        try:
            check_sizes(path, self.meta)
            self.words = WordIndex(path)
            names = [p["name"] for p in self.meta.parts]
            counts = [p["docnums"] for p in self.meta.parts]
            if self.words.part_sizes != counts:
                raise ValueError("the word index does not line up with meta.json")
            if len(self.words.deleted) != self.meta.deleted:
                raise ValueError("the deleted paragraphs do not match meta.json")
            self.documents, layout = store.Documents.open(path)
            self.store = store.ParagraphStore(path, names)
            texts = NormalizedTexts.read([path / normalized_file(n) for n in names], counts,
                                         self.store)
            self.grams = grams.GramStore(path, names, self.words.deleted, len(texts))
            self.literals = LiteralIndex(self.grams, texts)
            self.ranker = Ranker(self.words, _positions(layout, len(texts)),
                                 headings=lambda: _headings(layout, self.documents))
            self._columns = _columns(layout, len(texts))
        except store.DamagedFile as exc:
            self.close()
            raise IndexUnavailable(f"the index at {path} is damaged: {exc}") from exc
        except Exception as exc:  # what a damaged file makes a reader raise varies
            self.close()
            raise IndexUnavailable(f"the index at {path} is damaged ({type(exc).__name__}: "
                                   f"{exc}); run `searchsvc rebuild`") from exc
        # search.search()'s answers
        self.results = SizedLRU(RESULT_CACHE_BYTES, RESULT_CACHE_ENTRIES, entry_cost=entry_bytes)
        self.synonyms = _synonym_map(self.meta.synonyms)
        self.user_dict = self.words.user_dict

    def paragraphs(self, doc_id: str) -> list[dict] | None:
        """A document's paragraphs ({n, section, heading, text}), read on demand."""
        if doc_id not in self.documents:
            return None
        records = self.store.records(*self.documents.span(doc_id))
        for record in records:
            del record["doc"]
        return records

    def close(self) -> None:
        """Close its files now (a one-off reader's; a served snapshot is
        closed through ``retire`` once no request uses it)."""
        self.closed = True
        for part in (self.words, self.grams, self.store, self.documents):
            if part is not None:
                part.close()

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

    def column(self, name: str) -> "Column":
        """Each docnum's "doc_id" or "section" (filters and facets); "" for
        deleted ones."""
        return self._columns[name]


def _positions(layout: list[tuple], docnums: int) -> array | None:
    """Each docnum's place in corpus order, or None when docnum order is
    corpus order (a full build). After an incremental rebuild a changed
    document's paragraphs sit at the end, yet ties must rank as a full
    rebuild ranks them. ``layout``: (doc_id, first, paragraphs, runs) per
    document, in corpus order."""
    place = 0
    for _, first, count, _ in layout:
        if first != place:
            break
        place += count
    else:
        if place == docnums:
            return None
    position = array("I", [docnums]) * docnums  # deleted ones: after every live one
    place = 0
    for _, first, count, _ in layout:
        for docnum in range(first, first + count):
            position[docnum] = place
            place += 1
    return position


class Column:
    """One label per docnum (a document's id, a section), held as numpy
    codes into a sorted list of distinct labels; "" for deleted docnums.
    Counting the labels of a set of paragraphs is one bincount."""

    def __init__(self, labels: list[str], codes: np.ndarray):
        self.labels = labels
        self.codes = codes
        self.empty = labels.index("")

    def docs(self, wanted, key=None) -> np.ndarray:
        """The docnums whose label is one of ``wanted``, compared through
        ``key`` when given (a section filter compares normalized labels)."""
        wanted = set(wanted)
        codes = [i for i, label in enumerate(self.labels) if label and
                 (key(label) if key else label) in wanted]
        return np.flatnonzero(np.isin(self.codes, codes))

    def top(self, ids: np.ndarray, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` labels with most paragraphs among the docnums
        ``ids``, most first, then in label order; the empty label (no
        section) left out."""
        if not len(ids):
            return []
        counts = np.bincount(self.codes[ids], minlength=len(self.labels))
        counts[self.empty] = 0
        found = np.flatnonzero(counts)  # codes are in label order
        best = found[np.lexsort((found, -counts[found]))[:limit]]
        return [(self.labels[i], int(counts[i])) for i in best.tolist()]


def _columns(layout: list[tuple], docnums: int) -> dict[str, Column]:
    """Document and section of every docnum, from the documents' section
    runs: a few slice assignments per document, where Whoosh's column
    readers decode a value at a time (0.16 s at 108,000 paragraphs)."""
    doc_labels = sorted({""} | {doc_id for doc_id, *_ in layout})
    section_labels = sorted({""} | {label for *_, runs in layout for label, _ in runs})
    doc_code = {label: i for i, label in enumerate(doc_labels)}
    section_code = {label: i for i, label in enumerate(section_labels)}
    docs = np.full(docnums, doc_code[""], dtype=np.int32)
    sections = np.full(docnums, section_code[""], dtype=np.int32)
    for doc_id, first, count, runs in layout:
        docs[first:first + count] = doc_code[doc_id]
        for label, length in runs:
            sections[first:first + length] = section_code[label]
            first += length
    return {"doc_id": Column(doc_labels, docs), "section": Column(section_labels, sections)}


def _headings(layout: list[tuple], documents) -> Headings:
    """The heading field's runs: (first docnum, paragraphs, title + section
    label + section heading) for each run of a document's paragraphs in
    one section. A document's entry is read only when it has sections."""
    runs = []
    for doc_id, first, count, doc_runs in layout:
        title = documents.title(doc_id)
        headings = {}
        if any(label for label, _ in doc_runs):
            for section in documents[doc_id].get("sections", []):
                headings.setdefault(section.get("label", ""), section.get("heading", ""))
        for label, length in doc_runs:
            text = "\0".join(flat_text(t) for t in (title, label, headings.get(label, "")))
            runs.append((first, length, text))  # \0: no word runs across two parts
            first += length
        if not doc_runs:
            runs.append((first, count, flat_text(title)))
    return Headings(runs)


def _synonym_map(groups) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for group in groups:
        norm = list(dict.fromkeys(normalize_text(w) for w in group))
        for word in norm:
            mapping.setdefault(word, [])
            mapping[word].extend(w for w in norm if w not in mapping[word])
    return mapping


def _current_or_raise(index_dir: str | Path) -> Path:
    path = current_path(index_dir)
    if path is None:
        raise IndexUnavailable(f"no index has been built in {index_dir}; "
                               "run `searchsvc rebuild`")
    return path


def open_current(index_dir: str | Path) -> Snapshot:
    """A new Snapshot of the current build, for a one-off reader (the
    command line, a benchmark); the caller closes it. Raises IndexUnavailable."""
    return Snapshot(_current_or_raise(index_dir))


class Snapshots:
    """The open build of each index folder, for one process.

    Held by the app (``init_app``), not by this module, so each app (and
    each test's app) has its own, and a forked worker starts with none.
    A request takes the current build with ``acquire`` and gives it back
    with ``Snapshot.release``; when ``current`` moves, the next acquire
    opens the new build and retires the old one, which is closed as soon
    as the last request using it ends (reference counted, as Lucene's
    SearcherManager and Tantivy's searcher pool do).
    """

    def __init__(self):
        self._open: dict[str, Snapshot] = {}
        self._lock = threading.Lock()

    def acquire(self, index_dir: str | Path) -> Snapshot:
        """The current build of ``index_dir``, reopened if a rebuild switched
        it, held until the caller calls ``release()`` on it.

        Costs one ``readlink`` per call when nothing changed. Raises
        IndexUnavailable with a reason a person can act on.
        """
        key = str(Path(index_dir).resolve())
        path = _current_or_raise(index_dir)
        with self._lock:
            snap = self._open.get(key)
            if snap is None or snap.path != path:
                fresh = Snapshot(path)  # raises IndexUnavailable: the old one stays
                if snap is not None:
                    snap.retire()
                self._open[key] = snap = fresh
            snap._acquire()
        return snap

    @contextmanager
    def using(self, index_dir: str | Path):
        """``acquire`` for a block of code."""
        snap = self.acquire(index_dir)
        try:
            yield snap
        finally:
            snap.release()

    def close(self) -> None:
        """Retire every open build (before a fork: workers open their own files)."""
        with self._lock:
            for snap in self._open.values():
                snap.retire()
            self._open.clear()


EXTENSION = "searchsvc.index"


def init_app(app) -> None:
    """Give ``app`` its own ``Snapshots``; ``acquire(app)`` and
    ``using(app)`` read the build under ``app.config["INDEX_DIR"]`` through it."""
    app.extensions[EXTENSION] = Snapshots()


def acquire(app) -> Snapshot:
    """The app's current build, held until ``release()`` is called on it.
    Raises IndexUnavailable."""
    return app.extensions[EXTENSION].acquire(app.config["INDEX_DIR"])


def using(app):
    """The app's current build for a ``with`` block. Raises IndexUnavailable."""
    return app.extensions[EXTENSION].using(app.config["INDEX_DIR"])
