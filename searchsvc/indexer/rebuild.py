"""A rebuild: from scratch or from the previous build, then the switch to it.

A full rebuild writes a part per core, in parallel (``parts``); an
incremental one hard-links the previous build's parts, marks the replaced
paragraphs deleted and adds one part for the new and changed files
(``plan.Plan`` says which).

A rebuild writes a fresh ``*.tmp`` folder, renames it, then switches
``current`` to it (``storage.layout.switch``): a reader sees the old index
or the new one, never a half-written one. The previous build is kept so a
worker that still has it open keeps serving; older ones are removed.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..analysis import words
from ..ingest import corpus
from ..storage import layout, lexicon, outcomes, wordindex, writing
from ..storage.layout import IndexBusy, IndexLock, Meta
from . import parts as P
from . import readings
from .plan import Plan, Previous, reading_digest, skipped_meta

RebuildInProgress = IndexBusy  # the name callers of build_index know


@dataclass
class BuildReport:
    path: str
    documents: int
    paragraphs: int
    seconds: float
    size_bytes: int
    skipped: list = field(default_factory=list)  # list[ingest.model.Skipped]
    mode: str = "full"  # or "incremental", or "unchanged" (nothing to do)
    indexed: int = 0  # documents indexed (all of them in a full rebuild)
    removed: int = 0  # documents whose previous paragraphs were deleted
    notes: list[str] = field(default_factory=list)  # metadata not read: "file: why"


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build_index(corpus_dir: str | Path, index_dir: str | Path, progress=None,
                full: bool = False) -> BuildReport:
    """Index the documents of ``corpus_dir`` into a new build and switch to it.

    A rebuild starts from the current build when it can: files whose bytes
    are unchanged keep what was indexed for them, changed and new files are
    indexed into one new part, and the paragraphs of changed and removed
    files are marked deleted (see ``plan.Plan``). A full rebuild (``full``,
    the first one, or when the parts or deletions have piled up) indexes
    every document again, a part per core. ``progress(done, total, label)``
    is called as documents are indexed. Raises CorpusError (nothing to
    index), RebuildInProgress. Its outcome is left for /metrics (``outcomes``).
    """
    started = time.perf_counter()
    try:
        report = _build_index(corpus_dir, Path(index_dir), progress, full, started)
    except RebuildInProgress:
        raise  # another rebuild is running; its own outcome will be recorded
    except BaseException as exc:
        outcomes.record(index_dir, "rebuild", ok=False, seconds=time.perf_counter() - started,
                    reason=str(exc) or type(exc).__name__)
        raise
    outcomes.record(index_dir, "rebuild", ok=True, seconds=report.seconds, mode=report.mode,
                version=Path(report.path).name)
    return report


def _build_index(corpus_dir, index_dir: Path, progress, full: bool,
                 started: float) -> BuildReport:
    index_dir.mkdir(parents=True, exist_ok=True)
    with IndexLock(index_dir, "rebuild") as lock:
        _remove_stale_builds(index_dir)
        extras = corpus.read_extras(corpus_dir)
        folder = str(Path(corpus_dir).resolve())
        previous = None if full else Previous.load(index_dir, extras, folder)
        sources, skipped = corpus.scan(corpus_dir, previous.known() if previous else None)
        plan = Plan(sources, previous, skipped, extras)
        if not plan.items:
            reasons = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in skipped)
            raise corpus.CorpusError(f"no readable document in {corpus_dir} ({reasons})")
        if previous is not None and not plan.new and not plan.gone and \
                previous.meta.synonyms == extras.synonyms and \
                previous.meta.skipped == skipped_meta(skipped):
            return BuildReport(str(previous.path), previous.meta.documents,
                               previous.meta.paragraphs, time.perf_counter() - started,
                               _dir_size(previous.path), skipped, mode="unchanged",
                               notes=plan.notes())

        stamp = datetime.now(UTC)
        name = f"build-{stamp:%Y%m%dT%H%M%S%f}-{os.getpid()}"
        tmp = index_dir / f"{name}.tmp"
        tmp.mkdir()
        dictionary = None
        try:
            if plan.incremental:
                parts = _write_incremental(tmp, previous, plan, extras, progress)
                if lexicon.written_from(tmp) is None:  # linked with the previous build's files
                    _write_dictionary(tmp, words.dictionary_source())
            else:
                dictionary = _Dictionary(tmp, layout.current_path(index_dir), lock.fd)
                documents = plan.documents(skipped)
                if not documents:
                    raise corpus.CorpusError(f"no readable document in {corpus_dir}")
                parts = _write_full(tmp, plan, documents, extras, progress, lock.fd)
            entries = plan.entries()
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
                dictionary=reading_digest(extras),
                synonyms=extras.synonyms,
                skipped=skipped_meta(skipped),  # a full rebuild may have added some
                build_seconds=round(time.perf_counter() - started, 3),
                corpus=folder,
            )
            readings.write(tmp, parts)
            if dictionary is not None:
                dictionary.finish()
            writing.finish(tmp, meta, entries, extras.user_dict)
            final = index_dir / name
            os.rename(tmp, final)
        except BaseException:
            if dictionary is not None:
                dictionary.cancel()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        layout.switch(index_dir, name)
        layout.prune(index_dir, keep=2)
        return BuildReport(str(final), len(entries), paragraphs,
                           time.perf_counter() - started, _dir_size(final), skipped,
                           mode="incremental" if plan.incremental else "full",
                           indexed=len(plan.new) if plan.incremental else len(entries),
                           removed=len(plan.gone) if plan.incremental else 0,
                           notes=plan.notes())


def _write_full(folder: Path, plan: Plan, documents, extras: corpus.Extras, progress,
                lock_fd: int) -> list[dict]:
    """Every document, in a part per core; the parts."""
    chunks = P.split(documents, P.jobs(sum(len(d.paragraphs) for d in documents)))
    plan.number(documents, 0)
    return P.write_parts(folder, chunks, extras.user_dict or None,
                         P.Progress(progress, len(documents)), lock_fd)


def _write_incremental(folder: Path, previous: Previous, plan: Plan, extras: corpus.Extras,
                       progress) -> list[dict]:
    """Start from the previous build's files (hard links: they are never
    written again), delete the paragraphs of changed and removed files, and
    add the new documents in one more segment and part; the parts.

    Docnums of kept paragraphs do not move (Whoosh keeps a deleted
    paragraph's number until segments merge, and nothing is merged here).
    """
    _link_files(previous.path, folder)
    user_dict = extras.user_dict or None
    base = previous.meta.docnums
    plan.number(plan.new, base)
    writer = wordindex.Incremental(folder)
    try:
        for entry in plan.gone:
            for docnum in range(entry["first"], entry["first"] + entry["paragraphs"]):
                writer.delete(docnum)
        flats = P.add_documents(writer, plan.new, user_dict, P.Progress(progress, len(plan.new)))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    parts = [dict(p) for p in previous.meta.parts]
    if plan.new:
        name = f"part{len(parts)}"
        writing.write_part(folder, name, P.records(plan.new), flats, base, writer.serving)
        parts.append({"name": name, "docnums": len(flats)})
    return parts


class _Dictionary:
    """jieba's dictionary in the compact form serving reads (``lexicon``)
    for a full build: copied from the current build when written from the
    same dictionary, else written by a child process while this one reads
    the corpus (half a second of one core, which the reading leaves idle).
    An incremental build links it with the previous build's files (and
    writes it when those are damaged)."""

    def __init__(self, folder: Path, current: Path | None, lock_fd: int):
        self.folder, self.source = folder, words.dictionary_source()
        self.child = None
        if not lexicon.copy(current, folder, self.source):
            context = multiprocessing.get_context("fork")
            self.child = context.Process(target=_dictionary_child,
                                         args=(folder, self.source, lock_fd), daemon=True)
            self.child.start()

    def finish(self) -> None:
        """Wait for the child; write here what it did not (its error then
        raised here, with its traceback)."""
        if self.child is not None:
            self.child.join()
            if self.child.exitcode != 0:
                _write_dictionary(self.folder, self.source)

    def cancel(self) -> None:
        if self.child is not None and self.child.is_alive():
            self.child.terminate()
            self.child.join()


def _write_dictionary(folder: Path, source: bytes) -> None:
    counts, total = words.base_dictionary()
    lexicon.write(folder, counts, total, source)


def _dictionary_child(folder: Path, source: bytes, lock_fd: int) -> None:
    os.close(lock_fd)  # the rebuild lock must end with the rebuild, not with this child
    try:
        _write_dictionary(folder, source)
    except Exception:
        sys.exit(1)  # the build's own process writes it again, and says why if it fails too


def _link_files(source: Path, target: Path) -> None:
    for path in source.iterdir():
        if path.name in writing.REWRITTEN or path.name.endswith("LOCK") or not path.is_file():
            continue
        try:
            os.link(path, target / path.name)
        except OSError:  # a file system without hard links
            shutil.copy2(path, target / path.name)


def _remove_stale_builds(index_dir: Path) -> None:
    """Leftovers of a killed rebuild (we hold the lock: none is live)."""
    for p in index_dir.glob("build-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
    for p in index_dir.glob(f".{layout.CURRENT}.*.tmp"):
        p.unlink(missing_ok=True)
