"""Writing builds: from scratch, or from the previous build, then switching to it.

A full rebuild writes a part per core, in parallel; an incremental one
hard-links the previous build's parts, marks the replaced paragraphs
deleted and adds one part for the new and changed files (``changes.Plan`` says
which). The layout and its reading are ``index``'s.

A rebuild writes a fresh ``*.tmp`` folder, renames it, then switches
``current`` to it (``index.switch``): a reader sees the old index or the
new one, never a half-written one. The previous build is kept so a worker
that still has it open keeps serving; older ones are removed.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import changes, corpus, grams, runs, store, wordindex
from .analysis import analyse_paragraph, segmenter
from .index import (CURRENT, META_FILE, IndexBusy, IndexLock, Meta, file_sizes, normalized_file,
                    prune, switch)

RebuildInProgress = IndexBusy  # the name callers of build_index know




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


def build_index(corpus_dir: str | Path, index_dir: str | Path, progress=None,
                full: bool = False) -> BuildReport:
    """Index the documents of ``corpus_dir`` into a new build and switch to it.

    A rebuild starts from the current build when it can: files whose bytes
    are unchanged keep what was indexed for them, changed and new files are
    indexed into one new part, and the paragraphs of changed and removed
    files are marked deleted (see ``changes.Plan``). A full rebuild (``full``, the
    first one, or when the parts or deletions have piled up) indexes every
    document again, a part per core. ``progress(done, total, label)`` is
    called as documents are indexed. Raises CorpusError (nothing to index),
    RebuildInProgress. Its outcome is left for /metrics (``runs``).
    """
    started = time.perf_counter()
    try:
        report = _build_index(corpus_dir, Path(index_dir), progress, full, started)
    except RebuildInProgress:
        raise  # another rebuild is running; its own outcome will be recorded
    except BaseException as exc:
        runs.record(index_dir, "rebuild", ok=False, seconds=time.perf_counter() - started,
                    reason=str(exc) or type(exc).__name__)
        raise
    runs.record(index_dir, "rebuild", ok=True, seconds=report.seconds, mode=report.mode,
                version=Path(report.path).name)
    return report


def _build_index(corpus_dir, index_dir: Path, progress, full: bool,
                 started: float) -> BuildReport:
    index_dir.mkdir(parents=True, exist_ok=True)
    with IndexLock(index_dir, "rebuild") as lock:
        _remove_stale_builds(index_dir)
        sources, skipped = corpus.scan(corpus_dir)
        extras = corpus.read_extras(corpus_dir)
        previous = None if full else changes.Previous.load(index_dir, extras)
        plan = changes.Plan(sources, previous, skipped)
        if not plan.items:
            reasons = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in skipped)
            raise corpus.CorpusError(f"no readable document in {corpus_dir} ({reasons})")
        if previous is not None and not plan.new and not plan.gone and \
                previous.meta.synonyms == extras.synonyms and \
                previous.meta.skipped == changes.skipped_meta(skipped):
            return BuildReport(str(previous.path), previous.meta.documents,
                               previous.meta.paragraphs, time.perf_counter() - started,
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
            entries = changes.entries(plan)
            paragraphs = sum(e["paragraphs"] for e in entries)
            docnums = sum(p["docnums"] for p in parts)
            meta = Meta(
                built_at=stamp.isoformat(timespec="seconds"),
                incremental=plan.incremental,
                documents=len(entries),
                paragraphs=paragraphs,
                docnums=docnums,
                deleted=docnums - paragraphs,
                parts=parts,
                dictionary=changes.digest(extras.user_dict),
                synonyms=extras.synonyms,
                skipped=changes.skipped_meta(skipped),  # a full rebuild may have added some
                build_seconds=round(time.perf_counter() - started, 3),
            )
            store.write_documents(tmp, entries)
            meta.files = file_sizes(tmp)
            meta.write(tmp)
            final = index_dir / name
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        switch(index_dir, name)
        prune(index_dir, keep=2)
        return BuildReport(str(final), len(entries), paragraphs,
                           time.perf_counter() - started, _dir_size(final), skipped,
                           mode="incremental" if plan.incremental else "full",
                           indexed=len(plan.new) if plan.incremental else len(entries),
                           removed=len(plan.gone) if plan.incremental else 0)




PARALLEL_FROM = 2000  # paragraphs; a smaller corpus is one part, indexed in process


def _jobs(paragraphs: int) -> int:
    """How many parts (and processes) a full build of this size uses."""
    return min(os.cpu_count() or 1, 4) if paragraphs >= PARALLEL_FROM else 1


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


def _write_full(folder: Path, documents, extras: corpus.Extras, progress, lock_fd: int) -> list[dict]:
    """Index every document, in a Whoosh segment (and part) per core; return the parts.

    Each part is written by its own process from start to end (jieba,
    normalization, Whoosh's pure-Python writer, the character index), so
    both cores work for the whole build; parts hold consecutive documents,
    so docnums stay in corpus order.
    """
    user_dict = extras.user_dict or None
    wordindex.create(folder, user_dict)
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
    wordindex.commit_parts(folder, segments)
    return parts


class _Progress:
    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)


def _write_part(folder: Path, part: str, documents, user_dict, report):
    """Write one part: a word index segment (not yet in the table of
    contents: the caller commits it), paragraph store, normalized texts and
    character index."""
    writer = wordindex.PartWriter(folder)
    try:
        flats = _add_documents(writer, documents, user_dict, report)
        segment = writer.finish()
    except BaseException:
        writer.cancel()
        raise
    _write_part_files(folder, part, documents, flats)
    return segment


def _write_part_files(folder: Path, part: str, documents, flats: list[str]) -> None:
    """A part's files beside its Whoosh segment (documents[0].first is its first docnum)."""
    store.write(folder, part, ({"doc": d.doc_id, "n": p.number, "section": p.section,
                                "heading": p.heading, "text": p.text,
                                **({"page": p.page} if p.page else {})}
                               for d in documents for p in d.paragraphs))
    (folder / normalized_file(part)).write_text("".join(t + "\n" for t in flats),
                                                 encoding="utf-8")
    grams.write(folder, part, flats, documents[0].first if documents else 0)




def _add_documents(writer, documents, user_dict, report) -> list[str]:
    """Add every paragraph; return each one's flat normalized text, in order."""
    segmenter(user_dict)
    flats: list[str] = []
    for doc in documents:
        for p in doc.paragraphs:
            words, flat = analyse_paragraph(p.text, user_dict)
            flats.append(flat)
            writer.add(words)
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


def _write_incremental(folder: Path, previous: changes.Previous, plan: changes.Plan,
                       extras: corpus.Extras,
                       progress) -> list[dict]:
    """Start from the previous build's files (hard links: they are never
    written again), delete the paragraphs of changed and removed files, and
    add the new documents in one more segment and part; return the parts.

    Docnums of kept paragraphs do not move (Whoosh keeps a deleted
    paragraph's number until segments merge, and nothing is merged here).
    """
    _link_files(previous.path, folder)
    user_dict = extras.user_dict or None
    base = previous.meta.docnums
    for doc in plan.new:
        doc.first, base = base, base + len(doc.paragraphs)
    writer = wordindex.Incremental(folder)
    try:
        for entry in plan.gone:
            for docnum in range(entry["first"], entry["first"] + entry["paragraphs"]):
                writer.delete(docnum)
        flats = _add_documents(writer, plan.new, user_dict, _Progress(progress, len(plan.new)))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    parts = [dict(p) for p in previous.meta.parts]
    if plan.new:
        name = f"part{len(parts)}"
        _write_part_files(folder, name, plan.new, flats)
        parts.append({"name": name, "docnums": len(flats)})
    return parts


_REWRITTEN = {META_FILE, store.DOCUMENTS}


def _link_files(source: Path, target: Path) -> None:
    for path in source.iterdir():
        if path.name in _REWRITTEN or path.name.endswith("LOCK") or not path.is_file():
            continue
        try:
            os.link(path, target / path.name)
        except OSError:  # a file system without hard links
            shutil.copy2(path, target / path.name)



def _remove_stale_builds(index_dir: Path) -> None:
    """Leftovers of a killed rebuild (we hold the lock: none is live)."""
    for p in index_dir.glob("build-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
    for p in index_dir.glob(f".{CURRENT}.*.tmp"):
        p.unlink(missing_ok=True)
