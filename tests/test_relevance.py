"""Relevance suite over the real report: recall, exact-first ranking, MRR.

Literal queries (substrings of 1-12+ characters, many crossing jieba's word
boundaries, numbers with units, Latin tokens) must find every paragraph that
contains them, and those paragraphs must come first. Variants (traditional,
full-width, lower case) must behave like the canonical query. Topic and
operator queries have hand-picked expected paragraphs. The same checks run
on a traditional-character copy of the report made with OpenCC. Recall and
MRR are printed at the end of the run.
"""

from __future__ import annotations

import shutil

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.analysis.normalize import normalize_text
from searchsvc.engine import search as S
from searchsvc.indexer import rebuild as indexer
from searchsvc.ingest import corpus
from tests.conftest import SEED, own_snapshot, snippet_of

LITERAL = {
    "棋": [17], "湾区": [2, 8, 9, 11, 30], "木头龙": [15], "龙旧改": [15], "头龙旧": [15],
    "营商环境": [10, 26], "一半山水一半城": [18], "错峰共享停车": [7],
    "老旧小区停车难": [7], "楼层撤桶": [18], "全国围棋之乡": [17], "刀刃向内": [24],
    "自我革命的勇气": [24], "淘金山郊野生态型绿道": [18], "民生微实事项目": [17, 33],
    "二线插花地": [17, 33], "梧桐AI生态小镇": [13], "东门商圈改造2.0版": [13],
    "区卫健局获授全省": [17], "一台账两清单": [6], "专业归位": [21], "硬干部": [21],
    "光荣之家": [26], "小切口": [27], "菁英人才": [11], "数字政府": [12],
    "最多跑一次": [12], "零跑动": [12], "罗湖政府在线": [12], "中国燃气": [11],
    "油气库地块收回": [13], "水污染治理大决战": [15], "获得感幸福感安全感": [14],
    "找短板、补欠账、惠民生": [16], "从农田到餐桌": [17], "往深里走、往心里走": [3],
    "守初心、担使命、找差距": [3], "广东省县乡人大工作": [23], "罗育德": [1, 24],
    "第七届党代会": [1], "十九届四中全会": [5, 28, 30], "强弱项": [14], "湖贝": [13],
    "区县级": [12], "布吉河(罗湖段)": [13], "改革创新": [29], "共建共治共享": [27, 29, 34],
    "退役军人": [26], "党建": [20, 26], "深圳": [1, 2, 13, 14, 27],
    # numbers with units
    "6.6亿元": [11], "37.4%": [15], "23.8微克/立方米": [15], "245亿元": [9],
    "10012套": [17, 33], "1.33亿元": [17, 33], "91.2亿元": [33], "5.8%": [33],
    "120亿元": [11], "2535件": [7], "141万平方米": [13], "2019-2025": [9], "1+1+9": [2],
    "100%": [12], "6589个": [16, 33],
    # Latin tokens
    "PM2.5": [15], "P2P": [15], "GDP": [33], "AI": [13],
}

VARIANTS = {
    "羅湖": "罗湖", "ＰＭ２．５": "PM2.5", "pm2.5": "PM2.5", "Pm2.5": "PM2.5", "p2p": "P2P",
    "營商環境": "营商环境", "粵港澳大灣區": "粤港澳大湾区", "圍棋": "围棋", "６．６億元": "6.6亿元",
    "垃圾分類": "垃圾分类", "ｇｄｐ": "GDP", "木頭龍": "木头龙", "一半山水一半城": "一半山水一半城",
}

# query -> (expected paragraphs, whether they are exactly the paragraphs with
# every query word; others may follow, each saying which words it lacks)
TOPICS = {
    "营商环境 改革": ([10, 26], True), "垃圾分类 物业小区": ([18], True),
    "党建 楼宇": ([20], True), "治理体系 治理能力 现代化": ([28, 29, 30, 31, 32, 34], True),
    "学位 幼儿园": ([16, 33], True), "人才房 保障性住房": ([17, 33], True),
    "党支部 标准化": ([20], True), "湾区 研究院": ([9], True), "退役军人 荣誉": ([26], True),
    "脱贫 贫困村": ([15], True), "营商环境 测评": ([10], True),
    "罗湖 营商环境 改革": ([10], False),
    # operators
    '"双区驱动"': ([2, 8], True), "木头龙 OR 围棋": ([15, 17], True),
    "营商环境 -罗湖": ([26], True), "section:答卷3 罗湖": ([14, 15, 16, 17, 18], True),
    "doc:luohu-2019 木头龙": ([15], True), '"一半山水" 罗湖': ([18], True),
    "section:數讀 罗湖": ([33], True),
    # synonyms (corpus/_synonyms.txt)
    "大湾区": ([2, 8, 9, 11, 30], True), "棚户区改造": ([17, 21, 33], True),
    "细颗粒物": ([15], True), "鹏城": ([1, 2, 13, 14, 27], True),
}


def rank_of_first(hits, expected) -> int | None:
    for i, hit in enumerate(hits, 1):
        if hit.paragraph in expected:
            return i
    return None


@pytest.fixture(scope="module")
def report_paragraphs():
    doc = corpus.read_document(SEED)
    return {p.number: normalize_text(p.text) for p in doc.paragraphs}


@pytest.fixture(scope="module")
def metrics(request):
    data = request.config.stash.setdefault(RELEVANCE_KEY, {})
    return data


RELEVANCE_KEY = pytest.StashKey[dict]()


def record(metrics, suite, query, hits, expected):
    found = {h.paragraph for h in hits}
    recall = len(found & set(expected)) / len(expected)
    rank = rank_of_first(hits, set(expected))
    metrics.setdefault(suite, []).append((query, recall, 1 / rank if rank else 0.0))


def check_literal(snap, query, expected, metrics, suite):
    result = S.search(snap, query, per_page=100)
    hits = result.hits
    record(metrics, suite, query, hits, expected)
    found = [h.paragraph for h in hits]
    assert set(expected) <= set(found), f"{query}: missing {set(expected) - set(found)}"
    # every paragraph that contains the query as typed comes before the rest
    assert set(found[:len(expected)]) == set(expected), f"{query}: {found}"
    assert all(h.exact for h in hits[:len(expected)])


@pytest.mark.parametrize("query", sorted(LITERAL))
def test_literal_queries_find_every_paragraph_exact_first(seed_snapshot, report_paragraphs,
                                                          metrics, query):
    expected = LITERAL[query]
    needle = normalize_text(query)
    oracle = sorted(n for n, text in report_paragraphs.items() if needle in text)
    assert oracle == expected, "the expectation itself is wrong"
    check_literal(seed_snapshot, query, expected, metrics, "literal")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variants_behave_like_the_canonical_query(seed_snapshot, metrics, variant):
    canonical = S.search(seed_snapshot, VARIANTS[variant], per_page=100)
    result = S.search(seed_snapshot, variant, per_page=100)
    assert canonical.total > 0
    assert [h.id for h in result.hits] == [h.id for h in canonical.hits]
    assert [h.matches for h in result.hits] == [h.matches for h in canonical.hits]
    record(metrics, "variants", variant, result.hits, [h.paragraph for h in canonical.hits])


@pytest.mark.parametrize("query", sorted(TOPICS))
def test_topic_and_operator_queries(seed_snapshot, metrics, query):
    expected, complete = TOPICS[query]
    result = S.search(seed_snapshot, query, per_page=100)
    found = [h.paragraph for h in result.hits]
    record(metrics, "topics", query, result.hits, expected)
    assert set(expected) <= set(found), f"{query}: {found}"
    if complete:
        with_every_word = [h.paragraph for h in result.hits if not h.missing]
        assert sorted(with_every_word) == sorted(expected), f"{query}: {found}"
        assert sorted(found[:len(expected)]) == sorted(expected), f"{query}: {found}"
        assert all(h.missing for h in result.hits[len(expected):]), f"{query}: {found}"
    assert found[0] in expected


# --------------------------------------------------------------------------
# The same on a traditional-character copy of the report
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def traditional_snapshot(tmp_path_factory):
    s2t = opencc.OpenCC("s2t")
    base = tmp_path_factory.mktemp("traditional")
    corpus_dir = base / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "luohu-2019-zht.txt").write_text(
        s2t.convert(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    for extra in ("_dictionary.txt", "_synonyms.txt"):
        shutil.copy(SEED.parent / extra, corpus_dir / extra)
    indexer.build_index(corpus_dir, base / "index")
    return own_snapshot(base / "index")


@pytest.mark.parametrize("query", sorted(LITERAL))
def test_traditional_copy_is_found_by_simplified_and_traditional_queries(
        traditional_snapshot, metrics, query):
    expected = LITERAL[query]
    check_literal(traditional_snapshot, query, expected, metrics, "traditional copy")
    traditional_query = opencc.OpenCC("s2t").convert(query)
    check_literal(traditional_snapshot, traditional_query, expected, metrics, "traditional copy")
    # the mark covers the document's own (traditional) characters
    hit = S.search(traditional_snapshot, query, per_page=1).hits[0]
    marked = [hit.text[start:end] for start, end in hit.matches]
    assert any(normalize_text(query) in normalize_text(m) for m in marked), marked
    assert f"<mark>{marked[0]}</mark>" in snippet_of(hit) or len(hit.text) > 200


# --------------------------------------------------------------------------
# Property: any substring of any paragraph finds that paragraph
# --------------------------------------------------------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_substring_finds_its_paragraph(seed_snapshot, data):
    paragraph = data.draw(st.sampled_from(seed_snapshot.paragraphs("luohu-2019")))
    text = paragraph["text"]
    length = data.draw(st.integers(1, 12))
    start = data.draw(st.integers(0, max(0, len(text) - length)))
    query = text[start:start + length]
    result = S.search(seed_snapshot, query, per_page=100)
    found = {h.paragraph: h for h in result.hits}
    assert paragraph["n"] in found, query
    assert found[paragraph["n"]].exact
    assert not result.partial
