"""The seven bugs a review of the whole code found (#37), each on a
two-file corpus, each failing on the code before its fix."""

from __future__ import annotations

import json

from click.testing import CliRunner

from searchsvc import cli, create_app
from searchsvc.analysis import words as analysis
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.storage import layout

FILES = {"a.txt": "命令手册\n用 tar 命令打包文件。\n\nstarting 不算。\n\n营商环境持续优化。",
         "b.txt": "其他说明\ntar命令也可以。\n\n另一段没有。"}


def ranking(snap, query):
    return [(h.doc_id, h.paragraph, round(h.score, 6)) for h in S.search(snap, query).hits]


def test_c1_a_control_character_in_one_query_never_changes_anothers_answer(make_index):
    _, index_dir, _ = make_index(FILES)
    fresh = snapshots.open_current(index_dir)
    poisoned = snapshots.open_current(index_dir)
    try:
        expected = ranking(fresh, "tar")
        assert expected[0][:2] != ("a", 2)  # "starting" holds tar inside a word: last
        for query in ("\x01tar", "\x00tar", "\x02tar"):
            S.search(poisoned, query)
        assert ranking(poisoned, "tar") == expected
    finally:
        fresh.close()
        poisoned.close()


def app_for(make_index, files=FILES):
    corpus_dir, index_dir, _ = make_index(files)
    return create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir),
                       "TESTING": True}).test_client(), index_dir


def test_c2_the_document_view_marks_pinyin_and_relaxed_phrases_as_the_results_do(make_index):
    client, _ = app_for(make_index)
    for query in ("yingshanghuanjing", '"优化营商"'):
        results = client.get("/api/search", query_string={"q": query}).get_json()
        assert results["hits"] and results["hits"][0]["matches"], query
        page = client.get("/doc/a", query_string={"q": query}).get_data(as_text=True)
        assert "<mark" in page, query


def test_c3_a_date_range_backwards_is_a_one_line_refusal(make_index):
    corpus_dir, index_dir, _ = make_index(FILES)
    out = CliRunner().invoke(cli.main, ["search", "营商环境", "--from", "2020", "--to", "2019",
                                        "--index", str(index_dir)])
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "from (2020) is after to (2019)" in out.output


def test_c4_a_changed_user_dictionary_does_not_keep_every_older_segmenter():
    for n in range(analysis.USER_SEGMENTERS + 2):
        analysis.segmenter(f"新词语{n} 5\n")
    kept = [key for key in analysis._segmenters if key]
    assert len(kept) <= analysis.USER_SEGMENTERS
    assert kept[-1] == f"新词语{analysis.USER_SEGMENTERS + 1} 5\n"


def test_c5_suggestions_follow_an_ideographic_space(make_index):
    client, _ = app_for(make_index)
    ascii_space = client.get("/api/suggest", query_string={"q": "用 命"}).get_json()
    ideographic = client.get("/api/suggest", query_string={"q": "用\u3000命"}).get_json()
    assert ascii_space["suggestions"] and ideographic["suggestions"] == ascii_space["suggestions"]


def test_c6_a_filter_with_blanks_is_the_same_filter_and_no_tag_is_shared_by_two_answers(make_index):
    client, _ = app_for(make_index)
    plain = client.get("/api/search", query_string={"q": "tar", "doc": "a"})
    padded = client.get("/api/search", query_string={"q": "tar", "doc": " a"})
    assert padded.get_json()["total"] == plain.get_json()["total"] > 0
    first_q = client.get("/api/search?q=tar&q=%E5%8F%A6%E4%B8%80")
    other_first = client.get("/api/search?q=%E5%8F%A6%E4%B8%80&q=tar")
    assert first_q.get_json()["hits"] != other_first.get_json()["hits"]
    assert first_q.headers["ETag"] != other_first.headers["ETag"]


def _u64(data: bytes, at: int, value: int) -> bytes:
    """``data`` with its ``at``-th little-endian uint64 set to ``value``."""
    return data[:8 * at] + value.to_bytes(8, "little") + data[8 * at + 8:]


def _u64_at(data: bytes, at: int) -> int:
    return int.from_bytes(data[8 * at:8 * at + 8], "little")


# each of the documents' mapped files (storage.docmap, the document
# column's labels) of the two-file corpus, and ways of damaging it in place
# that keep its size (what the size check cannot see)
DAMAGED = {
    "documents.rows": [lambda b: _u64(b, 1, 10**9),  # paragraphs past the build
                       lambda b: _u64(b, 2, 1),  # a line end short of documents.jsonl
                       lambda b: _u64(b, 3, 10**6)],  # an id end past the ids
    "documents.keys": [lambda b: _u64(b, 0, 2**64 - 1),  # keys out of order
                       lambda b: _u64(b, 2, _u64_at(b, 3))],  # one row twice
    "documents.ids": [lambda b: b"\xff" + b[1:]],  # not UTF-8
    "documents.titles": [lambda b: b[:1] + b"\xe5" + b[2:]],  # a character cut
    "headings.runs": [lambda b: _u64(b, 2, 5)],  # the first run not at the text's start
    "headings.text": [lambda b: b[:1] + b"A" + b[2:],  # a character cut
                      lambda b: b[:-1] + b"A"],  # a run's text not ended
    "columns.doc_id.ends": [lambda b: _u64(b, 0, 1),  # no empty label first
                            lambda b: _u64(b, 1, 10**6)],  # past the labels
    "documents.tags": [lambda b: b"[" + b[1:-1] + b"]",  # not an object
                       lambda b: b"{" + b[1:-1] + b"["],  # not JSON
    # jieba's mapped dictionary (storage.lexicon): a byte changed anywhere
    "jieba.trie": [lambda b: b[:99] + bytes([b[99] ^ 1]) + b[100:]],
    "jieba.counts": [lambda b: b[:-1] + bytes([b[-1] ^ 1]),
                     lambda b: b"X" + b[1:]],  # not its magic
}


def test_c7_a_mapped_documents_file_that_does_not_add_up_is_503_naming_it(make_index):
    """What serving maps of the documents is checked as a whole when a
    build opens: a file of the right size whose numbers do not add up, or
    whose text is not UTF-8, is a 503 naming it (and so is a search),
    never a 500 or a wrong answer later."""
    client, index_dir = app_for(make_index)
    build = layout.current_path(index_dir)
    assert client.get("/api/search?q=tar").status_code == 200
    for name, damages in DAMAGED.items():
        raw = (build / name).read_bytes()
        for k, damage in enumerate(damages):
            broken = damage(raw)
            assert len(broken) == len(raw) and broken != raw, (name, k)
            (build / name).write_bytes(broken)
            fresh = create_app({"CORPUS_DIR": "corpus", "INDEX_DIR": str(index_dir),
                                "TESTING": True}).test_client()
            health = fresh.get("/healthz")
            assert health.status_code == 503, (name, k)
            assert name in health.get_json()["reason"], (name, k, health.get_json())
            assert fresh.get("/api/search?q=tar").status_code == 503, (name, k)
        (build / name).write_bytes(raw)
    fresh = create_app({"CORPUS_DIR": "corpus", "INDEX_DIR": str(index_dir),
                        "TESTING": True}).test_client()
    answers = [c.get("/api/search?q=tar").get_json() for c in (fresh, client)]
    assert [dict(a, took_ms=0) for a in answers] == [dict(answers[1], took_ms=0)] * 2


def test_c7_a_damaged_documents_table_is_never_served_and_a_rebuild_reads_all_again(make_index):
    """documents.table is what a rebuild plans from: serving does not read
    it, and a rebuild that finds it damaged rebuilds in full instead of
    trusting it."""
    corpus_dir, index_dir, _ = make_index(FILES)
    client = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir),
                         "TESTING": True}).test_client()
    expected = client.get("/api/search?q=tar").get_json()
    table = layout.current_path(index_dir) / "documents.table"
    raw = table.read_text(encoding="utf-8")
    data = json.loads(raw)
    for field, value in (("runs", [[9], [0]]), ("first", [9, 9]), ("doc_id", ["a", "a"])):
        text = json.dumps(dict(data, **{field: value}), ensure_ascii=False)
        table.write_text(text[:len(raw)].ljust(len(raw)), encoding="utf-8")
        fresh = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(index_dir),
                            "TESTING": True}).test_client()
        assert fresh.get("/api/search?q=tar").get_json()["hits"] == expected["hits"], field
        out = CliRunner().invoke(cli.main, ["rebuild", "--corpus", str(corpus_dir),
                                            "--index", str(index_dir)])
        assert out.exit_code == 0 and "Traceback" not in out.output, out.output
        assert "full" in out.output, (field, out.output)
        table = layout.current_path(index_dir) / "documents.table"
        raw = table.read_text(encoding="utf-8")
