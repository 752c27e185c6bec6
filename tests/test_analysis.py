"""jieba words, normalization and the character index on the report's own sentences.

Word positions matter to query_units (a search-mode sub-word belongs to the
word at its position); offsets mapped back through ``Normalized.span`` to
highlighting."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyroaring import FrozenBitMap

from searchsvc.analysis.normalize import flat_text, flatten, literal_grams, normalize
from searchsvc.analysis.words import query_words, word_spans
from searchsvc.storage.deletions import Deletions
from searchsvc.storage.files import DamagedFile
from searchsvc.storage.grams import GramStore, write


def tokens(text, mode="index"):
    """(word, position, start, end) with offsets into the original ``text``."""
    norm = normalize(text)
    return [(w, pos, *norm.span(s, e)) for w, s, e, pos in word_spans(norm.text, mode)]


def test_positions_are_running_token_numbers_and_offsets_point_into_the_text():
    text = "一半山水一半城的罗湖,过去一年环境品质提档升级。"
    toks = tokens(text, mode="query")
    assert [t[0] for t in toks][:5] == ["一半", "山水", "一半", "城", "的"]
    assert [t[1] for t in toks] == list(range(len(toks)))
    for word, _pos, start, end in toks:
        assert text[start:end] == word


def test_search_mode_subwords_share_the_position_of_their_word():
    text = "在产业发展上,中华人民共和国成立"
    toks = tokens(text)
    by_word = {t[0]: t for t in toks}
    whole = by_word["中华人民共和国"]
    for sub in ("中华", "华人", "人民", "共和", "共和国"):
        assert by_word[sub][1] == whole[1], sub
        assert text[by_word[sub][2]:by_word[sub][3]] == sub
    # positions never go backwards and advance by one per accurate-mode word
    positions = [t[1] for t in toks]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(tokens(text, mode="query"))


def test_latin_and_digit_runs_stay_whole_and_are_case_folded():
    text = "全年PM2.5浓度均值降至23.8微克,扶持资金6.6亿元,P2P网贷,下降37.4%,2019年"
    words = [t[0] for t in tokens(text, mode="query")]
    for expected in ("pm2.5", "23.8", "6.6", "p2p", "37.4", "2019"):
        assert expected in words
    assert "PM2.5" not in words
    toks = tokens(text, mode="query")
    pm = next(t for t in toks if t[0] == "pm2.5")
    assert text[pm[2]:pm[3]] == "PM2.5"


def test_full_width_and_traditional_text_normalize_with_original_offsets():
    text = "全年ＰＭ２．５濃度,羅湖區"
    toks = tokens(text, mode="query")
    pm = next(t for t in toks if t[0] == "pm2.5")
    assert text[pm[2]:pm[3]] == "ＰＭ２．５"
    assert "罗湖" in [t[0] for t in toks] or "罗湖区" in [t[0] for t in toks]
    assert normalize("羅湖").text == "罗湖"
    assert normalize("ＡＢＣ").text == "abc"


def test_offsets_survive_characters_that_expand_under_nfkc():
    text = "面积㎡扩大"  # ㎡ becomes "m2": two normalized characters for one
    norm = normalize(text)
    assert norm.text == "面积m2扩大"
    start = norm.text.index("扩大")
    assert norm.span(start, start + 2) == (3, 5)
    assert norm.span(2, 4) == (2, 3)  # "m2" maps back to the one ㎡
    toks = tokens(text, mode="query")
    for word, _pos, s, e in toks:
        assert normalize(text[s:e]).text == word


def _grams(folder, parts, docnums, deleted=()):
    return GramStore(folder, parts, Deletions(FrozenBitMap(deleted), docnums))


def test_character_index_holds_characters_and_pairs(tmp_path):
    write(tmp_path, "a", ["木头龙木", "龙旧改", "pm2.5𠀀"])
    store = _grams(tmp_path, ["a"], 3)
    assert store.df("龙") == 2 and store.df("木头") == 1 and store.df("头旧") == 0
    assert list(store.with_gram("龙")) == [0, 1]
    assert list(store.with_gram("木")) == [0] and store.df("木") == 1  # a paragraph once
    assert list(store.with_gram("5𠀀")) == [2]  # beyond the BMP
    assert list(store.with_gram("缺")) == []
    store.close()
    # a second part numbers on from its base; the store reads both as one
    write(tmp_path, "b", ["龙龙", "没有"], base=3)
    store = _grams(tmp_path, ["a", "b"], 5)
    assert store.df("龙") == 3 and store.df("没有") == 1
    assert list(store.with_gram("龙")) == [0, 1, 3]
    assert list(store.with_gram("木头")) == [0] and list(store.with_gram("没有")) == [4]
    store.close()
    # paragraphs an incremental rebuild deleted are in no answer but the estimate
    store = _grams(tmp_path, ["a", "b"], 5, [1, 4])
    assert list(store.with_gram("龙")) == [0, 3] and not store.with_gram("没有")
    assert store.df("龙") == 3
    store.close()
    # a paragraph number past the build's last is a damaged file, not an answer
    store = _grams(tmp_path, ["a", "b"], 4)
    with pytest.raises(DamagedFile, match="a.grams.post, b.grams.post"):
        store.with_gram("没有")
    store.close()
    assert literal_grams("木头龙") == ["木头", "头龙"]
    assert literal_grams("棋") == ["棋"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="木头龙龙a𠀀", max_size=12), max_size=8),
       st.integers(min_value=0, max_value=5))
def test_character_index_finds_every_character_and_pair(tmp_path_factory, texts, base):
    """The store against a plain scan: each paragraph's characters and
    adjacent pairs, never a pair across two paragraphs."""
    folder = tmp_path_factory.mktemp("grams")
    write(folder, "p", texts, base)
    expected: dict[str, set[int]] = {}
    for n, text in enumerate(texts, base):
        for gram in [*text, *(text[i:i + 2] for i in range(len(text) - 1))]:
            expected.setdefault(gram, set()).add(n)
    store = _grams(folder, ["p"], base + len(texts))
    try:
        for gram in {*expected, "木头", "龙a", "a𠀀", "𠀀木", "头头"}:
            assert list(store.with_gram(gram)) == sorted(expected.get(gram, ())), gram
            assert store.df(gram) == len(expected.get(gram, ()))
    finally:
        store.close()


def test_query_words_are_normalized_and_distinct():
    assert query_words("羅湖 羅湖") == ["罗湖"]
    assert query_words("ＰＭ２．５") == ["pm2.5"]
    assert query_words("。,!") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("罗湖區ＰＭ２．５ a\u3000\n\tÅﬁ①")), max_size=30))
def test_flatten_is_flat_text_with_offsets_into_the_original(text):
    flat = flatten(text)
    assert flat.text == flat_text(text)
    for i, ch in enumerate(flat.text):
        start, end = flat.span(i, i + 1)
        assert ch in flat_text(text[start:end])
