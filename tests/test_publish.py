"""Publishing a build to replica folders: copied, checked, switched, pruned;
a destination that cannot take it keeps serving its old build."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from searchsvc import cli, create_app
from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import layout as index
from tests.conftest import write_corpus


def publish(*args):
    return CliRunner().invoke(cli.main, ["publish", *args])


@pytest.mark.system
def test_replicas_serve_what_is_published_and_keep_serving_on_failure(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": "标题\n第一版:罗湖的营商环境。"})
    indexer.build_index(folder, tmp_path / "main")
    first = index.current_path(tmp_path / "main").name
    replicas = [tmp_path / "r1", tmp_path / "r2"]
    r = publish(*map(str, replicas), "--index", str(tmp_path / "main"))
    assert r.exit_code == 0, r.output
    assert all(f"now serving {first}" in r.output for _ in replicas)
    apps = [create_app({"INDEX_DIR": str(p), "CORPUS_DIR": str(folder)}).test_client()
            for p in replicas]
    for app in apps:
        answer = app.get("/api/search?q=罗湖")
        assert answer.headers["X-Index-Version"] == first
        assert "第一版" in answer.get_json()["hits"][0]["text"]
    same = (tmp_path / "main" / first / "meta.json").read_bytes()
    assert all((p / first / "meta.json").read_bytes() == same for p in replicas)

    # a new build: the replicas switch on their next request, without a restart
    (folder / "a.txt").write_text("标题\n第二版:罗湖的营商环境。", encoding="utf-8")
    indexer.build_index(folder, tmp_path / "main")
    second = index.current_path(tmp_path / "main").name
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    r = publish(str(replicas[0]), str(blocked / "sub"), "nohost.invalid:/srv/index",
                str(replicas[1]), "--index", str(tmp_path / "main"), "--keep", "1")
    assert r.exit_code == 1
    assert f"{replicas[0]}: now serving {second}" in r.output
    assert f"{replicas[1]}: now serving {second}" in r.output
    assert f"{blocked / 'sub'}: not published: cannot use" in r.output
    assert "nohost.invalid:/srv/index: not published: the copy failed" in r.output
    assert "2 of 4 destination(s) failed" in r.output and "Traceback" not in r.output
    for app in apps:
        answer = app.get("/api/search?q=罗湖")
        assert answer.headers["X-Index-Version"] == second
        assert "第二版" in answer.get_json()["hits"][0]["text"]
    assert [b.name for b in sorted(replicas[0].glob("build-*"))] == [second]  # --keep 1
    assert not list(replicas[0].glob("*.tmp")) and not list(replicas[0].glob(".current*"))


@pytest.mark.system
def test_a_copy_that_does_not_open_is_never_switched_in(tmp_path, monkeypatch):
    from searchsvc.ops import publish as publishing

    folder = write_corpus(tmp_path / "c", {"a.txt": "标题\n内容。"})
    indexer.build_index(folder, tmp_path / "main")
    assert publish(str(tmp_path / "r"), "--index", str(tmp_path / "main")).exit_code == 0
    before = index.current_path(tmp_path / "r")
    (folder / "a.txt").write_text("标题\n新内容。", encoding="utf-8")
    indexer.build_index(folder, tmp_path / "main")
    real_rsync = publishing._rsync

    def partial_copy(args):  # the copy dies half way: a file missing
        real_rsync(args)
        next(Path(args[-1]).glob("*.paragraphs.*")).unlink()

    monkeypatch.setattr(publishing, "_rsync", partial_copy)
    r = publish(str(tmp_path / "r"), "--index", str(tmp_path / "main"))
    assert r.exit_code == 1 and "the copy does not open" in r.output
    assert index.current_path(tmp_path / "r") == before
    assert not list((tmp_path / "r").glob("*.tmp"))


def test_nothing_to_publish_and_bad_arguments_are_readable(tmp_path):
    r = publish(str(tmp_path / "r"), "--index", str(tmp_path / "none"))
    assert r.exit_code == 1 and "no index has been built" in r.output
    r = publish("--index", str(tmp_path / "none"))
    assert r.exit_code == 2 and "Missing argument" in r.output
    folder = write_corpus(tmp_path / "c", {"a.txt": "标题\n内容。"})
    indexer.build_index(folder, tmp_path / "main")
    r = publish(str(tmp_path / "main"), "--index", str(tmp_path / "main"))
    assert r.exit_code == 1 and "the index folder the build comes from" in r.output


@pytest.mark.system
def test_publish_and_rebuild_take_the_same_lock(tmp_path, monkeypatch):
    """A rebuild in the destination folder (another process) refuses a
    publish there, and a publish refuses a rebuild: each would remove the
    other's half-written build."""
    import subprocess
    import sys
    import time

    from searchsvc.ops import publish as publishing

    source = write_corpus(tmp_path / "c", {"a.txt": "标题\n发布的版本。"})
    indexer.build_index(source, tmp_path / "main")
    published = index.current_path(tmp_path / "main").name
    replica = tmp_path / "replica"
    local = write_corpus(tmp_path / "lc", {f"{k}.txt": f"标题{k}\n本地的版本{k}。" for k in range(6)})
    started = tmp_path / "started"
    script = (
        "import sys, time, pathlib\n"
        "from searchsvc.indexer import rebuild as indexer\n"
        "def progress(done, total, label):\n"
        "    pathlib.Path(sys.argv[3]).touch(); time.sleep(0.4)\n"
        "indexer.build_index(sys.argv[1], sys.argv[2], progress, full=True)\n")
    rebuild = subprocess.Popen([sys.executable, "-c", script, str(local), str(replica), str(started)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert rebuild.poll() is None and time.monotonic() < deadline, rebuild.stdout.read()
            time.sleep(0.05)
        r = publish(str(replica), "--index", str(tmp_path / "main"))
        assert r.exit_code == 1 and "Traceback" not in r.output
        assert "another rebuild or publish" in r.output and "(rebuild, process " in r.output
    finally:
        out = rebuild.communicate(timeout=60)[0]
    assert rebuild.returncode == 0, out
    rebuilt = index.current_path(replica).name
    assert rebuilt != published and (replica / rebuilt / "meta.json").is_file()

    # the other way round: a publish copying into the folder refuses a rebuild there
    refused = []

    def slow_rsync(args):
        try:
            indexer.build_index(local, replica)
        except indexer.RebuildInProgress as exc:
            refused.append(str(exc))
        real_rsync(args)

    real_rsync = publishing._rsync
    monkeypatch.setattr(publishing, "_rsync", slow_rsync)
    r = publish(str(replica), "--index", str(tmp_path / "main"))
    assert r.exit_code == 0, r.output
    assert refused and "(publish, process " in refused[0]
    assert index.current_path(replica).name == published
