"""Reading a build's files safely: every file mapped (``Mapped``; why:
docs/architecture.md, "Reading files"), JSON lines, and the one error a
damaged file raises (``DamagedFile``)."""

from __future__ import annotations

import codecs
import json
import mmap
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike


class DamagedFile(OSError):
    """A file of a build that does not read as it was written (shorter,
    or not what its table says): the answer is a 503 naming it, not a 500."""

    def __init__(self, file: str, detail: str):
        super().__init__(f"the index file {file} is damaged ({detail}); run `searchsvc rebuild`")
        self.file = file


class Mapped:
    """A file of a build mapped read-only: its pages are the page cache's,
    shared by every worker that maps them, so a worker's own memory holds
    only what it computes. Arrays are read as views (``array``) or copies
    (``copy``); ``close`` drops the views and unmaps, so a deleted build's
    space is freed when the last snapshot on it closes."""

    def __init__(self, path: Path):
        self.name = Path(path).name
        with open(path, "rb") as f:
            self.size = os.fstat(f.fileno()).st_size
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if self.size else None
        self._views: list[np.ndarray | memoryview] = []

    def __len__(self) -> int:
        return self.size

    def array(self, dtype: DTypeLike, offset: int = 0, count: int = -1) -> np.ndarray:
        """The file (from byte ``offset``) as a numpy array over the map:
        kept by this object, never handed beyond the reader that owns it."""
        if self._map is None:
            return np.zeros(0, dtype=dtype)
        if count < 0 and (self.size - offset) % np.dtype(dtype).itemsize:
            raise DamagedFile(self.name, f"{self.size} bytes, not whole {np.dtype(dtype)} values")
        view = np.frombuffer(self._map, dtype=dtype, count=count, offset=offset)
        self._views.append(view)
        return view

    def integers(self) -> memoryview[int]:
        """The file as unsigned 64-bit Python integers, indexed without
        numpy's per-item cost."""
        if self._map is None:
            return memoryview(b"").cast("Q")
        if self.size % 8:
            raise DamagedFile(self.name, f"{self.size} bytes, not whole 64-bit values")
        view = memoryview(self._map).cast("Q")
        self._views.append(view)
        return view

    def buffer(self) -> memoryview:
        """The file's bytes, in place (``struct.unpack_from`` reads records
        from it without numpy's per-item cost)."""
        if self._map is None:
            return memoryview(b"")
        view = memoryview(self._map)
        self._views.append(view)
        return view

    def find(self, needle: bytes, start: int, end: int) -> int:
        return self._map.find(needle, start, end) if self._map is not None else -1

    def search(self, pattern: re.Pattern[bytes], start: int, end: int) -> bool:
        """Whether the bytes regex finds something in bytes ``start:end``
        (a lookbehind sees the bytes before ``start``)."""
        return self._map is not None and pattern.search(self._map, start, end) is not None

    def match_starts(self, pattern: re.Pattern[bytes]) -> Iterator[int]:
        """The byte offset of every match of the bytes regex in the file."""
        return (m.start() for m in pattern.finditer(self._map)) if self._map is not None else iter(())

    def read(self, start: int, end: int) -> bytes:
        if not 0 <= start <= end <= self.size:
            raise DamagedFile(self.name, f"bytes {start} to {end} of {self.size}")
        return self._map[start:end] if self._map is not None else b""

    def close(self) -> None:
        for view in self._views:
            if isinstance(view, memoryview):
                view.release()
        self._views = []
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:  # a view still referenced: unmapped when it goes
                pass
            self._map = None


def decoded(file: str, data: bytes, where: str) -> Any:
    """``data``, a JSON value read from ``file``; DamagedFile when it is none."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DamagedFile(file, f"no JSON {where}: {exc}") from None


def json_line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


_CHUNK = 1 << 20


def check_ends(name: str, ends: np.ndarray, total: int, strictly: bool = False) -> None:
    """``ends`` are where each item of a file of ``total`` bytes ends: in
    order, the last at the file's end."""
    if not len(ends):
        if total:
            raise DamagedFile(name, "ends that do not reach the end of what they index")
        return
    steps = np.diff(ends.astype(np.int64), prepend=0)
    if np.any(steps <= 0 if strictly else steps < 0) or int(ends[-1]) != total:
        raise DamagedFile(name, "ends out of order or short of what they index")


def check_utf8(mapped: Mapped, ends: np.ndarray) -> None:
    """The file is UTF-8 and every item ends on a character's end."""
    data = mapped.array(np.uint8)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    try:
        for start in range(0, len(data), _CHUNK):  # a megabyte at a time: no copy of it all
            decoder.decode(data[start:start + _CHUNK].tobytes())
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise DamagedFile(mapped.name, f"not UTF-8 ({exc.reason})") from None
    inner = ends[ends < len(data)].astype(np.int64)
    if len(inner) and np.any(data[inner] & 0xC0 == 0x80):
        raise DamagedFile(mapped.name, "an item that ends inside a character")
