"""/metrics and the JSON access log, in process and across gunicorn's workers."""

import json
import re
import urllib.parse

import pytest

from searchsvc import create_app
from tests.conftest import fetch


def value(text: str, name: str, **labels) -> float:
    """A sample's value in Prometheus text (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + want + '}') if want else ''} (\S+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else 0.0


def test_metrics_move_with_requests(seed_dirs):
    corpus_dir, index_dir = seed_dirs
    client = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir)}).test_client()
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/api/search?q=营商环境&per_page=3")
    client.get("/api/search?q=营商环境&per_page=3")  # the same again: from the result cache
    client.get("/api/search?q=xyzzyqwv")  # nothing holds it, nor a piece of it
    client.get("/api/search?q=罗湖&page=0")  # a 400
    r = client.get("/metrics")
    after = r.get_data(as_text=True)
    assert r.mimetype == "text/plain"
    ok = dict(endpoint="web.api_search", status="200")
    assert value(after, "searchsvc_requests_total", **ok) - \
        value(before, "searchsvc_requests_total", **ok) == 3
    bad = dict(endpoint="web.api_search", status="400")
    assert value(after, "searchsvc_requests_total", **bad) - \
        value(before, "searchsvc_requests_total", **bad) == 1
    assert value(after, "searchsvc_zero_result_queries_total") - \
        value(before, "searchsvc_zero_result_queries_total") == 1
    assert value(after, "searchsvc_result_cache_total", outcome="hit") - \
        value(before, "searchsvc_result_cache_total", outcome="hit") >= 1
    assert value(after, "searchsvc_request_seconds_count", endpoint="web.api_search") > \
        value(before, "searchsvc_request_seconds_count", endpoint="web.api_search")
    version = client.get("/healthz").get_json()["index_version"]
    assert value(after, "searchsvc_index_info", version=version) == 1
    assert value(after, "searchsvc_index_paragraphs") == 34
    assert value(after, "searchsvc_index_documents") == 1
    assert value(after, "searchsvc_index_age_seconds") >= 0
    assert value(after, "searchsvc_index_build_seconds") > 0


def test_access_lines_are_json_without_the_client_unless_asked(seed_dirs, access_lines):
    corpus_dir, index_dir = seed_dirs
    for config in ({}, {"LOG_CLIENT_IP": True}):
        app = create_app(dict(config, CORPUS_DIR=str(corpus_dir), INDEX_DIR=str(index_dir)))
        app.test_client().get("/api/search?q=营商环境", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    plain, with_client = access_lines[-2:]
    assert plain["path"] == "/api/search" and plain["status"] == 200
    assert plain["query_length"] == 4 and plain["hits"] == 6 and plain["took_ms"] >= 0
    assert "client" not in plain and "10.1.2.3" not in json.dumps(plain)
    assert with_client["client"] == "10.1.2.3"


@pytest.mark.parametrize("proxies, logged", [(0, "127.0.0.1"), (1, "10.1.2.3")])
def test_behind_nginx_the_client_is_the_one_it_saw(seed_dirs, access_lines, proxies, logged):
    """SEARCHSVC_PROXIES=1 (as the cluster's replicas run) trusts nginx's
    X-Forwarded-For; without it a client could not forge its address."""
    corpus_dir, index_dir = seed_dirs
    app = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir),
                      "LOG_CLIENT_IP": True, "PROXIES": proxies})
    app.test_client().get("/api/search?q=罗湖", headers={"X-Forwarded-For": "10.1.2.3"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert access_lines[-1]["client"] == logged


@pytest.mark.system
def test_last_rebuild_and_publish_outcomes_are_metrics(tmp_path):
    """The commands leave their outcome in the index folder; the servers of
    the build's folder and of a replica's folder show it."""
    from searchsvc.indexer import rebuild as indexer
    from searchsvc.ingest.corpus import CorpusError
    from searchsvc.ops.publish import publish
    from tests.conftest import write_corpus

    def scrape(folder):
        app = create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(folder)})
        return app.test_client().get("/metrics").get_data(as_text=True)

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "标题\n罗湖的营商环境。"})
    main = tmp_path / "main"
    indexer.build_index(corpus, main)
    text = scrape(main)
    assert value(text, "searchsvc_rebuild_last_success") == 1
    assert value(text, "searchsvc_rebuild_last_seconds") > 0
    assert value(text, "searchsvc_rebuild_last_timestamp_seconds") > 1.7e9
    assert "searchsvc_publish_last_success" not in text

    (corpus / "a.txt").unlink()
    with pytest.raises(CorpusError):
        indexer.build_index(corpus, main)
    text = scrape(main)
    assert value(text, "searchsvc_rebuild_last_success") == 0
    assert value(text, "searchsvc_index_paragraphs") == 1  # the old build still serves

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    replica = tmp_path / "replica"
    publish(main, [str(replica), str(blocked / "sub")])
    text = scrape(main)
    assert value(text, "searchsvc_publish_last_success", destination=str(replica)) == 1
    assert value(text, "searchsvc_publish_last_success", destination=str(blocked / "sub")) == 0
    assert value(text, "searchsvc_publish_last_seconds", destination=str(replica)) > 0
    text = scrape(replica)
    assert value(text, "searchsvc_publish_received_last_success") == 1
    assert value(text, "searchsvc_publish_received_last_timestamp_seconds") > 1.7e9
    assert "searchsvc_rebuild_last_success" not in text


@pytest.mark.server
def test_metrics_count_every_worker(tmp_path, seed_text, start_server):
    """Searches from eight threads at once, in batches until the access log
    shows both workers answering; /metrics then counts every request made,
    whichever worker answers it."""
    from concurrent.futures import ThreadPoolExecutor

    base, _, _ = start_server(tmp_path, {"luohu-2019.txt": seed_text}, workers=2)
    before = fetch(base, "/metrics")[2]
    log = tmp_path / "gunicorn.log"

    def searches():
        return [json.loads(line) for line in log.read_text(errors="replace").splitlines()
                if line.startswith("{") and '"/api/search"' in line]

    def one(i):
        return fetch(base, "/api/search?q=" + urllib.parse.quote(f"罗湖 {i}"))[0]

    made = 0
    with ThreadPoolExecutor(8) as pool:
        for _ in range(20):
            assert set(pool.map(one, range(made, made + 40))) == {200}
            made += 40
            if len({s["worker"] for s in searches()}) == 2:
                break
    assert len({s["worker"] for s in searches()}) == 2
    after = fetch(base, "/metrics")[2]
    ok = dict(endpoint="web.api_search", status="200")
    assert value(after, "searchsvc_requests_total", **ok) - \
        value(before, "searchsvc_requests_total", **ok) == made == len(searches())
    assert all("client" not in s and s["query_length"] >= 4 for s in searches())
