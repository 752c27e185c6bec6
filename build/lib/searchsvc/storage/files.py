"""Reading a build's files safely: byte ranges with ``pread``, JSON lines,
and the one error a damaged file raises (``DamagedFile``)."""

from __future__ import annotations

import json
import os
import weakref
from pathlib import Path


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


def decoded(file: str, data: bytes, where: str):
    """``data``, a JSON value read from ``file``; DamagedFile when it is none."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DamagedFile(file, f"no JSON {where}: {exc}") from None


def json_line(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"
