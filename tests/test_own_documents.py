"""A user's own documents (#36): the index knows the folder it was read
from, so another folder gets its own index and never the old one."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchsvc import cli, create_app
from searchsvc.storage import layout
from tests.conftest import write_corpus


def rebuild(*args):
    return CliRunner().invoke(cli.main, ["rebuild", *args])


def test_another_folder_is_built_for_not_served_the_old_index(tmp_path):
    sample = write_corpus(tmp_path / "sample", {"luohu.txt": "罗湖报告\n罗湖营商环境持续优化。"})
    mine = write_corpus(tmp_path / "reports", {"gwr-2024.txt": "政府工作报告\n新质生产力加快发展。"})
    index = str(tmp_path / "index")
    first = rebuild("--if-missing", "--corpus", str(sample), "--index", index)
    assert first.exit_code == 0 and layout.built_from(index) == str(sample.resolve())
    again = rebuild("--if-missing", "--corpus", str(sample), "--index", index)
    assert again.exit_code == 0 and f"index of {sample.resolve()} already built" in again.output
    other = rebuild("--if-missing", "--corpus", str(mine), "--index", index)
    assert other.exit_code == 0, other.output
    assert f"holds {sample.resolve()}, not {mine.resolve()}: building it for" in other.output
    assert "full rebuild: indexed 1 documents" in other.output
    assert layout.built_from(index) == str(mine.resolve())
    client = create_app({"CORPUS_DIR": str(mine), "INDEX_DIR": index, "TESTING": True}).test_client()
    health = json.loads(client.get("/healthz").get_data(as_text=True))
    assert health["corpus"] == str(mine.resolve()) and health["documents"] == 1
    page = client.get("/").get_data(as_text=True)
    assert "语料：reports" in page and "政府工作报告" in page and "罗湖报告" not in page
    assert client.get("/doc/gwr-2024/file").status_code == 200  # its originals are there
    # a plain rebuild of yet another folder starts afresh too, never mixing the two
    both = rebuild("--corpus", str(sample), "--index", index)
    assert "full rebuild" in both.output and layout.built_from(index) == str(sample.resolve())


def test_a_build_from_before_the_corpus_was_recorded_is_kept(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.txt": "标题\n内容。"})
    index = tmp_path / "index"
    assert rebuild("--corpus", str(corpus), "--index", str(index)).exit_code == 0
    build = layout.current_path(index)
    meta = json.loads((build / "meta.json").read_text(encoding="utf-8"))
    del meta["corpus"]
    (build / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    kept = rebuild("--if-missing", "--corpus", str(corpus), "--index", str(index))
    assert "already built" in kept.output and layout.current_path(index) == build


def test_a_corpus_tree_is_read_whole_and_every_skip_is_named(tmp_path, monkeypatch):
    from searchsvc.ingest import corpus as corpus_module

    folder = write_corpus(tmp_path / "reports", {
        "top.txt": "顶层报告\n营商环境。",
        "2023/gwr.txt": "2023年报告\n新质生产力。",
        "省级/广东/gd.md": "# 广东报告\n\n粤港澳大湾区。",
        "省级/_notes.txt": "子目录里以下划线开头的文件也是文档\n正文。",
        ".git/config": "[core]",
        ".hidden.txt": "隐藏\n不该读。",
        "2023/~$gwr.docx": "锁文件",
        "2023/gwr.txt~": "编辑器备份\n不该读。",
        "2023/#gwr.txt#": "编辑器\n不该读。",
        "drafts/草稿.txt": "草稿\n不该读。",
        "2023/big.txt": "大文件\n" + "字" * 300,
        "old.bak": "备份\n不该读。",
        ".searchignore": "# drafts are not published\ndrafts\n*.bak\n",
        "_metadata.csv": "file,source\n2023/gwr.txt,国务院\n",
    })
    (folder / "2023" / "gone.txt").symlink_to(folder / "nowhere.txt")
    (folder / "省级" / "loop").symlink_to(folder)
    monkeypatch.setattr(corpus_module, "MAX_FILE_BYTES", 500)
    index = tmp_path / "index"
    result = rebuild("--corpus", str(folder), "--index", str(index))
    assert result.exit_code == 0, result.output
    client = create_app({"CORPUS_DIR": str(folder), "INDEX_DIR": str(index),
                         "TESTING": True}).test_client()
    documents = {d["doc_id"]: d for d in client.get("/api/documents").get_json()["documents"]}
    assert sorted(documents) == ["2023-gwr", "top", "省级-_notes", "省级-广东-gd"]
    assert documents["2023-gwr"]["file"] == "2023/gwr.txt"
    assert documents["2023-gwr"]["source"] == "国务院"  # the table names it by its path
    for expected in ("2023/gone.txt: a broken symbolic link", "drafts: ignored: .searchignore pattern 'drafts'",
                     "old.bak: ignored: .searchignore pattern '*.bak'",
                     "2023/big.txt: file of", "省级/loop: a linked folder met before"):
        path, _, reason = expected.partition(": ")
        assert f"skipped {folder / path}: {reason}" in result.output, (expected, result.output)
    for quiet in (".git", ".hidden", "~$gwr", "gwr.txt~", "#gwr", "草稿"):
        assert quiet not in result.output.replace(".searchignore", "")
    original = client.get("/doc/2023-gwr/file")
    assert original.status_code == 200 and "新质生产力" in original.get_data(as_text=True)
    page = client.get("/api/search?q=粤港澳大湾区").get_json()
    assert page["hits"][0]["doc_id"] == "省级-广东-gd"
    again = rebuild("--corpus", str(folder), "--index", str(index))
    assert "nothing changed since the last rebuild" in again.output  # ids and files are stable
    (folder / "省级" / "广东" / "gd.md").write_text("# 广东报告\n\n大湾区建设。", encoding="utf-8")
    changed = rebuild("--corpus", str(folder), "--index", str(index))
    assert changed.exit_code == 0 and "nothing changed" not in changed.output
    hits = client.get("/api/search?q=大湾区建设").get_json()["hits"]
    assert hits[0]["doc_id"] == "省级-广东-gd" and hits[0]["exact"]


def test_metrics_answer_this_machine_only_unless_opened(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.txt": "标题\n内容。"})
    assert rebuild("--corpus", str(corpus), "--index", str(tmp_path / "i")).exit_code == 0
    for setting, local, remote in (("local", 200, 404), ("open", 200, 200), ("off", 404, 404)):
        app = create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(tmp_path / "i"),
                          "TESTING": True, "METRICS": setting})
        client = app.test_client()
        assert client.get("/metrics").status_code == local, setting  # from 127.0.0.1
        far = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert far.status_code == remote, setting
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == local


def _make_run(tmp_path, corpus_dir, index_dir, name):
    """`make run` as the README gives it, with SEARCHSVC_CORPUS set to the
    user's folder; the venv is this test run's own (make finds it
    installed), and the server is stopped with its process group."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path
    from urllib.parse import quote

    from tests.conftest import fetch, free_port

    root = Path(__file__).resolve().parent.parent
    venv = Path(sys.executable).parent.parent
    if not (venv / ".installed").exists():
        pytest.skip(f"{venv} was not made by `make install`")
    port = free_port()
    env = dict(os.environ, SEARCHSVC_CORPUS=str(corpus_dir), SEARCHSVC_INDEX=str(index_dir),
               WEB_CONCURRENCY="1", GUNICORN_ACCESSLOG="/dev/null")
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["make", "-C", str(root), "run", f"VENV={venv}", f"PORT={port}"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 90
    try:
        while True:
            try:
                if fetch(base, "/healthz")[0] == 200:
                    return json.loads(fetch(base, "/healthz")[2]), fetch(base, "/api/search?q=" + quote("新质生产力")), \
                        log.read_text(errors="replace")
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("make run did not serve:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.server
def test_make_run_with_a_second_folder_serves_that_folder(tmp_path):
    sample = write_corpus(tmp_path / "sample", {"luohu.txt": "罗湖报告\n罗湖营商环境持续优化。"})
    mine = write_corpus(tmp_path / "reports", {"2024/gwr.txt": "政府工作报告\n新质生产力加快发展。"})
    index = tmp_path / "index"
    health, _, _ = _make_run(tmp_path, sample, index, "first")
    assert health["corpus"] == str(sample.resolve())
    health, (status, _, body), log = _make_run(tmp_path, mine, index, "second")
    assert health["corpus"] == str(mine.resolve()) and health["documents"] == 1
    assert f"not {mine.resolve()}: building it for" in log
    assert status == 200 and json.loads(body)["hits"][0]["doc_id"] == "2024-gwr"
