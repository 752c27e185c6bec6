"""Paragraphs too long to read (#40): split at sentence ends into pieces
of about equal length, none over the stated length, each an entry with
its number, the later ones marked as going on from the one before, in
the API, the document view and the terminal."""

import re

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc import cli, create_app
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.engine.highlight import fragments
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest.model import Paragraph
from searchsvc.ingest.split import LONGEST, pieces, split_long
from tests.conftest import write_corpus

SENTENCES = ["罗湖区坚持把优化营商环境作为一号改革工程来抓。", "全年出台惠企政策二十余项，企业满意度明显提升！",
             "政务服务提速了吗？", "“数字政府”建设全面推进。", "木头龙旧改项目启动；",
             "城区面貌持续改善，居民生活更加便利。"]
WALL = "".join(SENTENCES[i % len(SENTENCES)] for i in range(120))  # about 2,400 characters


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES + ["短句。", "一个没有句号的很长的分句，" * 30]),
                min_size=1, max_size=150))
def test_pieces_keep_every_character_and_stay_within_the_length(parts):
    text = "".join(parts)
    cut = pieces(text)
    assert "".join(cut) == text.strip()
    assert all(0 < len(piece) <= LONGEST for piece in cut)
    if len(text) <= LONGEST:
        assert cut == [text]


def test_a_wall_is_cut_at_sentence_ends_into_even_pieces():
    cut = pieces(WALL)
    assert len(cut) == -(-len(WALL) // int(LONGEST * 0.9))
    assert all(re.search(r"[。！？；]”?$", piece) for piece in cut)
    assert max(map(len, cut)) - min(map(len, cut)) < 100


def test_split_paragraphs_are_numbered_on_and_marked():
    paras = [Paragraph(1, "导言。"), Paragraph(2, WALL, "一、概况", page=3), Paragraph(3, "结语。")]
    out, reasons = split_long(paras, ["a", "b", "c"])
    assert [p.number for p in out] == list(range(1, len(out) + 1))
    assert [p.continues for p in out] == [False, False] + [True] * (len(out) - 3) + [False]
    assert {p.section for p in out[1:-1]} == {"一、概况"} and {p.page for p in out[1:-1]} == {3}
    assert "".join(p.text for p in out[1:-1]) == WALL
    assert reasons[:2] == ["a", "b"] and reasons[-1] == "c" and "split" in reasons[2]


def test_a_long_paragraph_reads_as_pieces_in_the_api_the_page_and_the_terminal(tmp_path):
    text = "长段落测试\n\n" + WALL + "\n\n下一段讲城区更新。"
    folder = write_corpus(tmp_path / "c", {"wall.txt": text})
    indexer.build_index(folder, tmp_path / "i")
    snap = snapshots.open_current(tmp_path / "i")
    try:
        stored = snap.paragraphs("wall")
        assert max(len(p["text"]) for p in stored) <= LONGEST
        assert [bool(p.get("cont")) for p in stored] == \
            [False] + [True] * (len(stored) - 2) + [False]
        hits = S.search(snap, "城区面貌").hits
        assert hits and all(h.continues == (h.paragraph not in (1, len(stored))) for h in hits)
    finally:
        snap.close()
    client = create_app({"CORPUS_DIR": str(folder), "INDEX_DIR": str(tmp_path / "i"),
                         "TESTING": True}).test_client()
    body = client.get("/api/search", query_string={"q": "木头龙"}).get_json()
    assert body["hits"] and {h["continues"] for h in body["hits"]} == {False, True}
    page = client.get("/doc/wall").get_data(as_text=True)
    assert page.count('class="para cont"') == len(stored) - 2
    out = CliRunner().invoke(cli.main, ["search", "木头龙", "--index", str(tmp_path / "i")]).output
    assert "接上段" in out


def test_a_snippet_never_cuts_a_sentence_that_fits():
    text = pieces(WALL)[0]
    at = text.index("木头龙")
    for start, end in fragments(text, [(at, at + 3)]):
        assert start == 0 or text[start - 1] in "。！？；”"
        assert end == len(text) or text[end - 1] in "。！？；”"
