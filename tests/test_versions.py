"""Every answer names the build that gave it; repeated reads revalidate to 304."""

from searchsvc import create_app
from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import layout as index
from tests.conftest import write_corpus


def test_answers_name_their_build_and_revalidate_until_a_rebuild(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": "标题\n第一版:罗湖的营商环境。"})
    indexer.build_index(folder, tmp_path / "i")
    client = create_app({"CORPUS_DIR": str(folder), "INDEX_DIR": str(tmp_path / "i")}).test_client()
    first = index.current_path(tmp_path / "i").name

    health = client.get("/healthz")
    assert health.headers["X-Index-Version"] == first == health.get_json()["index_version"]
    r = client.get("/api/search?q=罗湖&per_page=5")
    assert r.headers["X-Index-Version"] == first
    tag = r.headers["ETag"]
    assert tag.startswith('W/"') and r.headers["Cache-Control"] == "public, no-cache"
    # the same query, parameters in another order and padded: the same tag, and a 304
    same = client.get("/api/search?per_page=5&q=罗湖%20", headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == tag
    assert client.get("/api/search?q=罗湖&per_page=6").headers["ETag"] != tag
    page = client.get("/?q=罗湖")
    assert page.headers["X-Index-Version"] == first and page.headers["ETag"] != tag
    assert client.get("/?q=罗湖", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    # nginx in front (deploy/) keeps what carries X-Accel-Expires, per version
    assert int(r.headers["X-Accel-Expires"]) > 0 and int(page.headers["X-Accel-Expires"]) > 0
    bad = client.get("/api/search?q=罗湖&page=0")  # an error is not kept
    assert bad.status_code == 400 and "ETag" not in bad.headers
    assert "X-Accel-Expires" not in bad.headers
    assert "X-Accel-Expires" not in health.headers and "X-Accel-Expires" not in \
        client.get("/metrics").headers

    (folder / "a.txt").write_text("标题\n第二版:罗湖的营商环境。", encoding="utf-8")
    indexer.build_index(folder, tmp_path / "i")
    second = index.current_path(tmp_path / "i").name
    assert second != first
    fresh = client.get("/api/search?q=罗湖&per_page=5", headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["X-Index-Version"] == second
    assert fresh.headers["ETag"] != tag and "第二版" in fresh.get_json()["hits"][0]["text"]


def test_no_index_no_version(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "CORPUS_DIR": str(tmp_path)}
                        ).test_client()
    r = client.get("/healthz")
    assert r.status_code == 503 and "X-Index-Version" not in r.headers


def test_head_carries_the_validators_of_get(tmp_path):
    folder = write_corpus(tmp_path / "c", {"a.txt": "标题\n罗湖的营商环境。"})
    indexer.build_index(folder, tmp_path / "i")
    client = create_app({"CORPUS_DIR": str(folder), "INDEX_DIR": str(tmp_path / "i")}).test_client()
    for path in ("/api/search?q=罗湖", "/?q=罗湖", "/api/suggest?q=罗", "/api/documents"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == 200 and head.data == b""
        for name in ("ETag", "Cache-Control", "X-Index-Version", "X-Accel-Expires",
                     "Content-Type"):
            assert head.headers[name] == get.headers[name], (path, name)
        again = client.head(path, headers={"If-None-Match": get.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == get.headers["ETag"]
