"""A user's own documents (#36): the index knows the folder it was read
from, so another folder gets its own index and never the old one."""

from __future__ import annotations

import json

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
