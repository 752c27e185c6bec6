"""``searchsvc watch``: one rebuild per burst of changes, nothing lost."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from searchsvc.engine.search import search
from searchsvc.engine.snapshot import open_current
from searchsvc.indexer import rebuild as indexer
from searchsvc.indexer.watch import Bursts, watch
from tests.conftest import write_corpus


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_burst_ends_when_the_folder_is_quiet_or_has_waited_long_enough():
    clock = Clock()
    bursts = Bursts(quiet=1.0, longest=5.0, clock=clock)
    assert bursts.ready() is None
    for k in range(5):  # five changes 0.3 s apart: one burst
        bursts.changed(f"/c/{k % 3}.txt")
        clock.now += 0.3
    assert bursts.ready() == pytest.approx(0.7)
    clock.now += 0.7
    assert bursts.next() == ["/c/0.txt", "/c/1.txt", "/c/2.txt"]
    assert bursts.ready() is None
    first = clock.now
    while clock.now < first + 5.0:  # a folder that never rests: due 5 s after its first change
        bursts.changed("/c/busy.txt")
        assert bursts.ready() > 0
        clock.now += 0.5
    bursts.changed("/c/busy.txt")
    assert bursts.ready() == 0.0 and bursts.next() == ["/c/busy.txt"]


def test_next_returns_nothing_once_stopped():
    stop = threading.Event()
    bursts = Bursts(quiet=0.05)
    threading.Timer(0.1, stop.set).start()
    assert bursts.next(stop) == []


def _found(index_dir, word) -> int:
    snap = open_current(index_dir)
    try:
        return search(snap, word).total
    finally:
        snap.close()


def test_a_burst_of_thirty_files_is_one_rebuild_and_a_file_written_meanwhile_the_next(tmp_path):
    folder = write_corpus(tmp_path / "corpus", {"a.txt": "标题\n罗湖的营商环境。"})
    index_dir = tmp_path / "index"
    indexer.build_index(folder, index_dir)
    builds, stop, watching = [], threading.Event(), threading.Event()
    late = threading.Event()

    def rebuild(paths):
        builds.append(paths)
        if len(builds) == 1:  # a file arrives while the first rebuild runs
            (folder / "late.txt").write_text("迟到\n迟到的报告写到了深圳湾。", encoding="utf-8")
            late.set()
        indexer.build_index(folder, index_dir)

    thread = threading.Thread(target=watch, args=(folder, index_dir, rebuild, Bursts(quiet=1.0),
                                                  stop, watching.set), daemon=True)
    thread.start()
    assert watching.wait(10)
    sub = folder / "2024"
    sub.mkdir()
    for k in range(30):
        (sub / f"r{k}.txt").write_text(f"报告{k}\n第{k}号报告写到了前海合作区。", encoding="utf-8")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(builds) < 2 or _found(index_dir, "深圳湾") < 1):
        time.sleep(0.2)
    time.sleep(1.0)  # nothing more comes
    stop.set()
    thread.join(10)
    assert late.is_set() and len(builds) == 2, builds
    assert sum(p.endswith(".txt") for p in builds[0]) == 30
    assert any(p.endswith("late.txt") for p in builds[1])
    assert _found(index_dir, "前海合作区") == 30 and _found(index_dir, "深圳湾") == 1


def test_changes_inside_an_index_kept_in_the_corpus_folder_are_not_changes(tmp_path):
    folder = write_corpus(tmp_path / "corpus", {"a.txt": "标题\n罗湖的营商环境。"})
    index_dir = folder / "_index"
    indexer.build_index(folder, index_dir)
    builds, stop, watching = [], threading.Event(), threading.Event()

    def rebuild(paths):
        builds.append(paths)
        indexer.build_index(folder, index_dir, full=True)  # writes a whole new build inside

    thread = threading.Thread(target=watch, args=(folder, index_dir, rebuild, Bursts(quiet=0.3),
                                                  stop, watching.set), daemon=True)
    thread.start()
    assert watching.wait(10)
    (folder / "b.txt").write_text("标题\n福田的营商环境。", encoding="utf-8")
    time.sleep(3)
    stop.set()
    thread.join(10)
    assert len(builds) == 1 and builds[0] == [str(folder / "b.txt")]


class Command:
    """``searchsvc watch`` in its own process over a one-file corpus: its
    output lines so far, read ``until`` one starts as asked."""

    def __init__(self, tmp_path):
        self.folder = write_corpus(tmp_path / "corpus", {"a.txt": "标题\n罗湖的营商环境。"})
        self.index_dir = tmp_path / "index"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "searchsvc.cli", "watch", "--corpus", str(self.folder),
             "--index", str(self.index_dir), "--quiet", "0.3"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def until(self, start: str) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith(start):
                return

    def stop(self, sig) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(20)


def test_the_command_indexes_what_changed_until_interrupted(tmp_path):
    watch = Command(tmp_path)
    try:
        watch.until("watching")  # the first build, then watching
        assert _found(watch.index_dir, "罗湖") == 1
        (watch.folder / "b.txt").write_text("标题\n福田的营商环境。", encoding="utf-8")
        watch.until("index:")
        assert _found(watch.index_dir, "福田") == 1
        lines = watch.lines
        after = lines[next(i for i, line in enumerate(lines) if "1 change(s)" in line):]
        assert any("rebuild: indexed" in line and "the index has 2 documents" in line
                   for line in after), lines
    finally:
        assert watch.stop(signal.SIGINT) == 0
    assert os.path.isdir(watch.index_dir)


def test_a_rebuild_that_fails_is_said_and_the_watch_goes_on(tmp_path):
    """The folder emptied: the rebuild is refused with its reason, the index
    served stays, and the next change is indexed."""
    watch = Command(tmp_path)
    try:
        watch.until("watching")
        (watch.folder / "a.txt").unlink()
        watch.until("rebuild failed")
        assert "no documents in corpus folder" in watch.lines[-1]
        assert _found(watch.index_dir, "罗湖") == 1
        (watch.folder / "b.txt").write_text("标题\n福田的营商环境。", encoding="utf-8")
        watch.until("index:")
        assert _found(watch.index_dir, "福田") == 1 and _found(watch.index_dir, "罗湖") == 0
    finally:
        assert watch.stop(signal.SIGTERM) == 0  # as systemd and docker stop it
