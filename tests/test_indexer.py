"""Rebuilds switch atomically, keep the previous build and refuse to overlap."""

import os

import pytest

from searchsvc import corpus, indexer
from searchsvc import search as S


def test_rebuild_switches_current_and_keeps_the_previous_build(make_index):
    corpus_dir, index_dir, first = make_index({"a.txt": "标题\n第一版的内容。"})
    assert indexer.current_path(index_dir) == indexer.Path(first.path).resolve()
    snap = indexer.open_snapshot(index_dir)
    assert S.search(snap, "第一版").total == 1

    (corpus_dir / "a.txt").write_text("标题\n第二版的内容。", encoding="utf-8")
    second = indexer.build_index(corpus_dir, index_dir)
    builds = sorted(p.name for p in index_dir.glob("build-*"))
    assert len(builds) == 2 and os.path.basename(second.path) in builds
    # the same process sees the new build on its next call, without a restart
    snap2 = indexer.open_snapshot(index_dir)
    assert snap2 is not snap
    assert S.search(snap2, "第二版").total == 1 and S.search(snap2, "第一版").total == 0

    third = indexer.build_index(corpus_dir, index_dir)
    builds = sorted(p.name for p in index_dir.glob("build-*"))
    assert builds == sorted([os.path.basename(second.path), os.path.basename(third.path)])


def test_a_second_rebuild_is_refused_while_one_runs(make_index):
    corpus_dir, index_dir, _ = make_index({"a.txt": "标题\n内容。"})
    with indexer._RebuildLock(index_dir):
        with pytest.raises(indexer.RebuildInProgress, match="another rebuild"):
            indexer.build_index(corpus_dir, index_dir)
    indexer.build_index(corpus_dir, index_dir)  # free again afterwards


def test_a_killed_rebuilds_leftovers_are_cleaned_and_never_served(make_index):
    corpus_dir, index_dir, first = make_index({"a.txt": "标题\n内容。"})
    stale = index_dir / "build-20000101T000000000000-1.tmp"
    stale.mkdir()
    (stale / "junk").write_text("half written")
    assert indexer.current_path(index_dir) == indexer.Path(first.path).resolve()
    indexer.build_index(corpus_dir, index_dir)
    assert not stale.exists()


def test_failed_build_leaves_the_current_index(make_index, monkeypatch):
    corpus_dir, index_dir, first = make_index({"a.txt": "标题\n内容。"})

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(indexer, "_write_json", boom)
    with pytest.raises(RuntimeError):
        indexer.build_index(corpus_dir, index_dir)
    assert indexer.current_path(index_dir) == indexer.Path(first.path).resolve()
    assert not list(index_dir.glob("*.tmp"))


def test_missing_and_damaged_indexes_are_reported(tmp_path, make_index):
    with pytest.raises(indexer.IndexUnavailable, match="no index has been built"):
        indexer.open_snapshot(tmp_path / "none")
    _, index_dir, report = make_index({"a.txt": "标题\n内容。"})
    indexer.forget_snapshots()
    for toc in indexer.Path(report.path).glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(indexer.IndexUnavailable, match="damaged"):
        indexer.open_snapshot(index_dir)


def test_bad_files_are_skipped_and_reported(make_index):
    _, _, report = make_index({"good.txt": "标题\n好的内容。", "bad.txt": b"\x00\x01\x02",
                               "empty.txt": ""})
    assert report.documents == 1
    assert sorted(os.path.basename(s.path) for s in report.skipped) == ["bad.txt", "empty.txt"]


def test_an_unreadable_corpus_builds_nothing(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "bad.txt").write_bytes(b"\x00")
    with pytest.raises(corpus.CorpusError, match="no readable document"):
        indexer.build_index(tmp_path / "c", tmp_path / "i")
    assert indexer.current_path(tmp_path / "i") is None


def test_a_parallel_build_equals_an_in_process_one(tmp_path, monkeypatch, seed_text):
    from tests.conftest import own_snapshot, write_corpus

    paras = [line for line in seed_text.splitlines() if len(line) > 40]
    files = {f"d{i}.txt": f"文档{i}\n" + "\n".join(paras[i % 7:]) for i in range(12)}
    corpus_dir = write_corpus(tmp_path / "c", files)
    snaps = []
    for threshold, name in ((10**9, "serial"), (1, "parallel")):
        monkeypatch.setattr(indexer, "PARALLEL_FROM", threshold)
        indexer.build_index(corpus_dir, tmp_path / name)
        snaps.append(own_snapshot(tmp_path / name))
    serial, parallel = snaps
    lexicon = [list(s.searcher.reader().lexicon("text")) for s in snaps]
    assert lexicon[0] == lexicon[1]
    for term in (b"\xe7\xbd\x97\xe6\xb9\x96", b"pm2.5"):  # 罗湖, pm2.5
        postings = [list(s.searcher.reader().postings("text", term).items_as("frequency"))
                    for s in snaps]
        assert postings[0] == postings[1]
    assert [serial.literals.texts[n] for n in range(len(serial.literals.texts))] == \
        [parallel.literals.texts[n] for n in range(len(parallel.literals.texts))]
    for q in ("罗湖", "营商环境 改革", '"一半山水一半城"', "湾区"):
        a, b = S.search(serial, q, per_page=50), S.search(parallel, q, per_page=50)
        assert [(h.id, round(h.score, 6)) for h in a.hits] == \
            [(h.id, round(h.score, 6)) for h in b.hits]
