"""The benchmark harness runs end to end on a tiny corpus (figures unchecked)."""

import json
import sys

import pytest

from tests.conftest import ROOT, SEED, write_corpus


@pytest.mark.server
@pytest.mark.system
@pytest.mark.browser  # the extraction figures print the report as a PDF
def test_bench_harness_runs_on_a_tiny_corpus(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench

    corpus_dir = write_corpus(tmp_path / "tiny", {
        "luohu-2019.txt": SEED.read_text(encoding="utf-8"),
        "note.txt": "笔记\n营商环境的第二份材料。\n罗湖的另一段。",
    })
    out = tmp_path / "latest.json"
    assert bench.main(["--corpus", str(corpus_dir), "--runs", "1", "--passes", "2",
                       "--http-seconds", "1", "--log-seconds", "1", "--concurrency", "2",
                       "--extraction", "1", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    tiny = data["corpora"]["tiny"]
    assert tiny["build"]["paragraphs"] == 36 and tiny["queries"] >= 200
    assert tiny["search"]["repeat"]["p99"]["median"] > 0
    assert tiny["long_queries_max_ms"] > 0
    assert tiny["fts5"]["repeat"]["p50"]["median"] > 0 and tiny["ratio_to_fts5"]["p50"] > 0
    assert tiny["http"]["load"]["requests"] > 0 and tiny["http"]["load"]["errors"] == 0
    assert tiny["http"]["workers"] >= 1 and tiny["http"]["worker_rss_mb"] > 0
    assert tiny["incremental"]["seconds"]["runs"] == 1
    assert tiny["incremental"]["differences_from_full"] == 0
    reading = data["extraction"]  # every format read to the report's 34 paragraphs
    assert set(reading) == {"txt", "md", "html", "docx", "pdf"}
    assert all(r["paragraphs"] == 34 and r["mb_per_s"] > 0 for r in reading.values())
    assert reading["pdf"]["pages"] >= 3 and reading["pdf"]["pages_per_s"] > 0
    assert data["machine"]["cpus"] >= 1
    log = tiny["log"]
    assert log["distinct"] > 100 and log["lines"] == 20000
    for system in ("searchsvc", "searchsvc_sync", "fts5"):
        assert log[system]["log"]["requests"] > 0 and log[system]["log"]["errors"] == 0
        assert log[system]["questions"]["requests"] > 0
        cold = log[system]["cold"]  # each distinct query once, on a fresh server
        assert cold["requests"] == log["distinct"] - 1 and cold["errors"] == 0
        assert 0 < cold["first_answer_after_listen_s"] <= cold["first_answer_s"]
    # gevent workers serve the log with idle connections held open
    held = log["searchsvc"]["log_held"]
    assert held["requests"] > 0 and held["errors"] == 0
    assert "log_held" in log["searchsvc_sync"]  # measured, whatever it gives
    assert log["ratios"]["rps"] > 0 and log["ratios_sync"]["rps"] > 0
    assert tiny["build_share"] > 0
    assert log["ratios"]["cold_rps"] > 0 and log["ratios"]["pss"] > 0
    ceiling = tiny["ceiling"]  # the frequent-word list against a bare Flask app
    assert ceiling["bare_flask"]["requests"] > 0 and ceiling["bare_flask"]["errors"] == 0
    assert ceiling["searchsvc"]["errors"] == 0 and ceiling["share"] > 0


def test_anchors_run_the_engine_alone_beside_whatever_anchor_is_installed(tmp_path):
    """bench/anchors.py: the engine alone on the log; an anchor missing
    here (make test does not install them) is reported, not guessed."""
    sys.path.insert(0, str(ROOT / "bench"))
    import anchors

    corpus_dir = write_corpus(tmp_path / "tiny", {"luohu-2019.txt": SEED.read_text("utf-8")})
    out = tmp_path / "anchors.json"
    assert anchors.main(["--corpus", str(corpus_dir), "--lines", "300", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["paragraphs"] == 34 and data["lines"] == 300
    assert data["searchsvc"]["p99"] > 0 and data["searchsvc"]["lines"] == 300
    for anchor in ("xapian", "tantivy"):
        assert "missing" in data[anchor] or data[anchor]["lines"] == 300


@pytest.mark.server
@pytest.mark.system
def test_cluster_bench_runs_every_setup(tmp_path):
    """bench/cluster.py: every setup answers the log without an error; the
    cached setups are served mostly by nginx."""
    sys.path.insert(0, str(ROOT / "bench"))
    import cluster as cluster_bench

    corpus_dir = write_corpus(tmp_path / "tiny", {"luohu-2019.txt": SEED.read_text("utf-8")})
    out = tmp_path / "cluster.json"
    assert cluster_bench.main(["--corpus", str(corpus_dir), "--lines", "1000", "--workers", "1",
                               "--concurrency", "2", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["peer"]["requests"] > 0 and data["peer"]["errors"] == 0
    assert set(data["setups"]) == {name for name, *_ in cluster_bench.SETUPS}
    for name, setup in data["setups"].items():
        assert setup["requests"] > 0 and setup["errors"] == 0, name
        assert setup["metrics_ms"]["server_mean"] > 0
    # each line once (wrk may count the last few in flight when it stops)
    assert all(1000 <= s["requests"] <= 1002 for s in data["setups"].values())
    assert data["setups"]["nginx + cache, 3 replicas"]["cache_hits"] > 0.5
    assert data["setups"]["nginx + cache, 1 replica"]["second_pass"]["errors"] == 0
    assert data["setups"]["nginx, 3 replicas"]["cache_hits"] == 0


def test_known_items_compares_coverage_powers_on_a_corpus(tmp_path, capsys):
    """bench/known_items.py: queries drawn from the seed's own paragraphs
    find them; one line per coverage power, the setting restored after."""
    sys.path.insert(0, str(ROOT / "bench"))
    import known_items

    from searchsvc.engine import order

    before = order.COVERAGE
    corpus_dir = write_corpus(tmp_path / "seed", {"luohu-2019.txt": SEED.read_text(encoding="utf-8")})
    assert known_items.main([str(corpus_dir), "--queries", "40", "--coverage", "0,0.5"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [line[2] for line in lines] == ["0.0", "0.5"]
    assert all(float(line[4]) > 0.5 for line in lines)  # MRR@10 of queries made from the text
    assert order.COVERAGE == before
