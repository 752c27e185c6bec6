"""The JSON contract outside clients build on, and its errors."""

import pytest

from searchsvc import create_app

HIT_KEYS = {"id", "doc_id", "title", "section", "paragraph", "score", "snippet", "text", "url",
            "matches", "fragments", "page", "exact", "partial", "missing"}
TOP_KEYS = {"query", "total", "page", "per_page", "pages", "took_ms", "hits", "partial",
            "complete", "facets", "filters", "ignored_terms"}


def test_search_contract(client):
    r = client.get("/api/search", query_string={"q": "营商环境"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert TOP_KEYS <= set(body)
    assert body["query"] == "营商环境" and body["complete"] == 2 and body["total"] > 2
    assert (body["page"], body["per_page"], body["pages"]) == (1, 10, 1)
    assert isinstance(body["took_ms"], (int, float))
    hit = body["hits"][0]
    assert HIT_KEYS <= set(hit)
    assert hit["id"] == "luohu-2019#p10" and hit["doc_id"] == "luohu-2019"
    assert hit["title"] == "请回答2019!罗湖交出全面振兴答卷"
    assert hit["section"] == "答卷2" and hit["paragraph"] == 10
    assert "<mark>营商环境</mark>" in hit["snippet"]
    assert hit["text"].startswith("营商环境是一个城区的核心竞争力之一")
    assert "<mark>" not in hit["text"]
    assert hit["url"].startswith("/doc/luohu-2019?q=") and hit["url"].endswith("#p10")
    for start, end in hit["matches"]:
        assert hit["text"][start:end] == "营商环境"
    assert hit["exact"] and not hit["partial"] and hit["missing"] == []
    assert body["hits"][2]["missing"] == ["营商环境"] and body["hits"][2]["partial"]
    assert body["hits"][0]["score"] >= body["hits"][1]["score"]


def test_pagination_fields(client):
    body = client.get("/api/search?q=罗湖&per_page=5&page=2").get_json()
    assert body["page"] == 2 and body["per_page"] == 5
    assert body["pages"] == (body["total"] + 4) // 5 and len(body["hits"]) == 5
    last = client.get(f"/api/search?q=罗湖&per_page=5&page={body['pages']}").get_json()
    assert 1 <= len(last["hits"]) <= 5


@pytest.mark.parametrize("query,code", [
    ("", "missing_query"), ("q=", "missing_query"), ("q=%20%20", "missing_query"),
    ("q=罗湖&page=0", "invalid_page"), ("q=罗湖&page=-1", "invalid_page"),
    ("q=罗湖&page=abc", "invalid_page"), ("q=罗湖&page=1.5", "invalid_page"),
    ("q=罗湖&page=99999999999999999999", "invalid_page"),
    ("q=罗湖&per_page=0", "invalid_per_page"), ("q=罗湖&per_page=101", "invalid_per_page"),
    ("q=罗湖&per_page=x", "invalid_per_page"),
    ("q=" + "罗" * 1001, "query_too_long"), ("q=%00", "invalid_query"),
])
def test_bad_parameters_get_one_error_shape(client, query, code):
    r = client.get("/api/search?" + query)
    assert r.status_code == 400
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.post("/api/search?q=罗湖")
    assert r.status_code == 405 and "error" in r.get_json()


def test_documents_and_health(client):
    docs = client.get("/api/documents").get_json()
    assert docs["total"] == 1
    doc = docs["documents"][0]
    assert doc["doc_id"] == "luohu-2019" and doc["paragraphs"] == 34
    assert doc["source"] == "南方都市报" and doc["date"] == "2020-01-03"
    assert doc["author"] == "张一鎏" and doc["edition"] == "LS04"
    assert not {"at", "first", "digest"} & doc.keys() and doc["url"] == "/doc/luohu-2019"
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["documents"] == 1
    assert health["paragraphs"] == 34 and health["index_built_at"]


def test_without_an_index_health_is_503_and_search_says_why(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True})
    client = app.test_client()
    r = client.get("/healthz")
    assert r.status_code == 503 and r.get_json()["status"] == "unavailable"
    assert "rebuild" in r.get_json()["reason"]
    r = client.get("/api/search?q=罗湖")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "index_unavailable"
    page = client.get("/?q=罗湖")
    assert page.status_code == 503 and "索引暂不可用" in page.get_data(as_text=True)


def test_security_headers(client):
    r = client.get("/api/search?q=罗湖")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]


def test_suggest_completes_the_last_word_by_frequency(client):
    body = client.get("/api/suggest?q=粤港").get_json()
    words = [s["word"] for s in body["suggestions"]]
    assert "粤港澳大湾区" in words and "粤港澳" in words and "粤港" not in words
    counts = [s["count"] for s in body["suggestions"]]
    assert counts == sorted(counts, reverse=True)
    keep = client.get("/api/suggest?q=罗湖 营商").get_json()["suggestions"]
    assert keep[0]["text"] == "罗湖 营商环境"
    traditional = client.get("/api/suggest?q=營商").get_json()["suggestions"]
    assert traditional and traditional[0]["word"] == "营商环境"
    assert client.get("/api/suggest?q=").get_json()["suggestions"] == []
    assert client.get("/api/suggest?q=-罗").get_json()["suggestions"] == []
    assert client.get("/api/suggest?q=罗&limit=0").status_code == 400
    assert len(client.get("/api/suggest?q=罗&limit=2").get_json()["suggestions"]) == 2
