"""jieba's dictionary kept compact by the build (storage.lexicon) and the
segmenters made from it (analysis.words): the same tokens as jieba's own,
written once and copied, shared by serving processes."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.analysis import words
from searchsvc.analysis.normalize import normalize_text
from searchsvc.storage import lexicon
from searchsvc.storage.files import DamagedFile
from searchsvc.storage.layout import current_path
from tests.conftest import ROOT, SEED

SHARED = ROOT.parent / "shared"
USER_DICT = "营商环境 5 n\n罗湖区 0\n前海深港 20000\nAI芯片 3\n街道办\n"


@pytest.fixture(scope="module")
def plain_and_compact(tmp_path_factory):
    """jieba's own tokenizer and one reading the build's compact dictionary,
    each also with a user dictionary (added, deleted, tagged words)."""
    folder = tmp_path_factory.mktemp("lexicon")
    counts, total = words.base_dictionary()
    lexicon.write(folder, counts, total, words.dictionary_source())
    compact = lexicon.open_lexicon(folder)
    import io

    pairs = []
    for user_dict in (None, USER_DICT):
        plain, from_map = words._load_jieba(None), words._load_jieba(compact)
        assert isinstance(from_map.FREQ, words.CompactFreq)
        if user_dict:
            plain.load_userdict(io.StringIO(user_dict))
            from_map.load_userdict(io.StringIO(user_dict))
        pairs.append((plain, from_map))
    return pairs


def _tokens(seg, text):
    """What the index and a query take from jieba: its words (HMM on) and
    the search-mode sub-words it knows (``words.word_spans``)."""
    cut = list(seg.cut(text, HMM=True))
    subs = [w[i:i + n] for w in cut for n in (2, 3) for i in range(len(w) - n + 1)
            if len(w) > n and seg.FREQ.get(w[i:i + n])]
    return cut, subs, [seg.FREQ.get(w, -1) for w in cut]


def _texts():
    """The seed report's lines, the real questions and, when the shared
    material is here, a sample of every benchmark and collection corpus."""
    texts = SEED.read_text(encoding="utf-8").splitlines()
    questions = SHARED / "relevance" / "drcd" / "questions.tsv"
    if questions.exists():
        rows = questions.read_text(encoding="utf-8").splitlines()[1:]
        texts += [normalize_text(r.split("\t")[1]) for r in rows]
    for corpus in (SHARED / "bench" / "lo-help-zh", SHARED / "corpora" / "reports-zh" / "corpus"):
        if corpus.is_dir():
            for path in sorted(corpus.iterdir())[::25]:
                texts += path.read_text(encoding="utf-8", errors="replace").splitlines()[:40]
    return [t for t in texts if t.strip()]


def test_compact_tokens_are_jiebas_over_real_text_and_questions(plain_and_compact):
    texts = _texts()
    assert len(texts) > 100
    for plain, compact in plain_and_compact:
        for text in texts:
            assert _tokens(compact, text) == _tokens(plain, text), text
        assert compact.total == plain.total


def test_a_user_dictionary_changes_the_compact_tokens_as_jiebas(plain_and_compact):
    """The user dictionary's words are kept beside the compact ones: added,
    re-weighted and deleted (count 0) as jieba does, and a search of the
    same text finds the difference."""
    (base, _), (plain, compact) = plain_and_compact
    text = "罗湖区优化营商环境，前海深港合作区引进AI芯片企业，街道办开展活动"
    assert _tokens(compact, text) == _tokens(plain, text)
    assert _tokens(compact, text) != _tokens(base, text)
    assert "罗湖区" not in compact.lcut(text) and "前海深港" in compact.lcut(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    list("罗湖区营商环境改革创新城市更新深港合作前海大湾区中国人民共和国的了是在和与") +
    list("AI2019年，。、 ") + ["\U00020000", "々", "〇"]), max_size=40))
def test_compact_tokens_are_jiebas_on_any_text(plain_and_compact, text):
    for plain, compact in plain_and_compact:
        assert _tokens(compact, text) == _tokens(plain, text)


def test_a_build_writes_the_dictionary_once_and_copies_or_links_it(make_index, monkeypatch,
                                                                    tmp_path):
    """A first build writes the files (in a child process, while the corpus
    is read); a full rebuild copies the current build's (same jieba
    dictionary); an incremental one links them; a build from another jieba
    dictionary writes them again; a child that fails is replaced by the
    build's own process."""
    marker = tmp_path / "written"  # appended to by whichever process writes
    real_write = lexicon.write
    test_pid = os.getpid()

    def write(folder, *rest):
        with marker.open("a") as f:
            f.write(f"{os.getpid() == test_pid}\n")
        if failing_child and os.getpid() != test_pid:
            raise OSError("no space left")
        real_write(folder, *rest)

    def writes():
        return marker.read_text().split() if marker.exists() else []

    failing_child = False
    monkeypatch.setattr(lexicon, "write", write)
    corpus_dir, index_dir, _ = make_index({f"{n}.txt": f"标题{n}\n营商环境{n}。"
                                           for n in range(12)})
    first = current_path(index_dir)
    assert writes() == ["False"]  # by the child
    trie = (first / lexicon.TRIE).read_bytes()
    from searchsvc.indexer import rebuild as indexer

    indexer.build_index(corpus_dir, index_dir, full=True)
    second = current_path(index_dir)
    assert second != first and len(writes()) == 1
    assert (second / lexicon.TRIE).read_bytes() == trie
    assert os.stat(second / lexicon.TRIE).st_ino != os.stat(first / lexicon.TRIE).st_ino
    (corpus_dir / "b.txt").write_text("标题\n城市更新。", encoding="utf-8")
    report = indexer.build_index(corpus_dir, index_dir)
    third = current_path(index_dir)
    assert report.mode == "incremental" and len(writes()) == 1
    assert os.stat(third / lexicon.COUNTS).st_ino == os.stat(second / lexicon.COUNTS).st_ino
    monkeypatch.setattr(words, "dictionary_source", lambda: b"\x01" * 32)
    indexer.build_index(corpus_dir, index_dir, full=True)
    assert writes()[1:] == ["False"] and lexicon.written_from(current_path(index_dir)) == b"\x01" * 32
    monkeypatch.setattr(words, "dictionary_source", lambda: b"\x02" * 32)
    failing_child = True
    indexer.build_index(corpus_dir, index_dir, full=True)
    assert writes()[2:] == ["False", "True"]
    assert lexicon.open_lexicon(current_path(index_dir)).source == b"\x02" * 32


def test_a_dictionary_of_another_jieba_is_not_used(tmp_path, monkeypatch):
    """A build's compact dictionary written from another jieba dictionary
    (a published build, an upgrade) never segments this process's queries."""
    monkeypatch.setattr(words, "_compact", None)
    monkeypatch.setattr(words, "_segmenters", {})
    lexicon.write(tmp_path, {"营商": 3, "营": 0}, 3, b"\x02" * 32)
    words.use_dictionary(lexicon.open_lexicon(tmp_path))
    assert words._compact is None
    assert isinstance(words.segmenter().FREQ, dict)  # jieba's own
    assert words.query_words("罗湖区的营商环境") == ["罗湖区", "的", "营商", "环境"]


def test_damaged_dictionary_files_are_refused_before_marisa_reads_them(tmp_path):
    counts, total = {"营商": 3, "营": 0, "环境": 5, "环": 0}, 8
    lexicon.write(tmp_path, counts, total, b"\x03" * 32)
    good = {name: (tmp_path / name).read_bytes() for name in lexicon.files()}
    opened = lexicon.open_lexicon(tmp_path)
    assert [opened.counts[opened.ids[w]] for w in counts] == list(counts.values())
    for name, raw in good.items():
        for at in (0, len(raw) // 2, len(raw) - 1):
            (tmp_path / name).write_bytes(raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:])
            with pytest.raises(DamagedFile) as caught:
                lexicon.open_lexicon(tmp_path)
            assert caught.value.file == name
        (tmp_path / name).write_bytes(raw[:-4])
        with pytest.raises(DamagedFile):
            lexicon.open_lexicon(tmp_path)
        (tmp_path / name).unlink()
        with pytest.raises(DamagedFile) as caught:
            lexicon.open_lexicon(tmp_path)
        assert caught.value.file == name
        (tmp_path / name).write_bytes(raw)
    assert lexicon.open_lexicon(tmp_path).total == total


def test_a_served_app_segments_queries_from_the_compact_dictionary(make_index, monkeypatch):
    """gunicorn's master (``warm_up``) and a worker's first snapshot make
    their segmenters from the build's compact dictionary, and answers are
    those of jieba's own."""
    from searchsvc import create_app
    from searchsvc.web.warm import warm_up

    corpus_dir, index_dir, _ = make_index(
        {"a.txt": "标题\n罗湖区优化营商环境。\n\n深港合作不断深化。",
         "_dictionary.txt": "深港合作 10 n\n"})
    config = {"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir), "TESTING": True}
    answers = []
    for compact in (False, True):
        monkeypatch.setattr(words, "_compact", None)
        monkeypatch.setattr(words, "_segmenters", {})
        if not compact:  # jieba's own, as before any build was opened
            words.segmenter((index_dir / "current" / "dictionary.txt").read_text("utf-8"))
        app = create_app(config)
        if compact:
            warm_up(app)
            assert words._compact is not None
        client = app.test_client()
        answers.append([client.get(f"/api/search?q={q}").get_json()["hits"]
                        for q in ("深港合作", "营商环境", "罗湖区优化")])
        kinds = {type(s.FREQ).__name__ for s in words._segmenters.values()}
        assert kinds == ({"CompactFreq"} if compact else {"dict"})
    assert answers[0] == answers[1] and all(answers[0])


def test_a_damaged_dictionary_is_written_again_by_the_next_rebuild(make_index):
    """`searchsvc rebuild`, as the 503 says: neither an incremental nor a
    full rebuild links or copies a damaged dictionary, and the damaged
    build's file is replaced, not written into (it stays as it was)."""
    from searchsvc.indexer import rebuild as indexer
    from searchsvc.storage.layout import IndexUnavailable
    from searchsvc.storage.opened import OpenedBuild

    corpus_dir, index_dir, _ = make_index({f"{n}.txt": f"标题{n}\n营商环境{n}。"
                                           for n in range(12)})
    for full in (False, True):
        damaged = current_path(index_dir)
        raw = (damaged / lexicon.TRIE).read_bytes()
        broken = raw[:50] + bytes([raw[50] ^ 1]) + raw[51:]
        (damaged / lexicon.TRIE).write_bytes(broken)
        with pytest.raises(IndexUnavailable, match=lexicon.TRIE):
            OpenedBuild(damaged)
        (corpus_dir / f"new{full}.txt").write_text("标题\n城市更新。", encoding="utf-8")
        report = indexer.build_index(corpus_dir, index_dir, full=full)
        assert report.mode == ("full" if full else "incremental")
        fresh = current_path(index_dir)
        assert (fresh / lexicon.TRIE).read_bytes() == raw
        assert (damaged / lexicon.TRIE).read_bytes() == broken
        OpenedBuild(fresh).close()
