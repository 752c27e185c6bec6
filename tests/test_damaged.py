"""A damaged build answers 503 with the file named, never 500: every file
of a build truncated, emptied or overwritten with other bytes."""

from __future__ import annotations

import shutil

import pytest

from searchsvc import create_app
from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import layout as index
from tests.conftest import write_corpus

PATHS = ("/api/search?q=罗湖", "/api/search?q=改革", "/api/suggest?q=罗", "/?q=营商环境",
         "/doc/0", "/api/documents")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("damaged")
    corpus_dir = write_corpus(base / "c", {f"{k}.txt": f"标题{k}\n罗湖区营商环境第{k}段。\n\n深圳改革创新{k}。"
                                           for k in range(3)})
    indexer.build_index(corpus_dir, base / "i")
    return base, corpus_dir


def damaged_copy(built, tmp_path, name: str, how: str):
    base, corpus_dir = built
    shutil.copytree(base / "i", tmp_path / "i", symlinks=True)
    path = index.current_path(tmp_path / "i") / name
    data = path.read_bytes()
    path.write_bytes({"half": data[:len(data) // 2], "empty": b"",
                      "other": bytes(b ^ 0x5A for b in data)}[how])
    return create_app({"INDEX_DIR": str(tmp_path / "i"), "CORPUS_DIR": str(corpus_dir)}).test_client()


def build_files(built) -> list[str]:
    return sorted(p.name for p in index.current_path(built[0] / "i").iterdir()
                  if not p.name.endswith("LOCK"))


def test_meta_records_every_file_with_its_size(built):
    build = index.current_path(built[0] / "i")
    meta = index.Meta.read(build)
    assert set(meta.files) == set(build_files(built)) - {"meta.json"}
    assert all(meta.files[n] == (build / n).stat().st_size for n in meta.files)


@pytest.mark.parametrize("how", ["half", "empty"])
def test_a_shortened_file_is_named_by_healthz_and_every_answer(built, tmp_path, how):
    build = index.current_path(built[0] / "i")
    for name in build_files(built):
        if not (build / name).stat().st_size:  # nothing to shorten (no corpus places to keep)
            continue
        folder = tmp_path / f"{how}-{name}"
        client = damaged_copy(built, folder, name, how)
        health = client.get("/healthz")
        assert health.status_code == 503, name
        assert name in health.get_json()["reason"] and "rebuild" in health.get_json()["reason"]
        for path in PATHS:
            r = client.get(path)
            assert r.status_code == 503, (name, path, r.status_code)


def test_other_bytes_in_any_file_never_give_500(built, tmp_path):
    for name in build_files(built):
        client = damaged_copy(built, tmp_path / name, name, "other")
        for path in ("/healthz", *PATHS):
            r = client.get(path)
            assert r.status_code in (200, 404, 503), (name, path, r.status_code)
            if r.status_code == 503 and path.startswith("/api/"):
                assert r.get_json()["error"]["code"] == "index_unavailable"
