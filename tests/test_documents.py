"""A build's documents as every worker maps them (storage.docmap.Documents)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def test_documents_are_found_by_id_when_every_id_shares_one_key(tmp_path, monkeypatch):
    """The documents' ids are mapped as one file with a sorted array of
    stable keys: every id is found, in corpus order, with its title and
    span, also when keys collide, and what is not an id is not found."""
    from searchsvc.indexer import rebuild as indexer
    from searchsvc.storage import docmap, paragraphs
    from searchsvc.storage.layout import current_path
    from tests.conftest import write_corpus

    files = {f"{name}.txt": f"标题{name}\n第一段：{name}的营商环境。\n\n第二段。"
             for name in ("b", "a", "罗湖 2019", "x-2", "é", "\U00020000")}
    folder = write_corpus(tmp_path / "c", files)
    expected = None
    for colliding in (False, True):
        if colliding:  # the build writes the keys and the lookup reads them
            monkeypatch.setattr(docmap, "_id_key", lambda doc_id: 7)
        indexer.build_index(folder, tmp_path / f"i{colliding}")
        build = current_path(tmp_path / f"i{colliding}")
        table = paragraphs.read_table(build)
        keys = np.fromfile(build / docmap.KEYS, dtype="<u8")[:len(files)]
        assert (set(keys.tolist()) == {7}) == colliding
        docs = docmap.Documents(build, sum(table.paragraphs))
        try:
            assert list(docs) == table.doc_id and len(docs) == len(files)
            got = [(d, docs.title(d), docs.span(d), docs[d]["doc_id"]) for d in docs]
            assert [g[0] for g in got] == [g[3] for g in got]
            assert [span for *_, span, _ in got] == list(zip(table.first, table.paragraphs))
            assert expected is None or got == expected
            expected = got
            for absent in ("", "a ", "A", "b#p1", 3, None):
                assert absent not in docs
            with pytest.raises(KeyError):
                docs.title("nope")
        finally:
            docs.close()
        assert "a" not in docs and len(docs) == 0  # closed: unmapped, found no more
        with pytest.raises(KeyError):
            docs.title("a")


def test_opening_a_build_decodes_no_table(tmp_path, monkeypatch):
    """A worker maps what it needs of the documents (#38): opening a build
    and answering from it never reads documents.table or the ids as JSON,
    which left tens of MB of freed objects in every worker."""
    from searchsvc.engine import search as S
    from searchsvc.engine import snapshot as snapshots
    from searchsvc.indexer import rebuild as indexer
    from searchsvc.storage import paragraphs, table
    from tests.conftest import write_corpus

    folder = write_corpus(tmp_path / "c", {"甲.txt": "甲报告\n营商环境持续优化。",
                                           "乙.txt": "乙报告\n营商环境。\n\n改革。"})
    indexer.build_index(folder, tmp_path / "i")

    def refused(*args, **kwargs):
        raise AssertionError("documents.table read while serving")

    monkeypatch.setattr(paragraphs, "read_table", refused)
    monkeypatch.setattr(table.DocumentsTable, "of", refused)
    snap = snapshots.open_current(tmp_path / "i")
    try:
        hits = S.search(snap, "营商环境").hits
        assert sorted(h.doc_id for h in hits) == ["乙", "甲"]
        assert {snap.documents.title(h.doc_id) for h in hits} == {"甲报告", "乙报告"}
        assert S.search(snap, "改革", doc=["乙"]).hits[0].doc_id == "乙"
    finally:
        snap.close()


def test_a_query_reads_each_paragraph_s_text_once(tmp_path, monkeypatch):
    """A query's checks, proximity and missing words share one reading of
    each flat text (``LiteralIndex.for_query``); another query reads again."""
    from collections import Counter

    from searchsvc.engine import search as S
    from searchsvc.engine import snapshot as snapshots
    from searchsvc.indexer import rebuild as indexer
    from searchsvc.storage import texts
    from tests.conftest import write_corpus

    paragraphs = "\n\n".join(f"第{k}段：营商环境{'持续' * k}优化，改革创新。" for k in range(40))
    folder = write_corpus(tmp_path / "c", {"a.txt": f"报告\n{paragraphs}",
                                           "b.txt": "另一份\n营商环境。\n\n改革。"})
    indexer.build_index(folder, tmp_path / "i")
    reads: Counter[int] = Counter()
    read = texts.NormalizedTexts.__getitem__
    monkeypatch.setattr(texts.NormalizedTexts, "__getitem__",
                        lambda self, docnum: reads.update([docnum]) or read(self, docnum))
    snap = snapshots.open_current(tmp_path / "i")
    try:
        for query in ("营商环境 改革 持续", "优化 创新 营商"):
            reads.clear()
            hits = S.fresh(snap, S.SearchRequest(query)).hits
            assert hits and reads, query
            assert max(reads.values()) == 1, (query, reads.most_common(3))
    finally:
        snap.close()


def test_a_column_with_one_label_counts_without_counting():
    """A column every paragraph shares one label of (no dates in the
    collection): its counts and top are what counting them would give."""
    import numpy as np

    from searchsvc.storage.columns import Column

    for labels in ([""], ["2019"]):
        column = Column(labels, np.zeros(10, dtype=np.int32))
        ids = np.array([1, 4, 7], dtype=np.int64)
        assert column.counts(ids) == {labels[0]: 3}
        assert column.top(ids, 5) == ([] if labels == [""] else [("2019", 3)])
        assert column.counts(ids[:0]) == {} and column.top(ids[:0], 5) == []


_HEADING = st.text(alphabet="ab罗湖区\0", max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEADING, min_size=1, max_size=12), st.text(alphabet="ab罗湖区\0", min_size=1,
                                                              max_size=4))
def test_the_heading_field_finds_every_occurrence_of_a_word(headings, word):
    """HeadingField.occurrences (numpy, from the word's rarest byte) gives
    every place the word's bytes occur in the heading text, as a search
    at each byte would."""
    import tempfile
    from pathlib import Path

    from searchsvc.storage import docmap
    from searchsvc.storage.files import Mapped

    with tempfile.TemporaryDirectory() as folder:
        docmap.write_heading_field(Path(folder), [(k, 1, h) for k, h in enumerate(headings)])
        field = docmap.HeadingField(Mapped(Path(folder) / docmap.HEADINGS),
                                    Mapped(Path(folder) / docmap.RUNS), len(headings))
        try:
            data, needle = (Path(folder) / docmap.HEADINGS).read_bytes(), word.encode()
            expected = [i for i in range(len(data)) if data.startswith(needle, i)]
            assert field.occurrences(needle).tolist() == expected
        finally:
            field.close()
