"""Building the Whoosh index and switching to it atomically.

Layout of the index folder::

    index/
      current -> build-20260101T000000-123   (symlink, replaced atomically)
      build-20260101T000000-123/             (Whoosh files, grams.*, normalized.txt,
                                              paragraphs.jsonl, documents.json, meta.json)
      .rebuild.lock                          (held while a rebuild runs)

A rebuild writes a fresh ``*.tmp`` folder, renames it, then renames a new
symlink over ``current``: a reader sees the old index or the new one,
never a half-written one. The previous build is kept so a worker that still
has it open keeps serving; older ones are removed.
"""

from __future__ import annotations

import errno
import fcntl
import json
import multiprocessing
import os
import shutil
import threading
import time
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from . import analysis, corpus, grams
from .analysis import (WordTokenizer, analyse_paragraph, flat_text, normalize_text,
                       segmenter)
from .docsets import LiteralIndex
from .ranking import Ranker

CURRENT = "current"
LOCK_FILE = ".rebuild.lock"
DICTIONARY_FILE = "_dictionary.txt"
SYNONYMS_FILE = "_synonyms.txt"
NORMALIZED_FILE = "normalized.txt"
PARAGRAPHS_FILE = "paragraphs.jsonl"  # a JSON line per document, read by the document view
FORMAT_VERSION = 4  # 2: character index out of Whoosh; 4: paragraphs.jsonl


class RebuildInProgress(Exception):
    """Another rebuild holds the lock."""


class IndexUnavailable(Exception):
    """No usable index: never built, or damaged. The message says which."""


def make_schema(user_dict: str | None = None) -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        doc_id=ID(stored=True, sortable=True),
        title=STORED(),
        section=ID(stored=True, sortable=True),
        section_key=ID(),  # normalized label: section:数读 finds 數讀
        heading=STORED(),
        paragraph=NUMERIC(stored=True, sortable=True, shift_step=0),
        text=TEXT(analyzer=WordTokenizer(user_dict), phrase=False, stored=True),
    )


@dataclass
class Extras:
    """Corpus-wide files beside the documents: user dictionary and synonyms."""

    user_dict: str = ""
    synonyms: list[list[str]] = field(default_factory=list)


def read_extras(corpus_dir: str | Path) -> Extras:
    folder = Path(corpus_dir)
    extras = Extras()
    dict_path = folder / DICTIONARY_FILE
    if dict_path.is_file():
        extras.user_dict, _ = corpus.decode(dict_path.read_bytes())
    syn_path = folder / SYNONYMS_FILE
    if syn_path.is_file():
        text, _ = corpus.decode(syn_path.read_bytes())
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            group = list(dict.fromkeys(line.split()))
            if len(group) > 1:
                extras.synonyms.append(group)
    return extras


@dataclass
class BuildReport:
    path: str
    documents: int
    paragraphs: int
    seconds: float
    size_bytes: int
    skipped: list = field(default_factory=list)  # list[corpus.Skipped]


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class _RebuildLock:
    def __init__(self, index_dir: Path):
        self.path = index_dir / LOCK_FILE
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise RebuildInProgress(
                    f"another rebuild of {self.path.parent} is running; "
                    "wait for it to finish") from None
            raise
        os.ftruncate(self.fd, 0)
        os.write(self.fd, str(os.getpid()).encode())
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def build_index(corpus_dir: str | Path, index_dir: str | Path, progress=None) -> BuildReport:
    """Index every document of ``corpus_dir`` into a new build and switch to it.

    ``progress(done, total, label)`` is called as documents are indexed.
    Raises CorpusError (nothing to index), RebuildInProgress.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _RebuildLock(index_dir):
        _remove_stale_builds(index_dir)
        documents, skipped = corpus.read_corpus(corpus_dir)
        if not documents:
            reasons = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in skipped)
            raise corpus.CorpusError(f"no readable document in {corpus_dir} ({reasons})")
        extras = read_extras(corpus_dir)

        stamp = datetime.now(timezone.utc)
        name = f"build-{stamp:%Y%m%dT%H%M%S%f}-{os.getpid()}"
        tmp = index_dir / f"{name}.tmp"
        tmp.mkdir()
        try:
            texts = _write(tmp, documents, extras, progress)
            paragraphs = len(texts)
            (tmp / NORMALIZED_FILE).write_text("".join(t + "\n" for t in texts), encoding="utf-8")
            grams.write(tmp, texts)
            meta = {
                "format": FORMAT_VERSION,
                "built_at": stamp.isoformat(timespec="seconds"),
                "documents": len(documents),
                "paragraphs": paragraphs,
                "synonyms": extras.synonyms,
                "skipped": [{"file": Path(s.path).name, "reason": s.reason} for s in skipped],
            }
            spans = _write_paragraphs(tmp / PARAGRAPHS_FILE, documents)
            _write_json(tmp / "documents.json",
                        [dict(d.metadata(), at=at) for d, at in zip(documents, spans)])
            _write_json(tmp / "meta.json", meta)
            final = index_dir / name
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _switch(index_dir, name)
        _prune(index_dir, keep=2)
        return BuildReport(str(final), len(documents), paragraphs,
                           time.perf_counter() - started, _dir_size(final), skipped)


def _write_paragraphs(path: Path, documents) -> list[list[int]]:
    """One JSON line per document ({n, section, heading, text} per paragraph);
    returns each line's [offset, length] in bytes, for reading one back."""
    spans = []
    with open(path, "wb") as f:
        for doc in documents:
            records = [{"n": p.number, "section": p.section, "heading": p.heading,
                        "text": p.text} for p in doc.paragraphs]
            line = json.dumps(records, ensure_ascii=False).encode("utf-8")
            spans.append([f.tell(), len(line)])
            f.write(line + b"\n")
        f.flush()
        os.fsync(f.fileno())
    return spans


PARALLEL_FROM = 2000  # paragraphs; smaller corpora are analysed in process


def _analysed(documents, user_dict: str | None):
    """(document, [(tokens, flat text) per paragraph]) in order.

    jieba's segmentation and the normalization run in a pool of processes
    (forked after the dictionary is loaded, so none loads it again) while
    this process feeds Whoosh: both cores work.
    """
    segmenter(user_dict)
    jobs = min(os.cpu_count() or 1, 4)
    total = sum(len(d.paragraphs) for d in documents)
    texts = ([p.text for p in d.paragraphs] for d in documents)
    if jobs < 2 or total < PARALLEL_FROM:
        for doc, paras in zip(documents, texts):
            yield doc, [analyse_paragraph(t, user_dict) for t in paras]
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        work = partial(_analyse_all, user_dict=user_dict)
        yield from zip(documents, pool.imap(work, texts, chunksize=4))


def _analyse_all(texts: list[str], user_dict: str | None) -> list:
    return [analyse_paragraph(t, user_dict) for t in texts]


def _write(folder: Path, documents, extras: Extras, progress) -> list[str]:
    """Write the Whoosh index; return every paragraph's flat normalized text."""
    user_dict = extras.user_dict or None
    flats: list[str] = []
    analysed = _analysed(documents, user_dict)
    ix = whoosh_index.create_in(str(folder), make_schema(user_dict))
    codec = W3Codec()
    codec.length_stats = False
    writer = ix.writer(limitmb=256, codec=codec)
    try:
        for i, (doc, results) in enumerate(analysed, 1):
            analysis._replay.clear()
            for p, (tokens, flat) in zip(doc.paragraphs, results):
                analysis._replay[p.text] = tokens
                flats.append(flat)
            for p in doc.paragraphs:
                writer.add_document(
                    id=f"{doc.doc_id}#p{p.number}", doc_id=doc.doc_id, title=doc.title,
                    section=p.section, section_key=normalize_text(p.section),
                    heading=p.heading, paragraph=p.number,
                    text=p.text)
            if progress:
                progress(i, len(documents), doc.doc_id)
        analysis._replay.clear()
        writer.commit()
    except BaseException:
        analysis._replay.clear()
        writer.cancel()
        analysed.close()
        raise
    return flats


def _write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())


def _switch(index_dir: Path, name: str) -> None:
    link_tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)


def _builds(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.glob("build-*") if p.is_dir() and not p.name.endswith(".tmp"))


def _remove_stale_builds(index_dir: Path) -> None:
    """Leftovers of a killed rebuild (we hold the lock: none is live)."""
    for p in index_dir.glob("build-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
    for p in index_dir.glob(f".{CURRENT}.*.tmp"):
        p.unlink(missing_ok=True)


def _prune(index_dir: Path, keep: int) -> None:
    current = current_path(index_dir)
    builds = [b for b in _builds(index_dir) if b != current]
    for old in builds[:max(0, len(builds) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def current_path(index_dir: str | Path) -> Path | None:
    """The build that ``current`` points at, or None."""
    link = Path(index_dir) / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return (Path(index_dir) / target).resolve()


def index_exists(index_dir: str | Path) -> bool:
    path = current_path(index_dir)
    return path is not None and (path / "meta.json").is_file()


# --------------------------------------------------------------------------
# Reading: one open snapshot per process, reopened when `current` moves.
# --------------------------------------------------------------------------

class Snapshot:
    """An opened build: Whoosh index, a searcher, documents and metadata."""

    def __init__(self, path: Path):
        self.path = path
        try:
            with open(path / "meta.json", encoding="utf-8") as f:
                self.meta = json.load(f)
            with open(path / "documents.json", encoding="utf-8") as f:
                docs = json.load(f)
            self.index = whoosh_index.open_dir(str(path))
            self.searcher = self.index.searcher()
        except (OSError, ValueError, whoosh_index.IndexError) as exc:
            raise IndexUnavailable(f"the index at {path} is damaged ({exc}); "
                                   "run `searchsvc rebuild`") from exc
        except Exception as exc:  # unpickling a damaged TOC raises anything
            raise IndexUnavailable(f"the index at {path} is damaged "
                                   f"({type(exc).__name__}); run `searchsvc rebuild`") from exc
        self.documents = {d["doc_id"]: d for d in docs}
        if self.meta.get("format") != FORMAT_VERSION:
            raise IndexUnavailable(f"the index at {path} was built by another version "
                                   "of searchsvc; run `searchsvc rebuild`")
        try:
            texts = NormalizedTexts.read(path, self.searcher)
            self.grams = grams.GramStore(path)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the index at {path} is damaged ({exc}); "
                                   "run `searchsvc rebuild`") from exc
        self.literals = LiteralIndex(self.grams, texts)
        self.ranker = Ranker(self.searcher, self.grams, texts)
        self._columns: dict[str, list] = {}
        self.synonyms = _synonym_map(self.meta.get("synonyms", []))
        self.user_dict = getattr(self.index.schema["text"].analyzer, "user_dict", None)

    def paragraphs(self, doc_id: str) -> list[dict] | None:
        """A document's paragraphs ({n, section, heading, text}), read on demand."""
        doc = self.documents.get(doc_id)
        if doc is None:
            return None
        offset, length = doc["at"]
        with open(self.path / PARAGRAPHS_FILE, "rb") as f:
            f.seek(offset)
            return json.loads(f.read(length))

    def column(self, name: str) -> list:
        """A stored field's value for every docnum (facets, doc view)."""
        values = self._columns.get(name)
        if values is None:
            reader = self.searcher.reader()
            if reader.has_column(name):
                raw = reader.column_reader(name)
            else:
                raw = (self.searcher.stored_fields(d).get(name)
                       for d in range(reader.doc_count_all()))
            distinct: dict = {}  # one object per distinct value, not one per paragraph
            values = [distinct.setdefault(v, v) for v in raw]
            self._columns[name] = values
        return values


class NormalizedTexts:
    """Every paragraph's normalized text (no white space), by docnum.

    Held as one string with an offset table rather than a list of strings:
    a quarter of the memory, and a substring test is ``find`` within bounds.
    """

    def __init__(self, joined: str, starts: array):
        self.joined = joined
        self.starts = starts  # len(self) + 1 offsets; text n is [starts[n], starts[n+1] - 1)

    @classmethod
    def read(cls, path: Path, searcher) -> "NormalizedTexts":
        """The file is in the order paragraphs were added, which is the docnum
        order of the one-segment index a single writer makes; checked on the
        first and last paragraph."""
        joined = (path / NORMALIZED_FILE).read_text(encoding="utf-8")
        starts = array("I", [0])
        position = joined.find("\n")
        while position != -1:
            starts.append(position + 1)
            position = joined.find("\n", position + 1)
        texts = cls(joined, starts)
        reader = searcher.reader()
        n = reader.doc_count_all()
        if len(texts) != n or not reader.is_atomic() or (joined and not joined.endswith("\n")):
            raise ValueError(f"{NORMALIZED_FILE} does not line up with the index")
        for docnum in {0, n - 1} if n else ():
            if flat_text(searcher.stored_fields(docnum)["text"]) != texts[docnum]:
                raise ValueError(f"{NORMALIZED_FILE} does not line up with the index")
        return texts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, n: int) -> str:
        return self.joined[self.starts[n]:self.starts[n + 1] - 1]

    def length(self, n: int) -> int:
        return self.starts[n + 1] - self.starts[n] - 1

    def contains(self, n: int, literal: str) -> bool:
        return self.joined.find(literal, self.starts[n], self.starts[n + 1] - 1) != -1


def _synonym_map(groups) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for group in groups:
        norm = list(dict.fromkeys(normalize_text(w) for w in group))
        for word in norm:
            mapping.setdefault(word, [])
            mapping[word].extend(w for w in norm if w not in mapping[word])
    return mapping


_snapshots: dict[str, Snapshot] = {}
_snapshot_lock = threading.Lock()


def open_snapshot(index_dir: str | Path) -> Snapshot:
    """The current build of ``index_dir``, reopened if a rebuild switched it.

    Costs one ``readlink`` per call when nothing changed. Raises
    IndexUnavailable with a reason a person can act on.
    """
    key = str(Path(index_dir).resolve())
    path = current_path(index_dir)
    if path is None:
        raise IndexUnavailable(f"no index has been built in {index_dir}; "
                               "run `searchsvc rebuild`")
    snap = _snapshots.get(key)
    if snap is not None and snap.path == path:
        return snap
    with _snapshot_lock:
        snap = _snapshots.get(key)
        if snap is None or snap.path != path:
            snap = Snapshot(path)
            _snapshots[key] = snap
    return snap


def forget_snapshots() -> None:
    """Close every open snapshot (before a fork: workers open their own files)."""
    with _snapshot_lock:
        for snap in _snapshots.values():
            snap.searcher.close()
            snap.grams.close()
        _snapshots.clear()
