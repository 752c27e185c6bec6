"""What the last rebuild and publish of an index folder did, for /metrics.

The rebuild and ``publish`` run as commands, outside the servers, so they
leave a small JSON file in the index folder (``last-rebuild.json``,
``last-publish.json``; a replica's folder gets ``last-received.json`` from
the publish that switched it) and the servers read it when scraped. A file
that cannot be written never fails the run it describes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

KINDS = ("rebuild", "publish", "received")


def file_name(kind: str) -> str:
    return f"last-{kind}.json"


def record(index_dir: str | Path, kind: str, **fields: object) -> None:
    """Replace the record of ``kind`` (atomically; best effort)."""
    assert kind in KINDS, kind
    path = Path(index_dir) / file_name(kind)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(dict(fields, finished=time.time()), ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def received_script(version: str, seconds: float) -> str:
    """The shell line that leaves a replica's record on another host (run by
    ``publish`` over ssh, in the replica's index folder)."""
    import shlex

    name = file_name("received")
    text = json.dumps({"version": version, "seconds": round(seconds, 3), "finished": time.time()})
    return f"{{ printf '%s' {shlex.quote(text)} > .{name}.tmp && mv .{name}.tmp {name}; }} || true"


def last(index_dir: str | Path) -> dict[str, dict[str, Any]]:
    """Each kind's last record that can be read."""
    found = {}
    for kind in KINDS:
        try:
            found[kind] = json.loads((Path(index_dir) / file_name(kind)).read_text("utf-8"))
        except (OSError, ValueError):
            continue
    return found
