"""The serving format (storage/postings.py, the mapped flat texts): what a
search reads, against Whoosh's own Searcher; damaged, interrupted and
closed as a deployment meets it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.query import Term

from searchsvc import create_app
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import layout as index
from searchsvc.storage import postings
from tests.conftest import write_corpus

FILES = {f"d{k}.txt": f"报告{k}\n罗湖区营商环境第{k}次改善。\n\n深圳改革创新{k}，罗湖罗湖。\n\n独立段落{k}。"
         for k in range(30)}


def _whoosh_searcher_ids(build, word: str) -> list[str]:
    with whoosh_index.open_dir(str(build)).searcher() as searcher:
        return sorted(hit["id"] for hit in searcher.search(Term("text", word), limit=None))


def test_the_serving_format_holds_what_whoosh_s_searcher_finds(tmp_path):
    """For every word of the build, Whoosh's public Searcher and the
    serving format name the same paragraphs, with the same counts."""
    corpus = write_corpus(tmp_path / "c", FILES)
    indexer.build_index(corpus, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        build = snap.path
        with whoosh_index.open_dir(str(build)).reader() as reader:
            lexicon = [w.decode() for w in reader.lexicon("text")]
            counts = {w: {d: f for d, f in reader.postings("text", w.encode()).items_as("frequency")}
                      for w in lexicon}
        assert len(lexicon) > 30
        for word in lexicon:
            ids, tfs = snap.words.postings(word)
            names = sorted(f"{snap.store.record(d)['doc']}#p{snap.store.record(d)['n']}"
                           for d in ids.tolist())
            assert names == _whoosh_searcher_ids(build, word), word
            assert dict(zip(ids.tolist(), tfs.tolist())) == counts[word], word
            assert snap.words.doc_frequency(word) == len(ids)
    finally:
        snap.close()


def test_two_words_with_one_key_are_both_found(tmp_path, monkeypatch):
    """Keys are 8 bytes of a hash: a collision must not lose a word."""
    monkeypatch.setattr(postings, "word_key", lambda word: len(word) // 3)  # many collisions
    corpus = write_corpus(tmp_path / "c", FILES)
    indexer.build_index(corpus, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        with whoosh_index.open_dir(str(snap.path)).reader() as reader:
            lexicon = [w.decode() for w in reader.lexicon("text")]
            for word in lexicon:
                ids = [d for d, _ in reader.postings("text", word.encode()).items_as("frequency")]
                assert snap.words.postings(word)[0].tolist() == ids, word
        assert snap.words.postings("没有的词")[0].tolist() == []
        assert S.search(snap, "营商环境").total == 30
    finally:
        snap.close()


def test_a_build_interrupted_while_writing_the_serving_format_leaves_the_old_one_serving(
        tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "c", FILES)
    indexer.build_index(corpus, tmp_path / "i")
    before = index.current_path(tmp_path / "i")
    client = create_app({"INDEX_DIR": str(tmp_path / "i"), "CORPUS_DIR": str(corpus)}).test_client()
    assert client.get("/api/search?q=营商环境").get_json()["total"] == 30
    (corpus / "new.txt").write_text("新增\n新增的独特词语。", encoding="utf-8")

    def fail_midway(self, folder, part, base):
        (folder / f"{part}.{postings.KEYS}").write_bytes(b"\0" * 12)  # half written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(postings.Collector, "write", fail_midway)
    for full in (False, True):
        with pytest.raises(OSError):
            indexer.build_index(corpus, tmp_path / "i", full=full)
        assert index.current_path(tmp_path / "i") == before
        r = client.get("/api/search?q=营商环境")
        assert r.status_code == 200 and r.get_json()["total"] == 30
        assert client.get("/api/search?q=独特词语").get_json()["total"] == 0
    assert not list((tmp_path / "i").glob("*.tmp"))
    monkeypatch.undo()
    indexer.build_index(corpus, tmp_path / "i")
    assert client.get("/api/search?q=独特词语").get_json()["total"] == 1


@pytest.mark.parametrize("name", [postings.POSTINGS, postings.META, postings.KEYS])
def test_a_serving_file_with_wrong_content_of_the_right_size_is_a_503_naming_it(tmp_path, name):
    """Sizes match meta.json, so the build opens; the first search that
    reads the bad entry answers 503 naming a file, never 500."""
    corpus = write_corpus(tmp_path / "c", FILES)
    report = indexer.build_index(corpus, tmp_path / "i")
    path = index.current_path(tmp_path / "i") / f"part0.{name}"
    data = np.fromfile(path, dtype=np.uint8)
    path.write_bytes(np.full(len(data), 0xFF, dtype=np.uint8).tobytes())
    client = create_app({"INDEX_DIR": str(tmp_path / "i"), "CORPUS_DIR": str(corpus)}).test_client()
    answers = [client.get(f"/api/search?q={q}") for q in ("营商环境", "罗湖", "深圳 改革")]
    assert all(r.status_code in (200, 503) for r in answers), [r.status_code for r in answers]
    failed = [r for r in answers if r.status_code == 503]
    if name != postings.KEYS:  # keys of all ones: every word absent, answers from literals
        assert failed
    for r in failed:
        error = r.get_json()["error"]
        assert error["code"] == "index_unavailable" and "part0.words." in error["message"]
    assert report.path


def test_a_closed_snapshot_unmaps_its_build(tmp_path):
    """A deleted build's space is freed once the last snapshot on it
    closes: no map or descriptor of its files is left in the process."""
    corpus = write_corpus(tmp_path / "c", FILES)
    indexer.build_index(corpus, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    assert S.search(snap, "罗湖区营商").total == 30
    build = str(snap.path)

    def held() -> list[str]:
        with open("/proc/self/maps") as maps:
            mapped = [line for line in maps if build in line]
        import os
        fds = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
               if fd.isdigit() and os.path.exists(f"/proc/self/fd/{fd}")]
        return mapped + [f for f in fds if f.startswith(build)]

    assert held()
    snap.close()
    assert held() == []


@pytest.mark.parametrize("scan_past", [0, 1, 10**9])
def test_both_ways_of_checking_a_literal_find_exactly_the_paragraphs_that_hold_it(
        tmp_path, monkeypatch, seed_text, scan_past):
    """Candidates checked line by line, or the part scanned whole: the
    same paragraphs, those whose flat text holds the literal, across parts
    (an incremental rebuild's second part included)."""
    import random

    from searchsvc.storage import texts

    monkeypatch.setattr(texts, "SCAN_BYTES_PER_CANDIDATE", scan_past)
    lines = [line for line in seed_text.splitlines() if len(line) > 20]
    files = {f"s{k}.txt": f"标题{k}\n" + "\n\n".join(lines[k::4]) for k in range(4)}
    corpus = write_corpus(tmp_path / "c", files)
    indexer.build_index(corpus, tmp_path / "i")
    (corpus / "s9.txt").write_text("新增\n" + "\n\n".join(lines[:5]) + "\n\n罗湖区。", encoding="utf-8")
    assert indexer.build_index(corpus, tmp_path / "i").mode == "incremental"
    snap = snapshots.open_current(tmp_path / "i")
    try:
        flats = {d: snap.literals.text(d) for d in snap.literals.every_live()}
        rng = random.Random(5)
        for _ in range(150):
            text = flats[rng.choice(sorted(flats))]
            start = rng.randrange(len(text))
            literal = text[start:start + rng.randint(3, 8)]
            everyone = np.array(sorted(flats), dtype=np.int64)
            got = snap.literals.texts.containing(everyone, literal).tolist()
            assert got == [d for d in sorted(flats) if literal in flats[d]], literal
            assert set(snap.literals.containing(literal)) == set(got), literal
    finally:
        snap.close()


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 300), max_size=40), st.lists(st.integers(0, 320), max_size=80))
def test_live_postings_leave_out_exactly_the_deleted_docnums(deleted, ids):
    """A posting list without the deleted paragraphs, counts kept with
    their docnums (a binary search of the deleted ones, not np.isin)."""
    from pyroaring import FrozenBitMap

    from searchsvc.storage.deletions import Deletions

    docnums = np.array(sorted(set(ids)), dtype=np.int64)
    counts = np.arange(len(docnums), dtype=np.float64) + 1
    live, kept = Deletions(FrozenBitMap(deleted), 321).live_postings(docnums, counts)
    expected = [(d, c) for d, c in zip(docnums.tolist(), counts.tolist()) if d not in deleted]
    assert list(zip(live.tolist(), kept.tolist())) == expected


def test_every_word_s_live_frequency_at_once_equals_one_word_at_a_time(tmp_path):
    """The pinyin table reads every word's live paragraphs in one pass per
    part: the same words, in the same order, with the same counts as a
    lookup per word of Whoosh's word list, across parts and deletions
    (changed and removed files), and words left with none."""
    from searchsvc.storage.wordindex import WordIndex

    corpus = write_corpus(tmp_path / "c", FILES)
    folder = tmp_path / "i"
    indexer.build_index(corpus, folder)
    (corpus / "d3.txt").write_text("报告3\n罗湖区营商环境再次改善。\n\n全新的词语出现了。", encoding="utf-8")
    (corpus / "d4.txt").unlink()
    (corpus / "d5.txt").write_text("报告5\n独特的孤立说法。", encoding="utf-8")
    assert indexer.build_index(corpus, folder).mode == "incremental"
    (corpus / "d5.txt").write_text("报告5\n另一种表述。", encoding="utf-8")
    assert indexer.build_index(corpus, folder).mode == "incremental"
    build = index.current_path(folder)
    words = WordIndex(build, index.Meta.read(build).parts)
    try:
        assert len(words.deletions) > 0
        one_by_one = [(w, words.doc_frequency(w)) for w in words.words("")]
        assert list(words.frequencies().items()) == one_by_one
        # d5's first change left with its second; d4 removed, d5 without 改善
        assert {("孤立", 0), ("说法", 0), ("改善", 28), ("表述", 1)} <= set(one_by_one)
    finally:
        words.close()
