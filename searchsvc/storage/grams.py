"""The character index: which paragraphs hold each character and character
pair, and each Latin word.

Every paragraph's normalized text (white space removed) is cut into its
characters and adjacent pairs; for each such gram the store keeps the
paragraphs that have it. That is all literal matching needs:
candidates come from the rarest grams of a string, and each candidate is
then checked on its text. Each maximal run of Latin letters of the text
(``tar`` in ``tar命令``, ``pm`` in ``pm2.5``, ``whatarethe``) is kept too,
under its own key (``latin_key``): the paragraphs where a Latin word
stands as a word, not inside a longer one, without reading their texts.
Kept out of Whoosh on purpose: through Whoosh's pure-Python posting
pipeline these ~2 postings per character made up three quarters of the
build time and most of the index size.

Files, per part of a build (see layout.py; ``P`` is the part's name), keyed
postings (``keyed``):
  P.grams.keys   sorted uint64 keys (see ``gram_key``, ``latin_key``)
  P.grams.meta   per key: its first posting and how many (``keyed.ENTRY``)
  P.grams.post   per key: ``count`` uint32 paragraph numbers, ascending

Paragraph numbers are the index's docnums (the part's first docnum plus
its position in the part), so a build's parts read as one store by
concatenating their postings.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from hashlib import blake2b
from pathlib import Path

import numpy as np
from pyroaring import FrozenBitMap

from ..analysis.scripts import LATIN_RUN
from . import keyed
from .deletions import Deletions
from .files import DamagedFile
from .keyed import ENTRY, KeyedPostings

EMPTY = FrozenBitMap()

KEYS, META, POSTINGS = "grams.keys", "grams.meta", "grams.post"
META_TYPE = np.dtype(ENTRY)


def files(part: str) -> list[str]:
    return [f"{part}.{name}" for name in (KEYS, META, POSTINGS)]


def gram_key(gram: str) -> int:
    """One or two characters as a sortable integer (code points < 2**21)."""
    if len(gram) == 1:
        return ord(gram) << 22
    return (ord(gram[0]) << 22) | (ord(gram[1]) + 1)


_EXACT_LETTERS = 13  # 27**13 < 2**63: a run this long or shorter has its own key
_EXACT_CODES: int = 27 ** _EXACT_LETTERS


def latin_key(run: str) -> int:
    """A run of Latin letters as a key above every gram's (bit 63 set):
    the letters in base 27 up to 13 of them, so shorter runs never share a
    key; a longer run hashes into the codes above those."""
    if len(run) > _EXACT_LETTERS:
        span = (1 << 63) - _EXACT_CODES
        digest = int.from_bytes(blake2b(run.encode(), digest_size=8).digest(), "little")
        return (1 << 63) | (_EXACT_CODES + digest % span)
    code = 0
    for ch in run:
        code = code * 27 + ord(ch) - 96
    return (1 << 63) | code


def _latin_pairs(texts: list[str], base: int) -> tuple[np.ndarray, np.ndarray]:
    """(key, docnum) for each distinct Latin run of each text, in docnum order."""
    keys, docs, known = array("Q"), array("I"), dict[str, int]()
    for n, text in enumerate(texts, base):
        for run in set(LATIN_RUN.findall(text)):
            key = known.get(run)
            if key is None:
                key = known[run] = latin_key(run)
            keys.append(key)
            docs.append(n)
    return np.frombuffer(keys, dtype=np.uint64), np.frombuffer(docs, dtype=np.uint32)


def write(folder: Path, part: str, texts: Iterable[str], base: int = 0) -> None:
    """Write part ``part`` for ``texts`` (normalized, no white space), whose
    docnums are ``base``, ``base + 1``, ... in order.

    Done in numpy over the part's text at once (a Counter per paragraph and
    a Python append per gram took a fifth of the build): every character
    and in-paragraph pair becomes a (key, docnum) pair, and so does each
    distinct Latin run of a paragraph; a stable sort by key keeps docnums
    ascending within a key (a key is a character's, a pair's or a run's, and
    each kind is generated in docnum order), and a paragraph that has a
    gram twice is kept once.
    """
    texts = list(texts)
    keys_file, meta_file, post_file = (folder / f for f in files(part))
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    chars = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    docnums = np.repeat(np.arange(base, base + len(texts), dtype=np.uint32), lengths)
    same = docnums[1:] == docnums[:-1]  # the pair at i stays in one paragraph
    latin_keys, latin_docs = _latin_pairs(texts, base)
    keys = np.concatenate([chars << 22, ((chars[:-1] << 22) | (chars[1:] + 1))[same], latin_keys])
    docs = np.concatenate([docnums, docnums[:-1][same], latin_docs])
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    del order
    if len(keys):
        first = np.concatenate([[True], (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])])
        keys, docs = keys[first], docs[first]
    distinct, starts = keyed.first_of_each(keys)
    docs.astype("<u4").tofile(post_file)
    keyed.write(keys_file, meta_file, distinct,
                keyed.entries(len(distinct), META_TYPE, starts, len(docs)))


def _packed(lists: list[np.ndarray]) -> array[int]:
    """Lists of uint32 paragraph numbers as one array of "I", what a
    roaring bitmap is made from in one call."""
    packed = array("I")
    for numbers in lists:
        packed.frombytes(numbers.tobytes())
    return packed


class GramStore:
    """Read side over a build's parts: docsets of grams, deletions applied."""

    def __init__(self, folder: Path, parts: list[str], deletions: Deletions):
        self.deletions = deletions  # a posting past deletions.docnums is a damaged file
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

    def with_gram(self, gram: str) -> FrozenBitMap:
        """The live paragraphs with ``gram``, as a docset."""
        return self._docs(gram_key(gram), gram)

    def with_latin_run(self, word: str) -> FrozenBitMap:
        """The live paragraphs where the letters ``word`` (``[a-z]+``) are a
        whole run of Latin letters: no letter right before or after."""
        return self._docs(latin_key(word), word)

    def _docs(self, key: int, name: str) -> FrozenBitMap:
        lists = [found for found in (part.postings(key) for part in self.parts) if len(found)]
        found = FrozenBitMap(_packed(lists)) if lists else EMPTY
        if found and found.max() >= self.deletions.docnums:
            names = ", ".join(p.postings_file for p in self.parts)
            raise DamagedFile(names, f"a paragraph number past the last one under {name!r}")
        return self.deletions.live(found)

    def close(self) -> None:
        for part in self.parts:
            part.close()


class _Part:
    """One part's keyed postings: a gram's (or Latin run's) paragraph numbers."""

    def __init__(self, folder: Path, part: str):
        keys_file, meta_file, post_file = (folder / f for f in files(part))
        self._keyed = KeyedPostings(keys_file, meta_file, META_TYPE, [(post_file, "<u4")])
        self.postings_file = post_file.name

    def df(self, gram: str) -> int:
        return sum(self._keyed.count(i) for i in self._keyed.find(gram_key(gram)))

    def postings(self, key: int) -> np.ndarray:
        found = self._keyed.find(key)
        return self._keyed.postings(found[0]) if found else np.zeros(0, dtype="<u4")

    def close(self) -> None:
        self._keyed.close()
