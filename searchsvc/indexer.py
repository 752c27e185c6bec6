"""Building the index, from scratch or from the previous build, and
switching to it atomically.

Layout of the index folder::

    index/
      current -> build-20260101T000000-123   (symlink, replaced atomically)
      build-20260101T000000-123/
        _MAIN_*.toc, MAIN_*.*                Whoosh: a segment per part
        part0.normalized.txt, part0.grams.*, part0.paragraphs.*   (per part)
        documents.jsonl, meta.json
      .rebuild.lock                          (held while a rebuild runs)

A build is a list of parts. A part is one Whoosh segment and the files
beside it (normalized texts, character index, paragraph store), holding
consecutive docnums. A full rebuild writes a part per core, in parallel; an
incremental one hard-links the previous build's parts, marks the replaced
paragraphs deleted and adds one part for the new and changed files.

A rebuild writes a fresh ``*.tmp`` folder, renames it, then renames a new
symlink over ``current``: a reader sees the old index or the new one,
never a half-written one. The previous build is kept so a worker that still
has it open keeps serving; older ones are removed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from pyroaring import FrozenBitMap
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, Schema
from whoosh.writing import SegmentWriter

from . import corpus, grams, store
from .analysis import (CountedText, WordTokenizer, analyse_paragraph, flat_text,
                       normalize_text, segmenter)
from .docsets import LiteralIndex
from .cache import SizedLRU
from .ranking import Headings, Ranker

RESULT_CACHE_BYTES = 32_000_000  # about 2,000 result pages (search._Cached.estimate), per process
CURRENT = "current"
LOCK_FILE = ".rebuild.lock"
DICTIONARY_FILE = "_dictionary.txt"
SYNONYMS_FILE = "_synonyms.txt"
NORMALIZED_FILE = "normalized.txt"
INTERNAL_KEYS = ("first", "digest", "runs")  # documents.jsonl keys that are not metadata
FORMAT_VERSION = 8  # 2: character index out of Whoosh; 5: parts; 6: paragraph store; 8: runs


class RebuildInProgress(Exception):
    """Another rebuild holds the lock."""


class IndexUnavailable(Exception):
    """No usable index: never built, or damaged. The message says which."""


def make_schema(user_dict: str | None = None) -> Schema:
    """Words and the two filters' terms. Nothing is stored in Whoosh:
    store.py keeps what is shown, documents.jsonl where each document's
    paragraphs and sections lie (facets)."""
    return Schema(
        doc_id=ID(),
        section_key=ID(),  # normalized label: section:数读 finds 數讀
        text=CountedText(analyzer=WordTokenizer(user_dict), phrase=False),
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
    mode: str = "full"  # or "incremental", or "unchanged" (nothing to do)
    indexed: int = 0  # documents indexed (all of them in a full rebuild)
    removed: int = 0  # documents whose previous paragraphs were deleted


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class _RebuildLock:
    def __init__(self, index_dir: Path):
        self.path = index_dir / LOCK_FILE
        self.fd = None

    def __enter__(self) -> "_RebuildLock":
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


def build_index(corpus_dir: str | Path, index_dir: str | Path, progress=None,
                full: bool = False) -> BuildReport:
    """Index the documents of ``corpus_dir`` into a new build and switch to it.

    A rebuild starts from the current build when it can: files whose bytes
    are unchanged keep what was indexed for them, changed and new files are
    indexed into one new part, and the paragraphs of changed and removed
    files are marked deleted (see ``_Plan``). A full rebuild (``full``, the
    first one, or when the parts or deletions have piled up) indexes every
    document again, a part per core. ``progress(done, total, label)`` is
    called as documents are indexed. Raises CorpusError (nothing to index),
    RebuildInProgress.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _RebuildLock(index_dir) as lock:
        _remove_stale_builds(index_dir)
        sources, skipped = corpus.scan(corpus_dir)
        extras = read_extras(corpus_dir)
        previous = None if full else _Previous.load(index_dir, extras)
        plan = _Plan(sources, previous, skipped)
        if not plan.items:
            reasons = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in skipped)
            raise corpus.CorpusError(f"no readable document in {corpus_dir} ({reasons})")
        if previous is not None and not plan.new and not plan.gone and \
                previous.meta["synonyms"] == extras.synonyms and \
                previous.meta["skipped"] == _skipped_meta(skipped):
            return BuildReport(str(previous.path), previous.meta["documents"],
                               previous.meta["paragraphs"], time.perf_counter() - started,
                               _dir_size(previous.path), skipped, mode="unchanged")

        stamp = datetime.now(timezone.utc)
        name = f"build-{stamp:%Y%m%dT%H%M%S%f}-{os.getpid()}"
        tmp = index_dir / f"{name}.tmp"
        tmp.mkdir()
        try:
            if plan.incremental:
                parts = _write_incremental(tmp, previous, plan, extras, progress)
            else:
                documents = plan.documents(skipped)
                if not documents:
                    raise corpus.CorpusError(f"no readable document in {corpus_dir}")
                parts = _write_full(tmp, documents, extras, progress, lock.fd)
            entries = _entries(plan)
            paragraphs = sum(e["paragraphs"] for e in entries)
            docnums = sum(p["docnums"] for p in parts)
            meta = {
                "format": FORMAT_VERSION,
                "built_at": stamp.isoformat(timespec="seconds"),
                "incremental": plan.incremental,
                "documents": len(entries),
                "paragraphs": paragraphs,
                "docnums": docnums,
                "deleted": docnums - paragraphs,
                "parts": parts,
                "dictionary": _digest(extras.user_dict),
                "synonyms": extras.synonyms,
                "skipped": _skipped_meta(skipped),  # a full rebuild may have added some
            }
            store.write_documents(tmp, entries)
            _write_json(tmp / "meta.json", meta)
            final = index_dir / name
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _switch(index_dir, name)
        _prune(index_dir, keep=2)
        return BuildReport(str(final), len(entries), paragraphs,
                           time.perf_counter() - started, _dir_size(final), skipped,
                           mode="incremental" if plan.incremental else "full",
                           indexed=len(plan.new) if plan.incremental else len(entries),
                           removed=len(plan.gone) if plan.incremental else 0)


MAX_PARTS = 8  # an incremental rebuild that would make more parts is a full one
MAX_REPLACED = 0.2  # ... and so is one after which deleted + new paragraphs pass this share


def _skipped_meta(skipped: list) -> list[dict]:
    return [{"file": Path(s.path).name, "reason": s.reason} for s in skipped]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class _Previous:
    """The current build, as a rebuild may start from it."""

    path: Path
    meta: dict
    documents: dict  # doc_id -> its documents.jsonl entry

    @classmethod
    def load(cls, index_dir: Path, extras: Extras) -> "_Previous | None":
        """None when there is no build to start from, it is of another
        format or user dictionary (which changes every segmentation), or
        it cannot be read (a full rebuild replaces it)."""
        path = current_path(index_dir)
        if path is None:
            return None
        try:
            with open(path / "meta.json", encoding="utf-8") as f:
                meta = json.load(f)
            if meta.get("format") != FORMAT_VERSION or \
                    meta.get("dictionary") != _digest(extras.user_dict):
                return None
            documents = {d["doc_id"]: d for d in store.read_documents(path)}
            for part in meta["parts"]:
                for name in _part_files(part["name"]):
                    if not (path / name).is_file():
                        raise ValueError(f"{name} is missing")
            with whoosh_index.open_dir(str(path)).reader() as reader:
                if reader.doc_count_all() != meta["docnums"]:
                    raise ValueError("the index does not match meta.json")
        except Exception:  # unreadable in any way (a damaged TOC raises anything)
            return None
        return cls(path, meta, documents)


class _Plan:
    """What a rebuild does with each file: keep its previous entry or index it.

    ``items`` are (source, previous entry or None, document or None) in
    corpus order; ``new`` the documents to index, ``gone`` the previous
    entries whose paragraphs are deleted (changed or removed files).
    """

    def __init__(self, sources, previous: _Previous | None, skipped: list):
        self.items = []
        self.new: list[corpus.Document] = []
        kept: set[str] = set()
        for source in sources:
            old = previous.documents.get(source.doc_id) if previous else None
            if old is not None and old.get("digest") == source.digest and \
                    old.get("file") == source.path.name:
                self.items.append((source, old, None))
                kept.add(source.doc_id)
                continue
            doc = corpus.parse_or_skip(source, skipped)
            if doc is not None:
                self.items.append((source, None, doc))
                self.new.append(doc)
        self.gone = [e for e in previous.documents.values()
                     if e["doc_id"] not in kept] if previous else []
        self.incremental = False
        if previous is not None and kept:
            meta = previous.meta
            gone = sum(e["paragraphs"] for e in self.gone)
            new = sum(len(d.paragraphs) for d in self.new)
            replaced = meta["deleted"] + gone + new
            live = meta["paragraphs"] - gone + new
            parts = len(meta["parts"]) + (1 if self.new else 0)
            self.incremental = parts <= MAX_PARTS and replaced <= MAX_REPLACED * live

    def documents(self, skipped: list) -> list[corpus.Document]:
        """Every document, parsed (for a full rebuild), in corpus order."""
        docs = [d for source, _, doc in self.items
                if (d := doc or corpus.parse_or_skip(source, skipped))]
        self.items = [(None, None, d) for d in docs]
        return docs


def _entries(plan: _Plan) -> list[dict]:
    """documents.jsonl: each document's metadata, the docnum of its first
    paragraph, its sections' runs of paragraphs and its file's digest, in
    corpus order."""
    return [dict(entry) if doc is None else
            dict(doc.metadata(), digest=doc.digest, first=doc.first, runs=_runs(doc))
            for _, entry, doc in plan.items]


def _runs(doc: corpus.Document) -> list[list]:
    """[section label, paragraphs] for each run of paragraphs in one section."""
    runs: list[list] = []
    for p in doc.paragraphs:
        if runs and runs[-1][0] == p.section:
            runs[-1][1] += 1
        else:
            runs.append([p.section, 1])
    return runs


PARALLEL_FROM = 2000  # paragraphs; a smaller corpus is one part, indexed in process
LIMIT_MB = 256  # Whoosh's posting pool, per writer


def _jobs(paragraphs: int) -> int:
    """How many parts (and processes) a full build of this size uses."""
    return min(os.cpu_count() or 1, 4) if paragraphs >= PARALLEL_FROM else 1


def _writer_options() -> dict:
    """Options of every Whoosh writer here.

    The codec leaves out per-posting length stats: they serve Whoosh's own
    scoring (not used here) and cost a column lookup per posting. Segments
    are left as separate files, not one compound file: Whoosh reads a
    compound file's parts into private memory (a BytesIO copy of the map)
    in every worker, where separate files stay in the shared page cache.
    Posting blocks hold 1,024 postings, not 128: the ranker reads a word's
    postings whole (ranking.postings), and each block costs a pickle and a
    zlib call; Whoosh's skipping within a list, which small blocks serve,
    is not used here.
    """
    codec = W3Codec(blocklimit=1024)
    codec.length_stats = False
    return {"codec": codec, "limitmb": LIMIT_MB, "compound": False}


def _split(documents, parts: int) -> list[list]:
    """Consecutive runs of documents with about the same amount of text."""
    sizes = [sum(len(p.text) for p in d.paragraphs) for d in documents]
    total, chunks, chunk, done = sum(sizes), [], [], 0
    for doc, size in zip(documents, sizes):
        chunk.append(doc)
        done += size
        if done >= total * (len(chunks) + 1) / parts and len(chunks) < parts - 1:
            chunks.append(chunk)
            chunk = []
    if chunk:
        chunks.append(chunk)
    return chunks


def _write_full(folder: Path, documents, extras: Extras, progress, lock_fd: int) -> list[dict]:
    """Index every document, in a Whoosh segment (and part) per core; return the parts.

    Each part is written by its own process from start to end (jieba,
    normalization, Whoosh's pure-Python writer, the character index), so
    both cores work for the whole build; parts hold consecutive documents,
    so docnums stay in corpus order.
    """
    user_dict = extras.user_dict or None
    ix = whoosh_index.create_in(str(folder), make_schema(user_dict))
    chunks = _split(documents, _jobs(sum(len(d.paragraphs) for d in documents)))
    parts, base = [], 0
    for i, chunk in enumerate(chunks):
        for doc in chunk:
            doc.first, base = base, base + len(doc.paragraphs)
        parts.append({"name": f"part{i}", "docnums": sum(len(d.paragraphs) for d in chunk)})
    counter = _Progress(progress, len(documents))
    if len(chunks) == 1:
        segments = [_write_part(folder, parts[0]["name"], documents, user_dict, counter)]
    else:
        segments = _write_parts_in_processes(folder, parts, chunks, user_dict, counter, lock_fd)
    writer = ix.writer(**_writer_options())
    writer.commit(mergetype=lambda w, existing: list(existing) + segments)
    return parts


class _Progress:
    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)


def _write_part(folder: Path, part: str, documents, user_dict, report):
    """Write one part: a Whoosh segment (not yet in the index's table of
    contents: the caller commits it), paragraph store, normalized texts and
    character index."""
    ix = whoosh_index.open_dir(str(folder))
    writer = SegmentWriter(ix, _lk=False, **_writer_options())
    try:
        flats = _add_documents(writer, documents, user_dict, report)
        segment = writer._finalize_segment()  # what Whoosh's own sub-writers do
    except BaseException:
        writer.cancel()
        raise
    _write_part_files(folder, part, documents, flats)
    return segment


def _write_part_files(folder: Path, part: str, documents, flats: list[str]) -> None:
    """A part's files beside its Whoosh segment (documents[0].first is its first docnum)."""
    store.write(folder, part, ({"doc": d.doc_id, "n": p.number, "section": p.section,
                                "heading": p.heading, "text": p.text}
                               for d in documents for p in d.paragraphs))
    (folder / _normalized_file(part)).write_text("".join(t + "\n" for t in flats),
                                                 encoding="utf-8")
    grams.write(folder, part, flats, documents[0].first if documents else 0)


def _normalized_file(part: str) -> str:
    return f"{part}.{NORMALIZED_FILE}"


def _part_files(part: str) -> list[str]:
    """Every file a part has beside its Whoosh segment."""
    return [_normalized_file(part), *grams.files(part), *store.files(part)]


def _add_documents(writer, documents, user_dict, report) -> list[str]:
    """Add every paragraph; return each one's flat normalized text, in order."""
    segmenter(user_dict)
    flats: list[str] = []
    for doc in documents:
        for p in doc.paragraphs:
            words, flat = analyse_paragraph(p.text, user_dict)
            flats.append(flat)
            writer.add_document(doc_id=doc.doc_id, section_key=normalize_text(p.section),
                                text=words)  # counted words: CountedText
        report(doc.doc_id)
    return flats


def _write_parts_in_processes(folder, parts, chunks, user_dict, report, lock_fd) -> list:
    """Run ``_write_part`` for each part in a forked process; the segments, in order."""
    segmenter(user_dict)  # loaded once, before the fork
    context = multiprocessing.get_context("fork")
    processes, pending = [], {}
    try:
        for i, (part, chunk) in enumerate(zip(parts, chunks)):
            receive, send = context.Pipe(duplex=False)
            proc = context.Process(target=_part_process, daemon=True,
                                   args=(send, folder, part["name"], chunk, user_dict,
                                         lock_fd, os.getpid()))
            proc.start()
            send.close()
            processes.append(proc)
            pending[receive] = i
        segments = [None] * len(parts)
        while pending:
            for conn in multiprocessing.connection.wait(list(pending)):
                try:
                    kind, value = conn.recv()
                except EOFError:
                    raise RuntimeError(f"indexing part {pending[conn]} stopped "
                                       "unexpectedly") from None
                if kind == "doc":
                    report(value)
                elif kind == "done":
                    segments[pending.pop(conn)] = value
                    conn.close()
                else:
                    raise value
        return segments
    finally:
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
            proc.join()
        for conn in pending:
            conn.close()


def _part_process(send, folder, part, documents, user_dict, lock_fd, parent) -> None:
    os.close(lock_fd)  # the rebuild lock must end with the parent, not with this process

    def report(doc_id):
        if os.getppid() != parent:  # the parent was killed: stop
            os._exit(1)
        send.send(("doc", doc_id))

    try:
        segment = _write_part(folder, part, documents, user_dict, report)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            send.send(("failed", exc))
        except Exception:  # an exception that does not pickle
            send.send(("failed", RuntimeError(f"{type(exc).__name__}: {exc}")))
        return
    send.send(("done", segment))


def _write_incremental(folder: Path, previous: _Previous, plan: _Plan, extras: Extras,
                       progress) -> list[dict]:
    """Start from the previous build's files (hard links: they are never
    written again), delete the paragraphs of changed and removed files, and
    add the new documents in one more segment and part; return the parts.

    Docnums of kept paragraphs do not move (Whoosh keeps a deleted
    paragraph's number until segments merge, and nothing is merged here).
    """
    _link_files(previous.path, folder)
    user_dict = extras.user_dict or None
    base = previous.meta["docnums"]
    for doc in plan.new:
        doc.first, base = base, base + len(doc.paragraphs)
    ix = whoosh_index.open_dir(str(folder))
    writer = ix.writer(**_writer_options())
    try:
        for entry in plan.gone:
            for docnum in range(entry["first"], entry["first"] + entry["paragraphs"]):
                writer.delete_document(docnum)
        flats = _add_documents(writer, plan.new, user_dict, _Progress(progress, len(plan.new)))
        writer.commit(mergetype=lambda w, existing: list(existing))
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    parts = [dict(p) for p in previous.meta["parts"]]
    if plan.new:
        name = f"part{len(parts)}"
        _write_part_files(folder, name, plan.new, flats)
        parts.append({"name": name, "docnums": len(flats)})
    return parts


_REWRITTEN = {"meta.json", store.DOCUMENTS}


def _link_files(source: Path, target: Path) -> None:
    for path in source.iterdir():
        if path.name in _REWRITTEN or path.name.endswith("LOCK") or not path.is_file():
            continue
        try:
            os.link(path, target / path.name)
        except OSError:  # a file system without hard links
            shutil.copy2(path, target / path.name)


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


def user_dictionary(index_dir: str | Path) -> str | None:
    """The user dictionary the current build was segmented with; None when
    there is none or no readable build (read from Whoosh's schema alone)."""
    path = current_path(index_dir)
    try:
        return _schema_user_dict(whoosh_index.open_dir(str(path)).schema) if path else None
    except Exception:  # a damaged table of contents raises anything
        return None


def _schema_user_dict(schema) -> str | None:
    return getattr(schema["text"].analyzer, "user_dict", None)


def index_exists(index_dir: str | Path) -> bool:
    """A build of this version is in place (one from an older searchsvc is
    not: it cannot be served, and `rebuild --if-missing` replaces it)."""
    path = current_path(index_dir)
    try:
        with open(path / "meta.json", encoding="utf-8") as f:
            return json.load(f).get("format") == FORMAT_VERSION
    except (OSError, TypeError, ValueError, AttributeError):
        return False


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
            self.index = whoosh_index.open_dir(str(path))
            self.searcher = self.index.searcher()
        except (OSError, ValueError, whoosh_index.IndexError) as exc:
            raise IndexUnavailable(f"the index at {path} is damaged ({exc}); "
                                   "run `searchsvc rebuild`") from exc
        except Exception as exc:  # unpickling a damaged TOC raises anything
            raise IndexUnavailable(f"the index at {path} is damaged "
                                   f"({type(exc).__name__}); run `searchsvc rebuild`") from exc
        if self.meta.get("format") != FORMAT_VERSION:
            self.searcher.close()
            raise IndexUnavailable(f"the index at {path} was built by another version "
                                   "of searchsvc; run `searchsvc rebuild`")
        self.grams = self.store = self.documents = None
        try:
            self.documents, layout = store.Documents.open(path)
            names = [p["name"] for p in self.meta["parts"]]
            self.store = store.ParagraphStore(path, names)
            texts = NormalizedTexts.read(path, self.meta["parts"], self.searcher, self.store)
            self.grams = grams.GramStore(path, names)
            deleted = _deleted_docs(self.searcher.reader())
            if len(deleted) != self.meta["deleted"]:
                raise ValueError("the deleted paragraphs do not match meta.json")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.close()
            raise IndexUnavailable(f"the index at {path} is damaged ({exc}); "
                                   "run `searchsvc rebuild`") from exc
        self.literals = LiteralIndex(self.grams, texts, deleted)
        self.ranker = Ranker(self.searcher, deleted, _positions(layout, len(texts)),
                             headings=lambda: _headings(layout, self.documents))
        self._columns = _columns(layout, len(texts))
        self._deleted_words: Counter | None = None
        self.results = SizedLRU(RESULT_CACHE_BYTES)  # search.search()'s answers
        self.synonyms = _synonym_map(self.meta.get("synonyms", []))
        self.user_dict = _schema_user_dict(self.index.schema)

    def paragraphs(self, doc_id: str) -> list[dict] | None:
        """A document's paragraphs ({n, section, heading, text}), read on demand."""
        if doc_id not in self.documents:
            return None
        records = self.store.records(*self.documents.span(doc_id))
        for record in records:
            del record["doc"]
        return records

    def close(self) -> None:
        self.searcher.close()
        for part in (self.grams, self.store, self.documents):
            if part is not None:
                part.close()

    def doc_frequency(self, word: str) -> int:
        """How many live paragraphs have ``word`` in the text field.

        Whoosh counts deleted paragraphs until a full rebuild; their words
        are counted once, on first use, and taken off.
        """
        count = self.searcher.reader().doc_frequency("text", word)
        if self.literals.deleted:
            if self._deleted_words is None:
                analyzer = self.index.schema["text"].analyzer
                words = Counter()
                for docnum in self.literals.deleted:
                    text = self.store.record(docnum)["text"]
                    words.update({t.text for t in analyzer(text, mode="index")})
                self._deleted_words = words
            count -= self._deleted_words[word]
        return count

    def column(self, name: str) -> "Column":
        """Each docnum's "doc_id" or "section" (facets); "" for deleted ones."""
        return self._columns[name]


class NormalizedTexts:
    """Every paragraph's normalized text (no white space), by docnum.

    Held as one string with an offset table rather than a list of strings:
    a quarter of the memory, and a substring test is ``find`` within bounds.
    """

    def __init__(self, joined: str, starts: array):
        self.joined = joined
        self.starts = starts  # len(self) + 1 offsets; text n is [starts[n], starts[n+1] - 1)

    @classmethod
    def read(cls, path: Path, parts: list[dict], searcher, paragraphs) -> "NormalizedTexts":
        """Each part's file is in the order its paragraphs were added, which
        is the docnum order of its Whoosh segment; checked on every part's
        count and on its first and last paragraph (``paragraphs``: the
        ParagraphStore)."""
        joined = "".join((path / _normalized_file(p["name"])).read_text(encoding="utf-8")
                         for p in parts)
        starts = array("I", [0])
        position = joined.find("\n")
        while position != -1:
            starts.append(position + 1)
            position = joined.find("\n", position + 1)
        texts = cls(joined, starts)
        leaves = searcher.reader().leaf_readers()
        if len(leaves) != len(parts) or (joined and not joined.endswith("\n")) or \
                len(texts) != sum(p["docnums"] for p in parts) or len(paragraphs) != len(texts) or \
                any(leaf.doc_count_all() != p["docnums"] for (leaf, _), p in zip(leaves, parts)):
            raise ValueError(f"the {NORMALIZED_FILE} files do not line up with the index")
        for (leaf, base), part in zip(leaves, parts):
            for docnum in {base, base + part["docnums"] - 1} if part["docnums"] else ():
                if flat_text(paragraphs.record(docnum)["text"]) != texts[docnum]:
                    raise ValueError(f"{_normalized_file(part['name'])} does not line up "
                                     "with the index")
        return texts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, n: int) -> str:
        return self.joined[self.starts[n]:self.starts[n + 1] - 1]

    def length(self, n: int) -> int:
        return self.starts[n + 1] - self.starts[n] - 1

    def contains(self, n: int, literal: str) -> bool:
        return self.joined.find(literal, self.starts[n], self.starts[n + 1] - 1) != -1


def _deleted_docs(reader) -> FrozenBitMap:
    """Docnums an incremental rebuild deleted, across Whoosh's segments."""
    return FrozenBitMap(base + d for leaf, base in reader.leaf_readers() if leaf.has_deletions()
                     for d in leaf.deleted_docs_set)


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
            snap.close()
        _snapshots.clear()
