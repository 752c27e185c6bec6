"""The character index: which paragraphs hold each character and character pair.

Every paragraph's normalized text (white space removed) is cut into its
characters and adjacent pairs; for each such gram the store keeps the
paragraphs that have it and how often. That is all literal matching needs:
candidates come from the rarest grams of a string, and each candidate is
then checked on its text. Kept out of Whoosh on purpose: through Whoosh's
pure-Python posting pipeline these ~2 postings per character made up three
quarters of the build time and most of the index size.

Files, per part of a build (see index.py; ``P`` is the part's name):
  P.grams.keys   sorted uint64 keys (see ``gram_key``)
  P.grams.meta   uint64 offset and uint32 count per key
  P.grams.post   per key: ``count`` uint32 paragraph numbers, then ``count`` uint32 frequencies

Paragraph numbers are the index's docnums (the part's first docnum plus
its position in the part), so a build's parts read as one store by
concatenating their postings.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from pathlib import Path

import numpy as np
from pyroaring import FrozenBitMap

from .postings import live
from .store import DamagedFile, ReadAt

EMPTY = FrozenBitMap()

KEYS, META, POSTINGS = "grams.keys", "grams.meta", "grams.post"


def files(part: str) -> list[str]:
    return [f"{part}.{name}" for name in (KEYS, META, POSTINGS)]


def gram_key(gram: str) -> int:
    """One or two characters as a sortable integer (code points < 2**21)."""
    if len(gram) == 1:
        return ord(gram) << 22
    return (ord(gram[0]) << 22) | (ord(gram[1]) + 1)


def write(folder: Path, part: str, texts, base: int = 0) -> None:
    """Write part ``part`` for ``texts`` (normalized, no white space), whose
    docnums are ``base``, ``base + 1``, ... in order.

    Done in numpy over the part's text at once (a Counter per paragraph and
    a Python append per gram took a fifth of the build): every character
    and in-paragraph pair becomes a (key, docnum) pair, a stable sort by key
    keeps docnums ascending within a key (a key is either a character's or
    a pair's, and each kind is generated in docnum order), and runs of equal
    pairs give the frequencies.
    """
    texts = list(texts)
    keys_file, meta_file, post_file = (folder / f for f in files(part))
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    chars = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    docnums = np.repeat(np.arange(base, base + len(texts), dtype=np.uint32), lengths)
    same = docnums[1:] == docnums[:-1]  # the pair at i stays in one paragraph
    keys = np.concatenate([chars << 22, ((chars[:-1] << 22) | (chars[1:] + 1))[same]])
    docs = np.concatenate([docnums, docnums[:-1][same]])
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    del order
    if len(keys):
        new_pair = np.flatnonzero((keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])) + 1
        pair_starts = np.concatenate([[0], new_pair])
    else:
        pair_starts = np.zeros(0, dtype=np.int64)
    tfs = np.diff(np.append(pair_starts, len(keys))).astype(np.uint32)
    pair_keys, pair_docs = keys[pair_starts], docs[pair_starts]
    del keys, docs
    if len(pair_keys):
        key_starts = np.concatenate([[0], np.flatnonzero(pair_keys[1:] != pair_keys[:-1]) + 1])
    else:
        key_starts = np.zeros(0, dtype=np.int64)
    counts = np.diff(np.append(key_starts, len(pair_keys))).astype(np.uint32)
    # per key: its paragraph numbers, then as many frequencies
    owner = np.repeat(np.arange(len(key_starts)), counts)
    at = np.arange(len(pair_keys)) + key_starts[owner]
    postings = np.empty(2 * len(pair_keys), dtype=np.uint32)
    postings[at] = pair_docs
    postings[at + counts[owner]] = tfs
    postings.tofile(post_file)
    pair_keys[key_starts].astype(np.uint64).tofile(keys_file)
    with open(meta_file, "wb") as f:
        (8 * key_starts).astype(np.uint64).tofile(f)
        counts.tofile(f)


class GramStore:
    """Read side over a build's parts: the character index as a posting
    source (``postings.PostingSource``), deletions applied."""

    def __init__(self, folder: Path, parts: list[str], deleted: FrozenBitMap = EMPTY,
                 docnums: int | None = None):
        self.deleted = deleted
        self.docnums = docnums  # a posting past it is a damaged file (checked when given)
        self.parts = []
        try:
            for part in parts:
                self.parts.append(_Part(folder, part))
        except BaseException:
            self.close()
            raise

    def df(self, gram: str) -> int:
        """Paragraphs with ``gram`` as the files count them, deleted ones
        included: an estimate, exact until an incremental rebuild, for
        choosing the rarest grams without reading postings."""
        return sum(p.df(gram) for p in self.parts)

    def doc_frequency(self, gram: str) -> int:
        return len(self.docs(gram)) if self.deleted else self.df(gram)

    def docs(self, gram: str) -> FrozenBitMap:
        """The live paragraphs with ``gram``, as a docset (no frequencies read)."""
        docs = array("I")
        for part in self.parts:
            docs.extend(part.postings(gram, freqs=False)[0])
        found = FrozenBitMap(docs)
        if found and self.docnums is not None and found.max() >= self.docnums:
            self._damaged(gram)
        return found - self.deleted if self.deleted else found

    def postings(self, gram: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, counts) of the live paragraphs with ``gram``, in docnum order."""
        docs, tfs = array("I"), array("I")
        for part in self.parts:
            d, t = part.postings(gram, freqs=True)
            docs.extend(d)
            tfs.extend(t)
        ids = np.frombuffer(docs, dtype=np.uint32).astype(np.int64)
        if len(ids) and self.docnums is not None and ids.max() >= self.docnums:
            self._damaged(gram)
        return live(ids, np.frombuffer(tfs, dtype=np.uint32).astype(np.int64), self.deleted)

    def _damaged(self, gram: str):
        names = ", ".join(p.postings_file for p in self.parts)
        raise DamagedFile(names, f"a paragraph number past the last one under {gram!r}")

    def close(self) -> None:
        for part in self.parts:
            part.close()


class _Part:
    """One part's files: keys and offsets in memory, postings read from the file."""

    def __init__(self, folder: Path, part: str):
        keys_file, meta_file, post_file = (folder / f for f in files(part))
        self.keys = array("Q")
        self.keys.frombytes(keys_file.read_bytes())
        meta = meta_file.read_bytes()
        split = 8 * len(self.keys)
        self.offsets = array("Q")
        self.offsets.frombytes(meta[:split])
        self.counts = array("I")
        self.counts.frombytes(meta[split:])
        if len(self.counts) != len(self.keys):
            raise ValueError(f"{meta_file.name} does not match {keys_file.name}")
        self._postings = ReadAt(post_file)
        self.postings_file = post_file.name

    def _find(self, gram: str) -> int:
        key = gram_key(gram)
        i = bisect_left(self.keys, key)
        return i if i < len(self.keys) and self.keys[i] == key else -1

    def df(self, gram: str) -> int:
        i = self._find(gram)
        return self.counts[i] if i >= 0 else 0

    def postings(self, gram: str, freqs: bool = False):
        i = self._find(gram)
        docs = array("I")
        if i < 0:
            return docs, (array("I") if freqs else None)
        start, count = self.offsets[i], self.counts[i]
        if not freqs:
            docs.frombytes(self._postings.read(start, start + 4 * count))
            return docs, None
        both = self._postings.read(start, start + 8 * count)
        tfs = array("I")
        docs.frombytes(both[:4 * count])
        tfs.frombytes(both[4 * count:])
        return docs, tfs

    def close(self) -> None:
        self._postings.close()
