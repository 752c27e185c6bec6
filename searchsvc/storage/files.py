"""Reading a build's files safely: byte ranges with ``pread``, JSON lines,
and the one error a damaged file raises (``DamagedFile``)."""

from __future__ import annotations

import json
import mmap
import os
import re
import weakref
from pathlib import Path

import numpy as np


class DamagedFile(OSError):
    """A file of a build that does not read as it was written (shorter,
    or not what its table says): the answer is a 503 naming it, not a 500."""

    def __init__(self, file: str, detail: str):
        super().__init__(f"the index file {file} is damaged ({detail}); run `searchsvc rebuild`")
        self.file = file


class ReadAt:
    """Reads byte ranges of a file with ``pread``: no file position to share
    between threads, and nothing mapped into the process. A map would be
    faster by a microsecond a read, but the kernel maps the pages around
    each one touched, and every worker's resident size would grow by the
    whole file."""

    def __init__(self, path: Path):
        self.name = Path(path).name
        self._fd = os.open(path, os.O_RDONLY)
        # closed by close(), or when the object is collected: a descriptor
        # of a deleted build held open pins its disk space
        self._closer = weakref.finalize(self, os.close, self._fd)
        self.size = os.fstat(self._fd).st_size

    def __len__(self) -> int:
        return self.size

    def read(self, start: int, end: int) -> bytes:
        data = os.pread(self._fd, end - start, start)
        if len(data) != end - start:
            raise DamagedFile(self.name, f"{len(data)} bytes where {end - start} were expected "
                              f"at {start}")
        return data

    def close(self) -> None:
        self._closer()  # closes once; later calls do nothing
        self._fd = -1


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
        self._views: list = []

    def __len__(self) -> int:
        return self.size

    def array(self, dtype, offset: int = 0, count: int = -1) -> np.ndarray:
        """The file (from byte ``offset``) as a numpy array over the map:
        kept by this object, never handed beyond the reader that owns it."""
        if self._map is None:
            return np.zeros(0, dtype=dtype)
        if count < 0 and (self.size - offset) % np.dtype(dtype).itemsize:
            raise DamagedFile(self.name, f"{self.size} bytes, not whole {np.dtype(dtype)} values")
        view = np.frombuffer(self._map, dtype=dtype, count=count, offset=offset)
        self._views.append(view)
        return view

    def integers(self, code: str) -> memoryview:
        """The file as Python integers (``code``: "Q", "I"), indexed without
        numpy's per-item cost."""
        if self._map is None:
            return memoryview(b"").cast(code)
        if self.size % memoryview(b"").cast(code).itemsize:
            raise DamagedFile(self.name, f"{self.size} bytes, not whole {code} values")
        view = memoryview(self._map).cast(code)
        self._views.append(view)
        return view

    def find(self, needle: bytes, start: int, end: int) -> int:
        return self._map.find(needle, start, end) if self._map is not None else -1

    def search(self, pattern: re.Pattern, start: int, end: int) -> bool:
        """Whether the bytes regex finds something in bytes ``start:end``
        (a lookbehind sees the bytes before ``start``)."""
        return self._map is not None and pattern.search(self._map, start, end) is not None

    def match_starts(self, pattern: re.Pattern):
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


def decoded(file: str, data: bytes, where: str):
    """``data``, a JSON value read from ``file``; DamagedFile when it is none."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DamagedFile(file, f"no JSON {where}: {exc}") from None


def json_line(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"
