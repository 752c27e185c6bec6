"""The word index, kept in Whoosh segments: the one module that reads and
writes Whoosh (its schema, pickled in every build, is ``wordschema``).

A build's word index is one Whoosh segment per part, a Whoosh document
per paragraph: its id, stored (``luohu-2019#p12``), and ``text``, its
jieba words (search-mode sub-words included) with their counts. Whoosh's
own searcher finds paragraphs in it and names them. Every writer here
also hands the same counted words to the part's serving format
(``postings.Collector``), which searches read: mapped arrays that every
worker shares, where Whoosh's posting blocks were decoded in each.
Nothing else goes to Whoosh: the paragraph store keeps what is shown,
the character index finds literals, the columns filter and count facets.

This module writes segments (``create``, ``PartWriter``, ``commit_parts``,
``Incremental``) and reads them (``WordIndex``: deletions, words by prefix)
through internals of the pinned whoosh-reloaded 2.7.5's ``SegmentWriter``:
a sub-writer's ``_finalize_segment``, and for writing in bulk its
per-document writer, document counter and posting pool (what
``add_document`` itself uses); tests/test_wordindex.py and
tests/test_postings.py hold both formats to Whoosh's own public answers,
and the bulk writer's segment to ``add_document``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pyroaring import FrozenBitMap
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint

from .deletions import Deletions
from .files import DamagedFile
from .postings import Collector, WordPostings
from .wordschema import FIELD, ID_FIELD, schema

LIMIT_MB = 256  # Whoosh's posting pool, per writer


def _writer_options() -> dict[str, Any]:
    """Options of every Whoosh writer here.

    The codec leaves out per-posting length stats: they serve Whoosh's own
    scoring (not used here) and cost a column lookup per posting. Segments
    are left as separate files, not one compound file: Whoosh reads a
    compound file's parts into private memory (a BytesIO copy of the map)
    in every worker, where separate files stay in the shared page cache.
    Posting blocks hold 1,024 postings, not 128: a build writes fewer
    blocks, each a pickle and a zlib call.
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
    for a parallel build) and committed by ``commit_parts``.

    Written in bulk: each paragraph's stored id and length go to Whoosh's
    per-document writer as ``add_document`` sends them, and the postings
    go to Whoosh's field writer once, in its order, from the counted
    words the serving format collects anyway, instead of one tuple per
    posting through Whoosh's sorting pool (a sixth of a part's time).
    tests/test_wordindex.py holds the segment to one written by
    ``add_document``: the same terms, postings, lengths and stored ids."""

    def __init__(self, folder: Path):
        from whoosh.writing import SegmentWriter

        self._writer = SegmentWriter(whoosh_index.open_dir(str(folder)), _lk=False,
                                     **_writer_options())
        self._fields = (self._writer.schema[ID_FIELD], self._writer.schema[FIELD])
        self.serving = Collector()  # the part's serving format, written with its other files

    def add(self, paragraph_id: str, words: Mapping[str, int]) -> None:
        """The next paragraph (docnums follow the order of calls)."""
        writer, (id_field, text_field) = self._writer, self._fields
        per_doc = writer.perdocwriter
        per_doc.start_doc(writer.docnum)
        per_doc.add_field(ID_FIELD, id_field, paragraph_id, 0)  # add_document's order: by name
        per_doc.add_field(FIELD, text_field, None, sum(words.values()))
        per_doc.finish_doc()
        writer.docnum += 1
        writer._added = True
        self.serving.add(words)

    def finish(self) -> Any:
        """The finished segment (picklable), not yet in the table of contents."""
        self._writer.pool = _CollectedPostings(self.serving)  # what the flush reads
        return self._writer._finalize_segment()  # what Whoosh's own sub-writers do

    def cancel(self) -> None:
        self._writer.cancel()


class _CollectedPostings:
    """A part's postings as Whoosh's posting pool hands them to its field
    writer: (field, word's UTF-8, docnum, weight, value) sorted by word
    bytes, then docnum, the value being the count as Whoosh's Frequency
    format packs it."""

    def __init__(self, collected: Collector):
        self._collected = collected

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        packed: dict[int, bytes] = {}
        for word, docnums, counts in self._collected.by_word():
            for docnum, count in zip(docnums, counts):
                value = packed.get(count)
                if value is None:
                    value = packed[count] = pack_uint(count)
                yield FIELD, word, docnum, float(count), value

    def cleanup(self) -> None:
        pass


def commit_parts(folder: Path, segments: list[Any]) -> None:
    """Put the parts' segments, in order, into the table of contents."""
    writer = whoosh_index.open_dir(str(folder)).writer(**_writer_options())
    writer.commit(mergetype=lambda w, existing: list(existing) + segments)


class Incremental:
    """One more segment over a copy of the previous build's: paragraphs
    deleted by docnum, new ones added after the last docnum. Segments are
    never merged, so kept paragraphs keep their docnums."""

    def __init__(self, folder: Path):
        self._writer = whoosh_index.open_dir(str(folder)).writer(**_writer_options())
        self.serving = Collector()  # the new part's serving format

    def delete(self, docnum: int) -> None:
        self._writer.delete_document(docnum)

    def add(self, paragraph_id: str, words: Mapping[str, int]) -> None:
        self._writer.add_document(id=paragraph_id, text=words)
        self.serving.add(words)

    def commit(self) -> None:
        self._writer.commit(mergetype=lambda w, existing: list(existing))

    def cancel(self) -> None:
        if not self._writer.is_closed:
            self._writer.cancel()


def paragraph_count(folder: Path) -> int:
    """Docnums in a build's word index (deleted ones included)."""
    with whoosh_index.open_dir(str(folder)).reader() as reader:
        return int(reader.doc_count_all())


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

class WordIndex:
    """A build's word index: Whoosh's segments (which paragraphs an
    incremental rebuild deleted, the words by prefix) and the serving
    format's postings, document frequencies and lengths, with the deleted
    paragraphs (``deletions``) left out of every answer. Docnums run
    across the parts in order, as Whoosh's multi-segment reader numbers
    them. ``parts`` is meta.json's ({"name", "docnums"}) list."""

    def __init__(self, folder: Path, parts: list[dict[str, Any]]):
        try:
            self._index = whoosh_index.open_dir(str(folder))
            self._reader = self._index.reader()
        except (OSError, ValueError) as exc:
            raise ValueError(f"the word index cannot be read ({exc})") from exc
        except Exception as exc:  # unpickling a damaged table of contents raises anything
            raise ValueError(f"the word index cannot be read ({type(exc).__name__})") from exc
        self._leaves = self._reader.leaf_readers()
        self.part_sizes = [leaf.doc_count_all() for leaf, _ in self._leaves]
        if self.part_sizes != [p["docnums"] for p in parts]:
            self.close()
            raise ValueError("the word index does not line up with meta.json")
        self.deletions = Deletions(
            FrozenBitMap(sorted(base + d for leaf, base in self._leaves
                                if leaf.has_deletions() for d in leaf.deleted_docs_set)),
            sum(self.part_sizes))
        try:
            self._serving = WordPostings(folder, [p["name"] for p in parts], self.part_sizes,
                                         self.deletions)
        except BaseException:
            self.close()
            raise
        self.postings = self._serving.postings
        self.doc_frequency = self._serving.doc_frequency
        self.frequencies = self._serving.frequencies
        self.lengths = self._serving.lengths

    def close(self) -> None:
        self._reader.close()
        if getattr(self, "_serving", None) is not None:
            self._serving.close()

    def words(self, prefix: str) -> Iterator[str]:
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


def _segment_file(leaf: Any, ext: str) -> str:
    """The name of a segment's file (``MAIN_<id>.pst``), for error messages."""
    segment = getattr(leaf, "_segment", None)
    try:
        return str(segment.make_filename(ext))  # type: ignore[union-attr]
    except Exception:
        return f"the word index's {ext} file"
