"""The word index, kept in Whoosh segments: the one module that reads and
writes Whoosh (its schema, pickled in every build, is ``wordschema``).

A build's word index is one Whoosh segment per part, a Whoosh document
per paragraph: its id, stored (``luohu-2019#p12``), and ``text``, its
jieba words (search-mode sub-words included) with their counts. Whoosh's
own searcher finds paragraphs in it and names them. Nothing else goes to
Whoosh: the paragraph store keeps what is shown, the character index
finds literals, the columns (``columns``) filter and count facets.

This module writes segments (``create``, ``PartWriter``, ``commit_parts``,
``Incremental``) and reads them (``WordIndex``) through Whoosh internals of
the pinned whoosh-reloaded 2.7.5: a sub-writer's ``_finalize_segment``,
the whoosh3 codec's posting blocks and its length column. tests/
test_wordindex.py holds each to Whoosh's own public answers, so an upgrade
that changes one fails there, not in a ranking.
"""

from __future__ import annotations

import io
import pickle
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from pyroaring import FrozenBitMap
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import unpack_int
from whoosh.util.numeric import byte_to_length

from .deletions import Deletions
from .files import DamagedFile
from .wordschema import FIELD, schema

LIMIT_MB = 256  # Whoosh's posting pool, per writer


def _writer_options() -> dict:
    """Options of every Whoosh writer here.

    The codec leaves out per-posting length stats: they serve Whoosh's own
    scoring (not used here) and cost a column lookup per posting. Segments
    are left as separate files, not one compound file: Whoosh reads a
    compound file's parts into private memory (a BytesIO copy of the map)
    in every worker, where separate files stay in the shared page cache.
    Posting blocks hold 1,024 postings, not 128: postings are read whole
    (``WordIndex.postings``), and each block costs a pickle and a zlib call;
    Whoosh's skipping within a list, which small blocks serve, is not used.
    """
    codec = W3Codec(blocklimit=1024)
    codec.length_stats = False
    return {"codec": codec, "limitmb": LIMIT_MB, "compound": False}


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def create(folder: Path) -> None:
    """An empty word index (its table of contents) in a new build folder."""
    whoosh_index.create_in(str(folder), schema())


class PartWriter:
    """One part's segment, written beside the others (in another process
    for a parallel build) and committed by ``commit_parts``."""

    def __init__(self, folder: Path):
        from whoosh.writing import SegmentWriter

        self._writer = SegmentWriter(whoosh_index.open_dir(str(folder)), _lk=False,
                                     **_writer_options())

    def add(self, paragraph_id: str, words: Mapping[str, int]) -> None:
        """The next paragraph (docnums follow the order of calls)."""
        self._writer.add_document(id=paragraph_id, text=words)

    def finish(self):
        """The finished segment (picklable), not yet in the table of contents."""
        return self._writer._finalize_segment()  # what Whoosh's own sub-writers do

    def cancel(self) -> None:
        self._writer.cancel()


def commit_parts(folder: Path, segments: list) -> None:
    """Put the parts' segments, in order, into the table of contents."""
    writer = whoosh_index.open_dir(str(folder)).writer(**_writer_options())
    writer.commit(mergetype=lambda w, existing: list(existing) + segments)


class Incremental:
    """One more segment over a copy of the previous build's: paragraphs
    deleted by docnum, new ones added after the last docnum. Segments are
    never merged, so kept paragraphs keep their docnums."""

    def __init__(self, folder: Path):
        self._writer = whoosh_index.open_dir(str(folder)).writer(**_writer_options())

    def delete(self, docnum: int) -> None:
        self._writer.delete_document(docnum)

    def add(self, paragraph_id: str, words: Mapping[str, int]) -> None:
        self._writer.add_document(id=paragraph_id, text=words)

    def commit(self) -> None:
        self._writer.commit(mergetype=lambda w, existing: list(existing))

    def cancel(self) -> None:
        if not self._writer.is_closed:
            self._writer.cancel()


def paragraph_count(folder: Path) -> int:
    """Docnums in a build's word index (deleted ones included)."""
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        return reader.doc_count_all()


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class WordIndex:
    """A build's word postings, document frequencies and lengths, with the
    paragraphs an incremental rebuild deleted (``deletions``) left out of
    every answer. Docnums run across the parts' segments in order, as
    Whoosh's multi-segment reader numbers them."""

    def __init__(self, folder: Path):
        try:
            self._index = whoosh_index.open_dir(str(folder))
            self._searcher = self._index.searcher()
        except (OSError, ValueError) as exc:
            raise ValueError(f"the word index cannot be read ({exc})") from exc
        except Exception as exc:  # unpickling a damaged table of contents raises anything
            raise ValueError(f"the word index cannot be read ({type(exc).__name__})") from exc
        self._reader = self._searcher.reader()
        self._leaves = self._reader.leaf_readers()
        self.part_sizes = [leaf.doc_count_all() for leaf, _ in self._leaves]
        self.deletions = Deletions(
            FrozenBitMap(sorted(base + d for leaf, base in self._leaves
                                if leaf.has_deletions() for d in leaf.deleted_docs_set)),
            sum(self.part_sizes))

    def close(self) -> None:
        self._searcher.close()

    def postings(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, counts) of ``word``'s live paragraphs, as arrays.

        The whoosh3 codec's postings are decoded a whole term at a time
        (``_whoosh3_blocks``); any other matcher takes Whoosh's generic
        path, two method calls per posting.
        """
        ids: list[np.ndarray] = []
        ws: list[np.ndarray] = []
        for leaf, base in self._leaves:
            try:
                self._leaf_postings(leaf, base, word, ids, ws)
            except TermNotFound:
                continue
            except Exception as exc:  # a damaged postings file raises anything
                raise DamagedFile(_segment_file(leaf, ".pst"),
                                  f"{type(exc).__name__} reading {word!r}") from exc
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return self.deletions.postings(np.concatenate(ids), np.concatenate(ws))

    @staticmethod
    def _leaf_postings(leaf, base: int, word: str, ids: list, ws: list) -> None:
        m = leaf.postings(FIELD, word)
        if isinstance(m, FilterMatcher):  # the segment's deletions: applied by the caller
            m = m.child
        if isinstance(m, W3LeafMatcher) and not m._byteids:
            for block_ids, block_weights in _whoosh3_blocks(m):
                ids.append(block_ids + base if base else block_ids)
                ws.append(block_weights)
            return
        one, w = [], []
        while m.is_active():
            one.append(m.id() + base)
            w.append(m.weight())
            m.next()
        ids.append(np.asarray(one, dtype=np.int64))
        ws.append(np.asarray(w, dtype=np.float64))

    def doc_frequency(self, word: str) -> int:
        """Live paragraphs with ``word`` (Whoosh's own count includes the
        deleted ones until a full rebuild)."""
        if not len(self.deletions):
            try:
                return self._reader.doc_frequency(FIELD, word)
            except Exception as exc:  # a damaged terms file raises anything
                raise DamagedFile(self._terms_files(), f"{type(exc).__name__} reading {word!r}") \
                    from exc
        return len(self.postings(word)[0])

    def words(self, prefix: str):
        """The index's words that start with ``prefix``, in order."""
        try:
            for raw in self._reader.expand_prefix(FIELD, prefix):
                yield raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except Exception as exc:  # a damaged terms file raises anything
            raise DamagedFile(self._terms_files(),
                              f"{type(exc).__name__} listing words after {prefix!r}") from exc

    def _terms_files(self) -> str:
        """Every segment's terms file: the multi-segment reader does not say
        which one failed."""
        return ", ".join(_segment_file(leaf, ".trm") for leaf, _ in self._leaves)

    def lengths(self) -> np.ndarray:
        """Each paragraph's word count (0 for deleted ones), read as one
        column per segment; Whoosh's generic path (a call per paragraph)
        when a segment has no whoosh3 length column."""
        columns = []
        for leaf, _ in self._leaves:
            perdoc = getattr(leaf, "_perdoc", None)
            column = perdoc._cached_reader(_lenfield(FIELD), LENGTHS_COLUMN) \
                if perdoc is not None and hasattr(perdoc, "_cached_reader") else None
            if column is None:
                columns.append(np.array([leaf.doc_field_length(d, FIELD, 0)
                                         for d in range(leaf.doc_count_all())], dtype=np.float64))
            else:
                columns.append(_BYTE_LENGTHS[np.frombuffer(bytes(column), dtype=np.uint8)])
            if len(columns[-1]) != leaf.doc_count_all():
                raise DamagedFile(_segment_file(leaf, f".{_lenfield(FIELD)}.col"),
                                  f"{len(columns[-1])} paragraph lengths for "
                                  f"{leaf.doc_count_all()} paragraphs")
        return self.deletions.zeroed(np.concatenate(columns) if columns else np.zeros(0))


def _segment_file(leaf, ext: str) -> str:
    """The name of a segment's file (``MAIN_<id>.pst``), for error messages."""
    segment = getattr(leaf, "_segment", None)
    try:
        return segment.make_filename(ext)
    except Exception:
        return f"the word index's {ext} file"


def _whoosh3_blocks(m: W3LeafMatcher):
    """Each block of a whoosh3 term's postings as (docnums, weights) arrays.

    The layout, as ``W3PostingsWriter._write_block`` writes it: after a
    4-byte magic, blocks of a big-endian int32 length (negative for the
    last block), a pickled info tuple (count, last id, max weight,
    compression, min and max length bytes) and the data, a pickled
    (delta-coded ids, weights, values) tuple, zlib-compressed when the
    compression level is not 0. Weights are None (all 1), one float (all
    equal) or one per posting. Reading the term's bytes at once and
    decoding in numpy replaces a Python loop per posting. The term's byte
    length comes from its term info, which this Whoosh unpacks as a 1-tuple
    when reading it back.
    """
    size = m._length[0] if isinstance(m._length, tuple) else m._length
    raw = io.BytesIO(m._postfile.get(m._startoffset, size))
    if raw.read(4) != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"not a whoosh3 posting list: {m._term!r}")
    while True:
        (length,) = unpack_int(raw.read(4))
        end = raw.tell() + abs(length)
        count, _, _, compression, _, _ = pickle.load(raw)
        data = raw.read(end - raw.tell())
        deltas, weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        ids = np.cumsum(np.asarray(deltas, dtype=np.int64))
        if weights is None or isinstance(weights, float):
            w = np.full(count, 1.0 if weights is None else weights)
        else:
            w = np.asarray(weights, dtype=np.float64)
        yield ids, w
        if length < 0:
            return
