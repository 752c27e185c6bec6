"""jieba's dictionary as a build keeps it: compact, so serving processes
segment queries from two flat buffers loaded once before the fork and
shared, instead of each holding jieba's dictionary as Python objects
(about 60 MB, copied page by page into every worker as its objects'
reference counts are written).

Two files, written by the build (or copied from the previous build when
that one was written from the same jieba dictionary)::

    jieba.trie          marisa-trie of every key of jieba's FREQ (each word
                        and each prefix of a word), its own format
    jieba.counts        a header (magic, total, key count, the jieba
                        dictionary's digest, BLAKE2b of the trie and of the
                        rest of this file)
                        then a uint32 count per trie key id (0: a prefix)

The digests are checked before marisa reads the trie: a damaged trie is
a ``DamagedFile`` (503 naming it), never a crash or a wrong token.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from array import array
from collections.abc import Mapping
from pathlib import Path

import marisa_trie
import numpy as np

from .files import DamagedFile

TRIE = "jieba.trie"
COUNTS = "jieba.counts"
_MAGIC = b"SSDICT01"
_HEADER = struct.Struct("<8sQQ32s32s32s")  # magic, total, keys, source, trie, counts
_OWN = _HEADER.size - 32  # where the counts file's own digest is (of all but itself)


def files() -> tuple[str, str]:
    return TRIE, COUNTS


def _digest(*parts: bytes | memoryview) -> bytes:
    digest = hashlib.blake2b(digest_size=32)
    for part in parts:
        digest.update(part)
    return digest.digest()


def write(folder: Path, counts: Mapping[str, int], total: int, source: bytes) -> None:
    """Write jieba's ``FREQ`` (``counts``) and ``total``; ``source`` is the
    digest of the dictionary they were read from. Each file is written
    under another name and renamed: a file linked from the previous build
    is replaced, never written into."""
    trie = marisa_trie.Trie(counts.keys())
    values = np.zeros(len(trie), dtype="<u4")
    for word, count in counts.items():
        if not 0 <= count <= 0xFFFFFFFF:
            raise ValueError(f"jieba's count of {word!r} does not fit 32 bits: {count}")
        values[trie[word]] = count
    data = trie.tobytes()
    (folder / f"{TRIE}.tmp").write_bytes(data)
    body = values.tobytes()
    head = _HEADER.pack(_MAGIC, total, len(trie), source, _digest(data), b"")[:_OWN]
    with open(folder / f"{COUNTS}.tmp", "wb") as f:
        f.write(head)
        f.write(_digest(head, body))
        f.write(body)
    for name in files():
        os.replace(folder / f"{name}.tmp", folder / name)


def copy(previous: Path | None, folder: Path, source: bytes) -> bool:
    """Copy the previous build's files when they were written from the
    same jieba dictionary and read as written (writing them costs half a
    second); whether it did."""
    if previous is None or written_from(previous) != source:
        return False
    for name in files():
        shutil.copyfile(previous / name, folder / name)
    return True


class Lexicon:
    """A build's jieba dictionary, checked and loaded: ``ids`` (a word or
    prefix → its key id; ``in`` and ``get`` as a dict's), ``counts`` (by
    key id), ``total`` and ``source``. Two flat buffers (3 MB where jieba's
    own is 60 MB of Python objects), read into memory and not mapped: no
    file of the build is held by a segmenter that outlives it, and loaded
    in gunicorn's master they stay shared by every worker, since lookups
    only read them (no reference count or collector writes to them)."""

    def __init__(self, folder: Path):
        try:
            raw = memoryview((folder / COUNTS).read_bytes())
        except FileNotFoundError:
            raise DamagedFile(COUNTS, "missing") from None
        if len(raw) < _HEADER.size:
            raise DamagedFile(COUNTS, f"{len(raw)} bytes, shorter than its header")
        magic, self.total, keys, source, trie_digest, own = _HEADER.unpack_from(raw)
        self.source: bytes = source
        if _digest(raw[:_OWN], raw[_HEADER.size:]) != own or magic != _MAGIC:
            raise DamagedFile(COUNTS, "its bytes differ from what the build wrote")
        if len(raw) != _HEADER.size + 4 * keys:
            raise DamagedFile(COUNTS, f"{len(raw)} bytes for {keys} counts")
        try:
            data = (folder / TRIE).read_bytes()
        except FileNotFoundError:
            raise DamagedFile(TRIE, "missing") from None
        if _digest(data) != trie_digest:
            raise DamagedFile(TRIE, "its bytes differ from what the build wrote")
        self.ids = marisa_trie.Trie().frombytes(data)
        if len(self.ids) != keys:
            raise DamagedFile(TRIE, f"{len(self.ids)} keys, where the counts have {keys}")
        self.counts = array("I")  # native order, as Mapped.integers
        self.counts.frombytes(raw[_HEADER.size:])


def written_from(folder: Path) -> bytes | None:
    """The digest of the jieba dictionary a build's files were written
    from, when they read as written; None when they are missing or damaged."""
    try:
        return Lexicon(folder).source
    except OSError:  # DamagedFile among them
        return None


def open_lexicon(folder: Path) -> Lexicon:
    """The build's dictionary; DamagedFile when a file is missing or damaged."""
    return Lexicon(folder)

