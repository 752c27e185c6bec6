"""The word index against Whoosh's own public answers.

Searches read the serving format (postings.py), written beside each
Whoosh segment from the same counted words: every answer it gives is
compared here with what Whoosh's public reader says, on a build of two
segments, lists of several blocks, frequencies that differ, a single
posting kept inline and, after an incremental rebuild, deleted
paragraphs. The lengths are compared with Whoosh's length column.
"""

import pytest
from whoosh import index as whoosh_index

from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import layout as index
from searchsvc.storage import wordindex
from tests.conftest import write_corpus


def _corpus(folder, changed: bool = False):
    """2,440 paragraphs in five files (two parts): 深圳 in every one (two
    blocks in each segment), 罗湖 one to three times in every other one of
    the first four files and in each of the fifth's 40, 独有词汇 in one."""
    paragraphs = []
    for n in range(2400):
        extra = "罗湖" * (1 + n % 3) if n % 2 else ""
        paragraphs.append(f"深圳第{n}号报告说明{extra}。" + ("独有词汇" if n == 1777 else ""))
    files = {f"{k}.txt": f"标题{k}\n\n" + "\n\n".join(paragraphs[600 * k:600 * (k + 1)])
             for k in range(4)}
    files["z.txt"] = "补充\n\n" + "\n\n".join(f"深圳补充段落{n}罗湖。" for n in range(40))
    if changed:  # the fifth file replaced: its 40 paragraphs deleted, 2 added
        files["z.txt"] = "补充\n\n深圳新的段落罗湖罗湖。\n\n另一段新内容。"
    return write_corpus(folder, files)


def _whoosh_says(build, word):
    """(docnums, frequencies) of ``word`` from Whoosh's public matcher, deleted
    paragraphs skipped as Whoosh skips them."""
    ids, tfs = [], []
    with whoosh_index.open_dir(str(build)).reader() as reader:
        for leaf, base in reader.leaf_readers():
            if ("text", word) not in leaf:
                continue
            m = leaf.postings("text", word)
            while m.is_active():
                ids.append(m.id() + base)
                tfs.append(m.weight())
                m.next()
    return ids, tfs


@pytest.mark.parametrize("incremental", [False, True])
def test_word_index_answers_equal_whoosh_s_own(tmp_path, incremental):
    corpus = _corpus(tmp_path / "c")
    indexer.build_index(corpus, tmp_path / "i")
    if incremental:
        _corpus(tmp_path / "c", changed=True)
        assert indexer.build_index(corpus, tmp_path / "i").mode == "incremental"
    build = index.current_path(tmp_path / "i")
    words = wordindex.WordIndex(build, index.Meta.read(build).parts)
    try:
        with whoosh_index.open_dir(str(build)).reader() as reader:
            assert len(reader.leaf_readers()) == (3 if incremental else 2)
            lexicon = [w.decode() for w in reader.lexicon("text")]
            deleted = {d for d in range(reader.doc_count_all()) if reader.is_deleted(d)}
            lengths = [0 if d in deleted else reader.doc_field_length(d, "text", 0)
                       for d in range(reader.doc_count_all())]
            prefixed = [w.decode() for w in reader.expand_prefix("text", "深")]
        assert len(deleted) == (40 if incremental else 0) and set(words.deletions) == deleted
        assert {"罗湖", "深圳", "独有"} <= set(lexicon)
        for word in lexicon:
            expected_ids, expected_tfs = _whoosh_says(build, word)
            ids, tfs = words.postings(word)
            assert ids.tolist() == expected_ids, word
            assert tfs.tolist() == expected_tfs, word
            assert words.doc_frequency(word) == len(expected_ids), word
        ids, tfs = words.postings("罗湖")
        # an incremental rebuild deleted z.txt's 40 and added one with 罗湖 twice
        assert len(ids) == (1201 if incremental else 1240) and \
            sorted(set(tfs.tolist())) == [1.0, 2.0, 3.0]
        assert words.lengths()[range(len(lengths))].tolist() == lengths
        assert list(words.words("深")) == prefixed and "深圳" in prefixed
        assert words.postings("没有这个词")[0].tolist() == []
    finally:
        words.close()


def test_a_damaged_word_index_is_reported_not_raised_raw(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.txt": "标题\n内容。"})
    indexer.build_index(corpus, tmp_path / "i")
    build = index.current_path(tmp_path / "i")
    for toc in build.glob("*.toc"):
        toc.write_bytes(b"not a table of contents")
    with pytest.raises(ValueError, match="word index cannot be read"):
        wordindex.WordIndex(build, index.Meta.read(build).parts)


@pytest.mark.parametrize("incremental", [False, True])
def test_whoosh_s_own_searcher_names_the_paragraphs_the_word_index_holds(tmp_path, incremental):
    """Every build is a complete Whoosh index: a Whoosh document per
    paragraph with its stored id, so a search through Whoosh's public
    Searcher finds, for each word, exactly the paragraphs the word index
    (and so every answer) holds, deleted ones left out, and names them as
    the API's hits do."""
    from whoosh.query import Term

    from searchsvc.engine import snapshot as snapshots

    corpus = _corpus(tmp_path / "c")
    indexer.build_index(corpus, tmp_path / "i")
    if incremental:
        _corpus(tmp_path / "c", changed=True)
        assert indexer.build_index(corpus, tmp_path / "i").mode == "incremental"
    snap = snapshots.open_current(tmp_path / "i")
    try:
        with whoosh_index.open_dir(str(snap.path)).searcher() as searcher:
            assert searcher.doc_count() == snap.meta.paragraphs
            for word in ("罗湖", "深圳", "独有", "补充", "新", "没有这个词"):
                found = {hit["id"] for hit in searcher.search(Term("text", word), limit=None)}
                ids, _ = snap.words.postings(word)
                held = set()
                for docnum in ids.tolist():
                    record = snap.store.record(docnum)
                    held.add(f"{record['doc']}#p{record['n']}")
                assert found == held, word
            # a docnum's stored fields name the paragraph the store holds there
            for docnum in (0, 599, 600, 2399, snap.meta.docnums - 1):
                if docnum not in set(snap.build.deletions):
                    record = snap.store.record(docnum)
                    assert searcher.stored_fields(docnum) == {"id": f"{record['doc']}#p{record['n']}"}
    finally:
        snap.close()


def _segment(folder, paragraphs, bulk: bool):
    """A one-segment Whoosh index of ``paragraphs`` ((id, {word: count}) each),
    written by the part writer (bulk) or by Whoosh's own add_document."""
    folder.mkdir()
    wordindex.create(folder)
    if bulk:
        writer = wordindex.PartWriter(folder)
        for pid, words in paragraphs:
            writer.add(pid, words)
        wordindex.commit_parts(folder, [writer.finish()])
    else:
        writer = whoosh_index.open_dir(str(folder)).writer(**wordindex._writer_options())
        for pid, words in paragraphs:
            writer.add_document(id=pid, text=words)
        writer.commit()
    return whoosh_index.open_dir(str(folder))


def _everything(ix):
    """What a Whoosh reader says of an index: every term with its postings
    (docnum, weight, value), document frequency and total, every stored
    document and every length."""
    with ix.reader() as r:
        terms = []  # in the terms file's order: prefix lookups rely on it
        for field, word in r.all_terms():
            m = r.postings(field, word)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            terms.append((field, word, postings, r.doc_frequency(field, word),
                          r.frequency(field, word)))
        stored = list(r.all_stored_fields())
        lengths = [r.doc_field_length(d, "text") for d in range(r.doc_count_all())]
        return terms, stored, lengths, r.doc_count_all(), r.field_length("text")


def test_the_bulk_writer_writes_what_add_document_writes(tmp_path):
    """Terms, postings (docnums, weights, packed counts), stored ids and
    lengths read back by Whoosh's own reader, the same from both writers,
    in the same order, on Latin, Han and astral words, counts past one and
    two bytes and empty paragraphs."""
    import random

    rng = random.Random(5)
    vocabulary = ["罗湖", "营商环境", "改革", "a", "ab", "b", "Z", "é", "\U00020000字", "深圳",
                  "2019", "〇", "ｆｕｌｌ", "为", "区", "政府工作报告"]
    paragraphs = []
    for n in range(700):
        words = {w: rng.choice([1, 1, 2, 3, 300, 70000]) for w in rng.sample(vocabulary, rng.randint(0, 9))}
        paragraphs.append((f"doc{n % 17}#p{n}", words))
    bulk = _everything(_segment(tmp_path / "bulk", paragraphs, bulk=True))
    own = _everything(_segment(tmp_path / "own", paragraphs, bulk=False))
    assert bulk == own
    assert len(bulk[0]) == len(vocabulary) and bulk[3] == 700
