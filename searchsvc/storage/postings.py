"""The word index's serving format: what a search reads, mapped by every
worker from the page cache.

Written by every build from the same pass that writes the part's Whoosh
segment (``Collector`` sees each paragraph's counted words as Whoosh
does), so the two hold the same postings; tests/test_postings.py checks
that through Whoosh's own ``Searcher``. Reading a word is a binary search
over mapped keys and one slice: nothing is decoded (Whoosh's posting
blocks are pickled and compressed, and were decoded anew in every
worker), and nothing is held per worker but what the ranker caches.

Files, per part of a build (``P`` is the part's name), keyed postings
(``keyed``) with two posting columns:
  P.words.keys   sorted uint64 keys: the first 8 bytes of the word's BLAKE2b
  P.words.meta   per key: first posting, postings, the word's byte offset
                 and length in P.words.list (uint64, uint32, uint64, uint32)
  P.words.list   the words in key order, UTF-8 (a key's word is checked:
                 two words with one key are both found, in key order)
  P.words.post   uint32 docnums (the build's, as in the character index),
                 key after key, ascending within a key
  P.words.tf     uint16 counts beside them (the word's jieba tokens in the
                 paragraph; capped at 65,535)
  P.lengths      a uint8 per paragraph: its token count as Whoosh's length
                 byte (Lucene's norms are alike: a length in one byte)
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from hashlib import blake2b
from pathlib import Path

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte

from . import keyed
from .deletions import Deletions
from .files import DamagedFile, Mapped
from .keyed import ENTRY, KeyedPostings
from .partmap import PartMap

KEYS, META, WORDS, POSTINGS, COUNTS, LENGTHS = (
    "words.keys", "words.meta", "words.list", "words.post", "words.tf", "lengths")
META_TYPE = np.dtype([*ENTRY, ("at", "<u8"), ("size", "<u4")])  # the word at P.words.list
MAX_COUNT = 65_535
BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def files(part: str) -> list[str]:
    return [f"{part}.{name}" for name in (KEYS, META, WORDS, POSTINGS, COUNTS, LENGTHS)]


def word_key(word: bytes) -> int:
    """A word's key: stable across processes and hash seeds."""
    return int.from_bytes(blake2b(word, digest_size=8).digest(), "little")


class Collector:
    """A part's postings as its paragraphs are added, in docnum order."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._words = array("I")  # a word id per posting
        self._counts = array("I")  # its count
        self._sizes = array("I")  # postings per paragraph
        self._lengths = bytearray()

    def add(self, words: Mapping[str, int]) -> None:
        ids = self._ids
        self._words.extend([ids.setdefault(w, len(ids)) for w in words])
        self._counts.extend(words.values())
        self._sizes.append(len(words))
        self._lengths.append(length_to_byte(sum(words.values())))

    def __len__(self) -> int:
        return len(self._sizes)

    def _in_word_order(self, word_order: np.ndarray | list[int]) \
            -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The postings grouped by word, the words in ``word_order`` (word
        ids), docnums ascending within a word: their docnums (from 0),
        their counts, and each word's number of postings in that order."""
        rank = np.empty(len(word_order), dtype=np.int64)
        rank[word_order] = np.arange(len(word_order))
        posting_rank = rank[np.frombuffer(self._words, dtype=np.uint32)]
        order = np.argsort(posting_rank, kind="stable")  # docnums stay ascending
        docnums = np.repeat(np.arange(len(self), dtype=np.int64),
                            np.frombuffer(self._sizes, dtype=np.uint32))[order]
        counts = np.frombuffer(self._counts, dtype=np.uint32)[order]
        return docnums, counts, np.bincount(posting_rank, minlength=len(word_order))

    def by_word(self) -> Iterator[tuple[bytes, list[int], list[int]]]:
        """Each word's UTF-8 with its docnums (from 0) and counts, in the
        order of the words' bytes: what a Whoosh segment holds."""
        words = [w.encode("utf-8") for w in self._ids]
        by_bytes = sorted(range(len(words)), key=words.__getitem__)
        docnums, counts, per_word = self._in_word_order(by_bytes)
        docnums, counts = docnums.tolist(), counts.tolist()
        start = 0
        for word_id, end in zip(by_bytes, np.cumsum(per_word).tolist()):
            yield words[word_id], docnums[start:end], counts[start:end]
            start = end

    def write(self, folder: Path, part: str, base: int) -> None:
        """The part's files, for docnums ``base``, ``base + 1``, ..."""
        keys_file, meta_file, words_file, post_file, tf_file, len_file = \
            (folder / f for f in files(part))
        words = [w.encode("utf-8") for w in self._ids]
        keys = np.fromiter((word_key(w) for w in words), dtype=np.uint64, count=len(words))
        by_key = np.argsort(keys, kind="stable")  # word ids in key order
        docnums, counts, per_word = self._in_word_order(by_key)
        (docnums + base).astype(np.uint32).tofile(post_file)
        np.minimum(counts, MAX_COUNT).astype("<u2").tofile(tf_file)
        meta = np.zeros(len(words), dtype=META_TYPE)
        meta["count"] = per_word
        meta["first"] = np.cumsum(per_word) - per_word
        ordered = [words[i] for i in by_key.tolist()]
        sizes = np.fromiter((len(w) for w in ordered), dtype=np.int64, count=len(ordered))
        meta["size"] = sizes
        meta["at"] = np.cumsum(sizes) - sizes
        keyed.write(keys_file, meta_file, keys[by_key], meta)
        words_file.write_bytes(b"".join(ordered))
        len_file.write_bytes(bytes(self._lengths))


class WordPostings:
    """Read side over a build's parts: postings, document frequencies and
    lengths, the deleted paragraphs (``deletions``) left out."""

    def __init__(self, folder: Path, parts: list[str], counts: list[int], deletions: Deletions):
        self.deletions = deletions
        self._parts: list[_Part] = []
        numbering = PartMap(counts)
        try:
            for part, base, count in zip(parts, numbering.bases, counts):
                self._parts.append(_Part(folder, part, base, count))
        except BaseException:
            self.close()
            raise

    def postings(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, counts) of ``word``'s live paragraphs, as arrays."""
        found = [p.postings(k) for p in self._parts for k in p.find(word)]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        ids = np.concatenate([ids for ids, _ in found])
        return self.deletions.live_postings(ids, np.concatenate([c for _, c in found]))

    def doc_frequency(self, word: str) -> int:
        """Live paragraphs whose tokens include ``word``."""
        if len(self.deletions):
            return len(self.postings(word)[0])
        return sum(p.keyed.count(k) for p in self._parts for k in p.find(word))

    def frequencies(self) -> dict[str, int]:
        """Every word's live paragraphs (``doc_frequency`` of each), in
        word order: one pass over each part's table, for the pinyin table
        a rebuild writes (a lookup per word was most of its time)."""
        total: dict[str, int] = {}
        for part in self._parts:
            for word, count in part.frequencies(self.deletions):
                total[word] = total.get(word, 0) + count
        return dict(sorted(total.items()))

    def lengths(self) -> Lengths:
        codes = np.concatenate([p.lengths for p in self._parts]) if self._parts else \
            np.zeros(0, dtype=np.uint8)
        return Lengths(self.deletions.zeroed(codes))

    def close(self) -> None:
        for part in self._parts:
            part.close()
        self._parts = []


class Lengths:
    """Each paragraph's token count, one byte each in memory (a float per
    paragraph was 14 MB a worker at 1.7 M paragraphs); 0 for deleted ones."""

    def __init__(self, codes: np.ndarray):
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        found: np.ndarray = BYTE_LENGTHS[self.codes[ids]]
        return found

    def sum(self) -> float:
        return float(np.bincount(self.codes, minlength=256) @ BYTE_LENGTHS)


class _Part:
    """One part's keyed postings (docnums and counts), its words and lengths."""

    def __init__(self, folder: Path, part: str, base: int, count: int):
        self.base, self.count = base, count
        keys, meta, words, post, tf, lengths = (folder / f for f in files(part))
        self.keyed = KeyedPostings(keys, meta, META_TYPE, [(post, "<u4"), (tf, "<u2")])
        self._words: Mapped | None = None
        self._lengths: Mapped | None = None
        try:
            self._words = Mapped(words)
            self._lengths = Mapped(lengths)
            self.lengths = np.array(self._lengths.array(np.uint8))  # a copy: whole, every query
        except BaseException:
            self.close()
            raise
        self.postings_file = post.name
        if len(self.lengths) != count:
            self.close()
            raise DamagedFile(lengths.name, f"{part}'s word files do not line up")

    def frequencies(self, deletions: Deletions) -> Iterator[tuple[str, int]]:
        """(word, live paragraphs holding it) for each of the part's words."""
        table = self.keyed.table()
        counts = table["count"].astype(np.int64)
        gone = np.flatnonzero(deletions.deleted(self.keyed.columns[0]))  # posting indexes
        if len(gone):
            owner = np.searchsorted(table["first"], gone, side="right") - 1
            counts -= np.bincount(owner, minlength=len(counts))
        assert self._words is not None
        data = self._words.read(0, len(self._words))
        ends = table["at"] + table["size"]
        if len(ends) and int(ends.max()) > len(data):
            raise DamagedFile(self._words.name, "a word past the file's end")
        for at, end, count in zip(table["at"].tolist(), ends.tolist(), counts.tolist()):
            try:
                yield data[at:end].decode("utf-8"), count
            except UnicodeDecodeError:
                raise DamagedFile(self._words.name, f"a word at byte {at} is not UTF-8") from None

    def find(self, word: str) -> list[int]:
        """The index of ``word``'s key (one, or none: two words may share a key)."""
        raw = word.encode("utf-8")
        for i in self.keyed.find(word_key(raw)):
            _, _, at, size = self.keyed.entry(i)
            if self._words is not None and self._words.read(at, at + size) == raw:
                return [i]
        return []

    def postings(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        ids = self.keyed.postings(i, 0).astype(np.int64)
        if len(ids) and not self.base <= ids[0] <= ids[-1] < self.base + self.count:
            raise DamagedFile(self.postings_file, "a paragraph number outside the part")
        return ids, self.keyed.postings(i, 1).astype(np.float64)

    def close(self) -> None:
        self.keyed.close()
        for mapped in (self._words, self._lengths):
            if mapped is not None:
                mapped.close()
