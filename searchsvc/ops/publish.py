"""Publishing a build to other index folders: local paths or ``host:path``.

A replica serves whatever its index folder's ``current`` points at and
reopens on its next request when that changes, so publishing is: copy the
build beside the replica's own (Debian's rsync, over ssh for ``host:path``)
under a temporary name, check it, rename it into place, switch ``current``
with the same atomic rename as a rebuild, and prune old builds. A copy that
fails or does not check out is removed and never switched in.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..engine.snapshot import Snapshot
from ..storage import outcomes
from ..storage.layout import (
    CURRENT,
    LOCK_FILE,
    IndexBusy,
    IndexLock,
    IndexUnavailable,
    Meta,
    current_path,
    prune,
    switch,
)

_REMOTE = re.compile(r"^(?P<host>[^/:]+):(?P<path>.+)$")
RSYNC_TIMEOUT = 600  # seconds for one copy


class PublishError(Exception):
    """One destination could not take the build; the message says why."""


@dataclass
class Published:
    destination: str
    version: str
    seconds: float


def publish(index_dir: str | Path, destinations: list[str], keep: int = 2) -> list:
    """Copy the current build of ``index_dir`` to each destination and switch
    it there. Returns, per destination, a ``Published`` or the
    ``PublishError`` that stopped it: one failing destination does not stop
    the others. Raises IndexUnavailable when there is nothing to publish."""
    source = current_path(index_dir)
    if source is None:
        raise IndexUnavailable(f"no index has been built in {index_dir}; run `searchsvc rebuild`")
    Meta.read(source)  # a build of this version, whole enough to publish
    if keep < 1:
        raise ValueError("--keep must be at least 1")
    results, each, begun = [], [], time.perf_counter()
    for destination in destinations:
        started = time.perf_counter()
        try:
            remote = _REMOTE.match(destination)
            if remote and not Path(destination).exists():
                _to_host(source, remote["host"], remote["path"], keep, started)
            else:
                _to_folder(source, Path(destination), keep, started)
            results.append(Published(destination, source.name, time.perf_counter() - started))
        except PublishError as exc:
            results.append(exc)
        each.append({"destination": destination, "ok": not isinstance(results[-1], Exception),
                     "seconds": round(time.perf_counter() - started, 3),
                     **({"reason": str(results[-1])} if isinstance(results[-1], Exception)
                        else {})})
    outcomes.record(index_dir, "publish", version=source.name, destinations=each,
                    ok=all(o["ok"] for o in each), seconds=time.perf_counter() - begun)
    return results


def _rsync(args: list[str]) -> None:
    if shutil.which("rsync") is None:
        raise PublishError("rsync is not installed (Debian package rsync)")
    try:
        done = subprocess.run(["rsync", "-a", "--delete", *args], capture_output=True,
                              text=True, timeout=RSYNC_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PublishError(f"the copy took over {RSYNC_TIMEOUT} s") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
        raise PublishError(f"the copy failed: {reason}")


def _to_folder(source: Path, folder: Path, keep: int, started: float) -> None:
    if folder.resolve() == source.parent.resolve():
        raise PublishError("this is the index folder the build comes from")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot use {folder}: {exc.strerror or exc}") from None
    try:
        with IndexLock(folder, "publish"):
            _copy_and_switch(source, folder, keep)
    except IndexBusy as exc:
        raise PublishError(str(exc)) from None
    outcomes.record(folder, "received", version=source.name,
                seconds=round(time.perf_counter() - started, 3))


def _copy_and_switch(source: Path, folder: Path, keep: int) -> None:
    """Under the folder's lock: a rebuild there would remove our copy."""
    final = folder / source.name
    if final.is_dir():  # published before: only switch (again)
        _check(final)
    else:
        tmp = folder / f"{source.name}.tmp"
        try:
            _rsync([f"{source}/", f"{tmp}/"])
            _check(tmp)
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        switch(folder, source.name)
    except OSError as exc:
        raise PublishError(f"cannot switch {folder / CURRENT}: {exc.strerror or exc}") from None
    prune(folder, keep)


def _check(build: Path) -> None:
    """The copy opens as a build does in a replica (meta, every index file)."""
    try:
        Snapshot(build).close()
    except IndexUnavailable as exc:
        raise PublishError(f"the copy does not open: {exc}") from None


def _to_host(source: Path, host: str, path: str, keep: int, started: float) -> None:
    """The same steps on another machine, through rsync and ssh: copy under
    a temporary name (not ``build-*.tmp``, which a rebuild there removes),
    then, holding the folder's lock as a rebuild does (util-linux flock),
    rename, switch with a renamed symlink, prune."""
    name = source.name
    folder = shlex.quote(path.rstrip("/") or "/")
    incoming = f".publish-{name}.tmp"
    _rsync(["--mkpath", f"{source}/", f"{host}:{path.rstrip('/')}/{incoming}/"])
    busy = shlex.quote(f"another rebuild or publish of {path} is running; wait for it to finish "
                       "and run this again")
    script = (f"set -e; cd {folder}; exec 9>>{LOCK_FILE}; "
              f"flock -n 9 || {{ echo {busy} >&2; exit 75; }}; "
              f"if [ -d {name} ]; then rm -rf {incoming}; else mv {incoming} {name}; fi; "
              f"test -f {name}/meta.json; ln -sfn {name} .{CURRENT}.publish; "
              f"mv -T .{CURRENT}.publish {CURRENT}; "
              f"{outcomes.received_script(name, time.perf_counter() - started)}; "
              f"ls -d build-* | grep -v -e '\\.tmp$' -e '^{name}$' | sort | head -n -{keep - 1} "
              f"| xargs -r rm -rf")
    try:
        done = subprocess.run(["ssh", "-o", "BatchMode=yes", host, script], capture_output=True,
                              text=True, timeout=RSYNC_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PublishError("switching on the host took too long") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
        raise PublishError(f"cannot switch on {host}: {reason}")
