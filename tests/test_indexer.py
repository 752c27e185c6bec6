"""Rebuilds switch atomically, keep the previous build and refuse to overlap."""

import json
import os
import random
from pathlib import Path

import pytest

from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import parts
from searchsvc.indexer import plan as changes
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest import corpus
from searchsvc.storage import grams
from searchsvc.storage import layout as index
from tests.conftest import own_snapshot, snippet_of, write_corpus


def test_rebuild_switches_current_and_keeps_the_previous_build(make_index):
    corpus_dir, index_dir, first = make_index({"a.txt": "标题\n第一版的内容。"})
    assert index.current_path(index_dir) == Path(first.path).resolve()
    held = snapshots.Snapshots()  # what the web app holds per process
    snap = held.acquire(index_dir)
    again = held.acquire(index_dir)
    assert again is snap  # nothing changed: the same open build
    again.release()
    assert S.search(snap, "第一版").total == 1

    (corpus_dir / "a.txt").write_text("标题\n第二版的内容。", encoding="utf-8")
    second = indexer.build_index(corpus_dir, index_dir)
    builds = sorted(p.name for p in index_dir.glob("build-*"))
    assert len(builds) == 2 and os.path.basename(second.path) in builds
    # the same process sees the new build on its next call, without a restart
    snap2 = held.acquire(index_dir)
    assert snap2 is not snap and snap2.path == Path(second.path).resolve()
    assert S.search(snap2, "第二版").total == 1 and S.search(snap2, "第一版").total == 0
    # the old build stays open for the request still using it, then closes
    assert not snap.closed and S.search(snap, "第一版").total == 1
    snap.release()
    assert snap.closed and not snap2.closed
    snap2.release()

    unchanged = indexer.build_index(corpus_dir, index_dir)  # nothing to do: no new build
    assert unchanged.mode == "unchanged" and unchanged.path == second.path
    third = indexer.build_index(corpus_dir, index_dir, full=True)
    builds = sorted(p.name for p in index_dir.glob("build-*"))
    assert builds == sorted([os.path.basename(second.path), os.path.basename(third.path)])


def test_a_second_rebuild_is_refused_while_one_runs(make_index):
    corpus_dir, index_dir, _ = make_index({"a.txt": "标题\n内容。"})
    with index.IndexLock(index_dir, "rebuild"):
        with pytest.raises(indexer.RebuildInProgress, match="another rebuild"):
            indexer.build_index(corpus_dir, index_dir)
    indexer.build_index(corpus_dir, index_dir)  # free again afterwards


def test_a_killed_rebuilds_leftovers_are_cleaned_and_never_served(make_index):
    corpus_dir, index_dir, first = make_index({"a.txt": "标题\n内容。"})
    stale = index_dir / "build-20000101T000000000000-1.tmp"
    stale.mkdir()
    (stale / "junk").write_text("half written")
    assert index.current_path(index_dir) == Path(first.path).resolve()
    indexer.build_index(corpus_dir, index_dir)
    assert not stale.exists()


def test_failed_build_leaves_the_current_index(make_index, monkeypatch):
    corpus_dir, index_dir, first = make_index({"a.txt": "标题\n内容。"})

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(index.Meta, "write", boom)
    (corpus_dir / "b.txt").write_text("标题\n新的。", encoding="utf-8")
    for full in (False, True):
        with pytest.raises(RuntimeError):
            indexer.build_index(corpus_dir, index_dir, full=full)
    assert index.current_path(index_dir) == Path(first.path).resolve()
    assert not list(index_dir.glob("*.tmp"))


def test_a_failure_in_a_part_process_fails_the_build_cleanly(make_index, monkeypatch):
    corpus_dir, index_dir, first = make_index(tie_corpus())

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parts, "jobs", lambda paragraphs: 2)
    monkeypatch.setattr(grams, "write", full_disk)  # runs in the forked processes
    with pytest.raises(OSError, match="No space left") as failed:
        indexer.build_index(corpus_dir, index_dir, full=True)
    # the part's own traceback comes along, naming where it failed
    assert "full_disk" in str(failed.value.__cause__) and "write_part" in str(failed.value.__cause__)
    assert index.current_path(index_dir) == Path(first.path).resolve()
    assert not list(index_dir.glob("*.tmp"))
    monkeypatch.undo()
    indexer.build_index(corpus_dir, index_dir, full=True)  # and the lock is free


def test_missing_and_damaged_indexes_are_reported(tmp_path, make_index):
    with pytest.raises(index.IndexUnavailable, match="no index has been built"):
        snapshots.open_current(tmp_path / "none")
    _, index_dir, report = make_index({"a.txt": "标题\n内容。"})
    for toc in Path(report.path).glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(index.IndexUnavailable, match="damaged"):
        snapshots.open_current(index_dir)


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
    assert index.current_path(tmp_path / "i") is None


def test_a_build_in_parts_equals_a_build_in_one(tmp_path, monkeypatch, seed_text):
    paras = [line for line in seed_text.splitlines() if len(line) > 40]
    files = {f"d{i}.txt": f"文档{i}\n" + "\n".join(paras[i % 7:]) for i in range(12)}
    corpus_dir = write_corpus(tmp_path / "c", files)
    snaps = []
    for jobs, name in ((1, "one"), (3, "three")):
        monkeypatch.setattr(parts, "jobs", lambda paragraphs, jobs=jobs: jobs)
        indexer.build_index(corpus_dir, tmp_path / name)
        snaps.append(own_snapshot(tmp_path / name))
        assert len(snaps[-1].meta.parts) == jobs == len(snaps[-1].words.part_sizes)
    assert_same_answers(*snaps, ["罗湖", "营商环境 改革", '"一半山水一半城"', "湾区", "文档3",
                                 "的 -罗湖", "section:聚焦"])
    assert [len(s.literals.texts) for s in snaps] == [sum(s.meta.docnums for s in snaps) // 2] * 2
    assert list(snaps[0].words.words("")) == list(snaps[1].words.words(""))


def assert_same_answers(a, b, queries, pages=(1, 2)):
    """Two snapshots of the same corpus answer alike: hits, scores, order,
    snippets, totals, facets, suggestions, documents."""
    for q in queries:
        for page in pages:
            ra, rb = S.search(a, q, page=page, per_page=10), S.search(b, q, page=page, per_page=10)
            assert (ra.total, ra.facets) == (rb.total, rb.facets), q
            assert [(h.id, round(h.score, 9), snippet_of(h), h.exact) for h in ra.hits] == \
                [(h.id, round(h.score, 9), snippet_of(h), h.exact) for h in rb.hits], (q, page)
        assert S.suggest(a, q[:1]) == S.suggest(b, q[:1]), q
    public = [{k: v for k, v in d.items() if k not in index.INTERNAL_KEYS}
              for d in (a.documents, b.documents) for d in d.values()]
    assert public[:len(a.documents)] == public[len(a.documents):]
    for doc_id in a.documents:
        assert a.paragraphs(doc_id) == b.paragraphs(doc_id)


def tie_corpus(n_docs=40):
    """Documents that share paragraphs (equal scores: ties to break) and a
    word or two of their own."""
    rng = random.Random(5)
    shared = ["罗湖区推进营商环境改革。", "湾区建设稳步推进,城区更新。", "一半山水一半城。",
              "基层治理体系现代化。", "民生实事逐项落实,营商环境持续优化。"]
    files = {}
    for d in range(n_docs):
        paras = [rng.choice(shared) for _ in range(rng.randint(2, 6))]
        paras.insert(rng.randrange(len(paras) + 1), f"文档{d}的编号是{d:04d}。")
        files[f"doc{d:03d}.txt"] = f"标题{d}\n" + "\n".join(paras)
    return files


QUERIES = ["营商环境", "罗湖", "一半山水", "城区 OR 基层", "营商 -湾区", "编号", "文档7",
           '"推进营商"', "的", "湾区建设 民生", "section:无", "新增", "改写", "doc:doc005 营商"]


def test_an_incremental_rebuild_answers_as_a_full_one(tmp_path):
    files = tie_corpus()
    corpus_dir = write_corpus(tmp_path / "c", files)
    index_dir = tmp_path / "i"
    assert indexer.build_index(corpus_dir, index_dir).mode == "full"
    # one changed, one new (sorting before others), one removed
    (corpus_dir / "doc003.txt").write_text("标题3改写\n改写后的段落,营商环境。\n一半山水一半城。",
                                          encoding="utf-8")
    (corpus_dir / "aaa.txt").write_text("新增\n新增的文件,罗湖区推进营商环境改革。", encoding="utf-8")
    (corpus_dir / "doc010.txt").unlink()
    report = indexer.build_index(corpus_dir, index_dir)
    assert (report.mode, report.indexed, report.removed) == ("incremental", 2, 2)
    incremental = own_snapshot(index_dir)
    assert incremental.meta.deleted > 0 and incremental.ranker.position is not None
    assert len(incremental.build.deletions) and len(incremental.meta.parts) == 2
    full = indexer.build_index(corpus_dir, tmp_path / "full", full=True)
    assert full.mode == "full"
    fresh = own_snapshot(tmp_path / "full")
    assert fresh.ranker.position is None and not len(fresh.build.deletions)
    assert_same_answers(incremental, fresh, QUERIES, pages=(1, 2, 3))
    assert not [h for h in S.search(incremental, "文档10", per_page=100).hits
                if h.doc_id == "doc010"]
    assert [h.doc_id for h in S.search(incremental, "改写后").hits] == ["doc003"]


def test_incremental_rebuilds_pile_up_until_a_full_one_compacts(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", tie_corpus(60))
    index_dir = tmp_path / "i"
    indexer.build_index(corpus_dir, index_dir)
    modes = []
    for round_ in range(12):
        path = corpus_dir / f"doc{round_ % 3:03d}.txt"
        path.write_text(f"标题\n第{round_}轮改写的段落。", encoding="utf-8")
        report = indexer.build_index(corpus_dir, index_dir)
        modes.append(report.mode)
        snap = snapshots.open_current(index_dir)
        assert len(snap.meta.parts) <= changes.MAX_PARTS
        assert sorted(h.text for h in S.search(snap, "轮改写").hits) == sorted(
            (corpus_dir / f"doc{i:03d}.txt").read_text(encoding="utf-8").split("\n")[1]
            for i in range(3) if i <= round_)
    assert "incremental" in modes and "full" in modes[1:]  # compacted along the way
    assert indexer.build_index(corpus_dir, index_dir).mode == "unchanged"


def test_a_new_user_dictionary_makes_a_full_rebuild(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", tie_corpus())
    indexer.build_index(corpus_dir, tmp_path / "i")
    (corpus_dir / "_dictionary.txt").write_text("山水一半\n", encoding="utf-8")
    assert indexer.build_index(corpus_dir, tmp_path / "i").mode == "full"
    (corpus_dir / "_synonyms.txt").write_text("湾区 大湾区\n", encoding="utf-8")
    report = indexer.build_index(corpus_dir, tmp_path / "i")  # synonyms: query time only
    assert report.mode == "incremental" and report.indexed == 0
    snap = snapshots.open_current(tmp_path / "i")
    assert snap.synonyms["湾区"] == ["大湾区"]


def test_the_user_dictionary_is_read_back_without_opening_the_index(tmp_path):
    assert index.user_dictionary(tmp_path / "none") is None
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": "标题\n山水一半的内容。",
                                               "_dictionary.txt": "山水一半 5\n"})
    indexer.build_index(corpus_dir, tmp_path / "i")
    assert index.user_dictionary(tmp_path / "i") == "山水一半 5\n"
    assert snapshots.open_current(tmp_path / "i").user_dict == "山水一半 5\n"


def test_meta_json_round_trips_and_names_what_is_wrong(tmp_path):
    meta = index.Meta(built_at="2026-11-28T00:00:00+00:00", incremental=False, documents=1,
                      paragraphs=3, docnums=4, deleted=1, parts=[{"name": "part0", "docnums": 4}],
                      dictionary="x", synonyms=[["罗湖", "罗湖区"]])
    meta.write(tmp_path)
    assert index.Meta.read(tmp_path) == meta
    data = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    assert data["format"] == index.FORMAT_VERSION and data["synonyms"] == [["罗湖", "罗湖区"]]
    (tmp_path / "meta.json").write_text(json.dumps(dict(data, format=4)), encoding="utf-8")
    with pytest.raises(index.OtherFormat):
        index.Meta.read(tmp_path)
    del data["parts"]
    (tmp_path / "meta.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="keys"):
        index.Meta.read(tmp_path)
    (tmp_path / "meta.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(ValueError, match="not an object"):
        index.Meta.read(tmp_path)


def test_an_incremental_rebuild_reads_only_files_whose_size_or_time_changed(tmp_path, monkeypatch):
    """Unchanged files are known by size and modification time, as rsync
    and make know them: not read, not hashed. A file touched but not
    changed is read and kept; one rewritten with another text of the same
    size under the same time is only seen by a full rebuild."""
    corpus_dir = write_corpus(tmp_path / "c", {f"d{k}.txt": f"标题{k}\n第{k}份报告的内容。"
                                               for k in range(12)})
    index_dir = tmp_path / "i"
    indexer.build_index(corpus_dir, index_dir)
    read = []
    real = Path.read_bytes

    def counted(path):
        if path.parent == corpus_dir:
            read.append(path.name)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    (corpus_dir / "d2.txt").write_text("标题2\n第2份报告改写了。", encoding="utf-8")
    report = indexer.build_index(corpus_dir, index_dir)
    assert report.mode == "incremental" and read == ["d2.txt"]
    snap = snapshots.open_current(index_dir)
    assert S.search(snap, "改写").total == 1
    snap.close()

    read.clear()
    assert indexer.build_index(corpus_dir, index_dir).mode == "unchanged" and read == []
    os.utime(corpus_dir / "d3.txt")  # touched: read, found the same, kept
    assert indexer.build_index(corpus_dir, index_dir).mode == "unchanged" and read == ["d3.txt"]

    # the same size and time, another text: only --full reads it again
    d4 = corpus_dir / "d4.txt"
    stat = d4.stat()
    d4.write_text("标题4\n第4份报告的另外。", encoding="utf-8")
    os.utime(d4, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert d4.stat().st_size == stat.st_size
    assert indexer.build_index(corpus_dir, index_dir).mode == "unchanged"
    indexer.build_index(corpus_dir, index_dir, full=True)
    snap = snapshots.open_current(index_dir)
    try:
        assert S.search(snap, "另外").total == 1
        entry = snap.documents["d4"]
        assert entry["size"] == d4.stat().st_size and entry["mtime"] == d4.stat().st_mtime_ns
        assert {"size", "mtime"} <= set(index.INTERNAL_KEYS)  # not shown as metadata
    finally:
        snap.close()


def test_an_incremental_rebuild_writes_kept_entries_back_as_they_were(tmp_path):
    """Unchanged documents' entries are copied as bytes (decoding and
    encoding 150,000 of them was most of an incremental rebuild); a file
    touched beside a changed one gets its new time; documents.table
    agrees with every line."""
    import json

    from searchsvc.storage import paragraphs

    corpus_dir = write_corpus(tmp_path / "c", {f"d{k}.txt": f"标题{k}\n第{k}份报告的内容。\n\n第二段{k}。"
                                               for k in range(8)})
    index_dir = tmp_path / "i"
    indexer.build_index(corpus_dir, index_dir)
    before = (index.current_path(index_dir) / paragraphs.DOCUMENTS).read_bytes().splitlines()
    (corpus_dir / "d1.txt").write_text("标题1\n改写了。", encoding="utf-8")
    os.utime(corpus_dir / "d2.txt", ns=(10**18, 10**18))
    assert indexer.build_index(corpus_dir, index_dir).mode == "incremental"
    build = index.current_path(index_dir)
    after = (build / paragraphs.DOCUMENTS).read_bytes().splitlines()
    assert [a == b for a, b in zip(before, after)] == [True, False, False] + [True] * 5
    assert json.loads(after[2])["mtime"] == 10**18
    table = json.loads((build / paragraphs.TABLE).read_bytes())
    for i, line in enumerate(after):
        entry = json.loads(line)
        for name in paragraphs.FIELDS:
            if name != "end":
                assert table[name][i] == entry.get(name, paragraphs.DEFAULTS.get(name)), name
    snap = snapshots.open_current(index_dir)
    try:
        assert S.search(snap, "改写").total == 1 and S.search(snap, '+"第二段3"').total == 1
        assert snap.documents["d2"]["mtime"] == 10**18
    finally:
        snap.close()
