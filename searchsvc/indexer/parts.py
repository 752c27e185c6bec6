"""Writing parts: consecutive documents into one Whoosh segment and the
files beside it, a part per core for a full build.

Each part is written by one process from start to end (jieba,
normalization, Whoosh's pure-Python writer, the character index), so both
cores work for the whole build; parts hold consecutive documents, so
docnums stay in corpus order. The processes are a
``concurrent.futures.ProcessPoolExecutor`` (forked, so jieba's dictionary
is loaded once before): a part that fails raises its own exception with
its traceback here, and each document indexed is reported through a
queue as it is done.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

from ..analysis.words import analyse_paragraph, segmenter
from ..ingest.model import Document
from ..storage import wordindex, writing

PARALLEL_FROM = 2000  # paragraphs; a smaller corpus is one part, indexed in process


def jobs(paragraphs: int) -> int:
    """How many parts (and processes) a full build of this size uses."""
    return min(os.cpu_count() or 1, 4) if paragraphs >= PARALLEL_FROM else 1


def split(documents: list[Document], parts: int) -> list[list[Document]]:
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


class Progress:
    """``progress(done, total, label)`` called once per document indexed."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)


def records(documents: list[Document]):
    """The paragraph store's records of ``documents``, in docnum order, one
    at a time (a part's records at once took hundreds of MB at 64x)."""
    return ({"doc": d.doc_id, "n": p.number, "section": p.section, "heading": p.heading,
             "text": p.text, **({"page": p.page} if p.page else {}),
             **({"cont": True} if p.continues else {})}
            for d in documents for p in d.paragraphs)


def add_documents(writer, documents: list[Document], user_dict, report) -> list[str]:
    """Add every paragraph to a word index writer; return each one's flat
    text, in order."""
    segmenter(user_dict)
    flats: list[str] = []
    for doc in documents:
        for p in doc.paragraphs:
            words, flat = analyse_paragraph(p.text, user_dict)
            flats.append(flat)
            writer.add(f"{doc.doc_id}#p{p.number}", words)
        report(doc.doc_id)
    return flats


def write_part(folder: Path, part: str, documents: list[Document], base: int, user_dict,
               report):
    """One part from docnum ``base``: a word index segment (not yet in the
    table of contents: ``write_parts`` commits it) and the files beside it."""
    writer = wordindex.PartWriter(folder)
    try:
        flats = add_documents(writer, documents, user_dict, report)
        segment = writer.finish()
    except BaseException:
        writer.cancel()
        raise
    writing.write_part(folder, part, records(documents), flats, base, writer.serving)
    return segment


def write_parts(folder: Path, chunks: list[list[Document]], user_dict, report,
                lock_fd: int) -> list[dict]:
    """Every chunk as a part (in processes when there are several), their
    segments committed in order; the parts ({"name", "docnums"})."""
    wordindex.create(folder)
    parts, bases, base = [], [], 0
    for i, chunk in enumerate(chunks):
        count = sum(len(d.paragraphs) for d in chunk)
        parts.append({"name": f"part{i}", "docnums": count})
        bases.append(base)
        base += count
    if len(chunks) == 1:
        segments = [write_part(folder, "part0", chunks[0], 0, user_dict, report)]
    else:
        segments = _in_processes(folder, parts, chunks, bases, user_dict, report, lock_fd)
    wordindex.commit_parts(folder, segments)
    return parts


_worker: dict = {}  # in a worker process: the queue of documents done, the rebuild's pid


def _start_worker(done, lock_fd: int, parent: int) -> None:
    _worker.update(done=done, parent=parent)
    os.close(lock_fd)  # the rebuild lock must end with the rebuild, not with a worker


def _worker_report(doc_id: str) -> None:
    if os.getppid() != _worker["parent"]:  # the rebuild was killed: stop
        os._exit(1)
    _worker["done"].put(doc_id)


def _part_task(folder, part, documents, base, user_dict):
    return write_part(folder, part, documents, base, user_dict, _worker_report)


def _in_processes(folder, parts, chunks, bases, user_dict, report, lock_fd) -> list:
    segmenter(user_dict)  # loaded once, before the fork
    context = multiprocessing.get_context("fork")
    done = context.SimpleQueue()
    with ProcessPoolExecutor(len(chunks), mp_context=context, initializer=_start_worker,
                             initargs=(done, lock_fd, os.getpid())) as pool:
        futures = [pool.submit(_part_task, folder, part["name"], chunk, base, user_dict)
                   for part, chunk, base in zip(parts, chunks, bases)]
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
                _drain(done, report)
                for future in finished:
                    future.result()  # a part's exception, with its traceback, raised here
        except BaseException:
            for future in futures:
                future.cancel()
            # a worker still indexing is stopped, not waited for (the pool has
            # no public way to do that)
            for proc in list(pool._processes.values()):
                proc.terminate()
            raise
        _drain(done, report)
        return [future.result() for future in futures]


def _drain(done, report) -> None:
    try:
        while not done.empty():
            report(done.get())
    except (OSError, EOFError, queue.Empty):
        return
