"""Ranked retrieval: what people type finds what they mean.

Each of the first tests builds a small corpus that reproduces one way the
boolean search of earlier versions failed (the issue's five causes), plus
the operators around ranking (+word, OR, quotes, exclusions), per-hit
``missing`` and highlighting that agrees with matching. The last part runs
keyword-style queries over the real report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from searchsvc.engine import order
from searchsvc.engine import search as S
from searchsvc.indexer import rebuild as indexer
from tests.conftest import ROOT, own_snapshot, snippet_of, write_corpus

FILLER = [
    "这是一个国家的一个重要节日,人们在这一天举行各种活动。",
    "这是由一个国家的政府发布的一个报告,其中有很多数据。",
    "一个国家的发展是由人民推动的,这是历史的经验。",
    "哪一个国家的人口最多?这是一个常见的问题。",
    "这个国家是一个历史悠久的国家,有很多的名胜古迹。",
    "这是一个由国家出资建设的项目,已经投入使用。",
]


def build(tmp_path, paragraphs: dict[str, list[str]]):
    """An index over documents given as {doc_id: [paragraph, ...]} (title: the id)."""
    files = {f"{doc}.txt": doc + "\n" + "\n".join(paras) for doc, paras in paragraphs.items()}
    write_corpus(tmp_path / "corpus", files)
    indexer.build_index(tmp_path / "corpus", tmp_path / "index")
    return own_snapshot(tmp_path / "index")


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


# --------------------------------------------------------------------------
# The five causes
# --------------------------------------------------------------------------

def test_a_space_does_not_decide_whether_a_paragraph_is_found(tmp_path):
    """Cause 1: the fallback used whole typed terms; one space gave nothing."""
    snap = build(tmp_path, {
        "drug": ["庆大霉素必须经肌肉注射或者静脉滴注途径给药,口服几乎不吸收。",
                 "青霉素是一种常用的抗生素。", "给药方式有口服、注射和外用几种。"],
        "other": FILLER,
    })
    forms = ["庆大霉素必须要用 方式给药", "庆大霉素必须要用方式给药",
             "庆大霉素 必须 要 用 方式 给药"]
    results = [S.search(snap, q) for q in forms]
    for q, r in zip(forms, results):
        assert r.hits and r.hits[0].id == "drug#p1", (q, ids(r))
        assert "方式" in r.hits[0].missing
    assert {h.id for h in results[0].hits} == {h.id for h in results[1].hits}


def test_a_paragraph_with_every_word_does_not_hide_the_rest(tmp_path):
    """Cause 2: when one paragraph had every word (generic ones included),
    only it was shown."""
    snap = build(tmp_path, {
        "lama": ["喇嘛是藏传佛教对高僧的尊称,原意为上师。",
                 "他说这位喇嘛讲的故事很有意思。",
                 "民主化是指由独裁体制转变成民主体制的过程。",
                 "什么是民主化的代价,每个人的答案都不一样。"],
        "other": FILLER,
    })
    r = S.search(snap, "喇嘛 意思")
    assert ids(r)[:2] == ["lama#p2", "lama#p1"]  # every word first, then the rest
    assert r.hits[0].missing == [] and r.hits[1].missing == ["意思"]
    assert r.complete == 1 and r.total == 2 and not r.partial
    r = S.search(snap, "什么是民主化")
    assert set(ids(r)) == {"lama#p3", "lama#p4"}
    assert r.hits[0].id == "lama#p4" and r.hits[0].exact  # holds the query as typed
    assert r.hits[1].missing == []  # 什么 and 是 are never missing


def test_common_words_do_not_outvote_the_subject(tmp_path):
    """Cause 3: 的, 是, 一个 were worth about 2 points each."""
    snap = build(tmp_path, {
        "history": ["1937年7月7日,日本军队在卢沟桥发动七七事变,全面侵华战争由此开始。"],
        "other": FILLER * 3,
    })
    r = S.search(snap, "七七事变是由哪一个国家发动的")
    assert r.hits[0].id == "history#p1"
    assert r.hits[0].missing == ["国家"]
    assert all(h.missing for h in r.hits)


def test_compound_query_words_give_credit_through_their_sub_words(tmp_path):
    """Cause 4: 平均温度 in the query gave no credit to 平均气温."""
    snap = build(tmp_path, {
        "climate": ["台北一月的平均气温约为十六度,七月约为三十度。",
                    "温度计要放在阴凉通风的地方。", "台北是一座多雨的城市。"],
        "other": FILLER,
    })
    r = S.search(snap, "平均温度")
    assert "climate#p1" in ids(r)
    assert all(h.missing == ["平均温度"] and h.partial for h in r.hits)
    r = S.search(snap, "台北 平均温度")
    assert ids(r)[0] == "climate#p1"  # 台北 and 平均 beat 台北 alone
    assert r.hits[0].missing == ["平均温度"]


HASH_SEED_SCRIPT = """
import json, sys
from searchsvc.storage import layout as index
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
snap = snapshots.Snapshot(index.current_path(sys.argv[1]))
out = {}
for q in json.loads(sys.argv[2]):
    r = S.search(snap, q, per_page=20)
    out[q] = [(h.id, round(h.score, 5), h.missing, h.matches) for h in r.hits] + [r.total]
print(json.dumps(out, ensure_ascii=False))
"""


def test_same_index_same_query_same_answer_under_any_hash_seed(seed_dirs):
    """Cause 5: ties between grams were broken by set order, so scores
    changed with PYTHONHASHSEED between server starts."""
    # the words after 罗湖 营商环境 each have two rarest character pairs of
    # equal document frequency: earlier versions ranked them by whichever
    # pair the set gave first
    queries = ["罗湖 营商环境", "年轻化", "停车难", "粤港澳大湾区", "水污染", "专业化",
               "清水河片区 1300", "大湾区 股份公司", "治理体系 治理能力 现代化",
               "罗湖的营商环境怎么样", "木头龙 改造 进展", "人才房 OR 学位", "湾区 -研究院"]
    answers = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", HASH_SEED_SCRIPT, str(seed_dirs[1]),
                              json.dumps(queries)], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        answers.append(json.loads(out))
    assert answers[0] == answers[1] == answers[2]
    assert all(len(v) > 1 for v in answers[0].values())


# --------------------------------------------------------------------------
# Operators around ranking
# --------------------------------------------------------------------------

def test_plus_requires_quotes_prefer_minus_excludes_or_joins(tmp_path):
    snap = build(tmp_path, {
        "lama": ["喇嘛是藏传佛教对高僧的尊称,原意为上师。",
                 "他说这位喇嘛讲的故事很有意思。",
                 "这个故事的意思很深。"],
        "other": FILLER,
    })
    r = S.search(snap, "喇嘛 +意思")  # 意思 must be there, 喇嘛 ranks
    assert ids(r) == ["lama#p2", "lama#p3"] and r.hits[1].missing == ["喇嘛"]
    assert set(ids(S.search(snap, "+意思"))) == {"lama#p2", "lama#p3"}
    r = S.search(snap, '"高僧的尊称" 意思')  # a quoted phrase is preferred, not required
    assert ids(r)[0] == "lama#p1" and not r.hits[0].near
    assert not any(h.near for h in r.hits)  # the others hold none of its words
    assert ids(S.search(snap, '+"高僧的尊称" 意思')) == ["lama#p1"]  # +"…" insists
    assert ids(S.search(snap, "喇嘛 -故事")) == ["lama#p1"]
    r = S.search(snap, "高僧 OR 上师 意思")
    assert ids(r)[0] in ("lama#p1", "lama#p2") and "lama#p1" in ids(r)
    r = S.search(snap, "喇嘛 意思 +意思")  # 意思 and +意思: one unit, required
    assert ids(r) == ["lama#p2", "lama#p3"] and r.hits[1].missing == ["喇嘛"]


def test_question_words_never_decide_whether_a_paragraph_is_shown(tmp_path):
    snap = build(tmp_path, {
        "history": ["1937年7月7日,日本军队在卢沟桥发动七七事变。",
                    "七七事变以后,中国开始全面抗战。"],
        "other": FILLER,
    })
    plain = S.search(snap, "七七事变 发动")
    for q in ("七七事变是谁发动的", "谁发动了七七事变?", "七七事变 发动 吗", "什么 七七事变 发动"):
        r = S.search(snap, q)
        assert {h.id for h in r.hits} == {h.id for h in plain.hits}, q
        assert r.hits[0].id == "history#p1" and r.hits[0].missing == [], q
    assert not S.search(snap, "火星 是 什么").hits  # only question words occur


def test_a_word_broken_by_white_space_is_matched_and_marked_whole(tmp_path):
    snap = build(tmp_path, {"pdf": ["深圳市罗湖 区营商\u3000环境持续优化。", "福田区的情况。"]})
    r = S.search(snap, "罗湖区营商环境")
    assert ids(r)[0] == "pdf#p1" and r.hits[0].exact and r.hits[0].missing == []
    text = r.hits[0].text
    assert [text[s:e] for s, e in r.hits[0].matches] == ["罗湖 区营商\u3000环境"]
    assert "<mark>罗湖 区营商\u3000环境</mark>" in snippet_of(r.hits[0])


# --------------------------------------------------------------------------
# Keyword queries on the real report, as people type them
# --------------------------------------------------------------------------

# query -> paragraphs a reader would want first
REPORT_QUERIES = {
    "罗湖 城市更新 成效": [13, 21], "营商环境怎么样": [10], "木头龙 改造 进展": [15],
    "停车难 怎么解决": [7], "学位 幼儿园 多少": [16, 33], "垃圾分类 推进情况": [18],
    "PM2.5 浓度 多少": [15], "人才房 套数": [17, 33], "党支部 建设": [20],
    "扶贫 脱贫 贫困村": [15], "主题教育 怎么开展": [3, 4, 5, 6, 7], "罗湖 减税降费": [11, 33],
    "政务服务 最多跑一次": [12], "退役军人 服务": [26], "物业 基层治理": [27],
    "粤港澳大湾区 重点项目": [8, 9], "巡视 整改 任务": [19], "干部 年轻化": [21],
    "棚改 人才房": [17, 33], "湖贝 片区 开工": [13], "水污染 治理 黑臭水体": [15],
    "罗湖区党代会 报告": [1], "廉政 警示教育": [22], "食品安全 监管": [17],
    "基层治理现代化 目标": [34], "无障碍 城区": [18], "罗湖 教改 获奖": [16],
    "罗湖的营商环境怎么样": [10], "罗湖怎么治理黑臭水体": [15],
    "罗湖有多少个小区成立了党支部": [20],
}


@pytest.mark.parametrize("query", sorted(REPORT_QUERIES))
def test_keyword_queries_on_the_report(seed_snapshot, query):
    expected = REPORT_QUERIES[query]
    r = S.search(seed_snapshot, query)
    found = [h.paragraph for h in r.hits]
    assert found and found[0] in expected, found
    first = r.hits[0]
    assert first.matches, "the first hit shows why it matched"
    assert not set(first.missing) & {"怎么", "多少", "怎么样", "怎么解决"}


def test_the_heading_field_finds_words_in_one_title_or_label_only(tmp_path):
    from searchsvc.engine.ranking import Headings
    from searchsvc.storage import docmap
    from searchsvc.storage.files import Mapped

    docmap.write_heading_field(tmp_path, [(0, 2, "罗湖\0答卷3\0"), (2, 3, "深圳\0\0"),
                                          (5, 1, "湖南\0目标\0"), (6, 1, "\U00020000𝄞")])
    field = docmap.HeadingField(Mapped(tmp_path / docmap.HEADINGS),
                                Mapped(tmp_path / docmap.RUNS), 7)
    headings = Headings(field)
    assert list(headings.under("罗湖")) == [0, 1]
    assert list(headings.under("湖")) == [0, 1, 5]
    assert list(headings.under("目标")) == [5]
    assert list(headings.under("3深")) == [] and list(headings.under("湖答")) == []
    assert list(headings.under("𝄞")) == [6] and list(headings.under("\U00020000")) == [6]
    field.close()


def test_a_title_word_lifts_the_document_s_paragraphs(tmp_path):
    snap = build(tmp_path, {
        "围棋": ["这项运动起源于中国,规则简单而变化无穷。", "比赛在周末举行。"],
        "象棋": ["这项运动在中国也有很长的历史。", "比赛在周末举行。"],
    })
    r = S.search(snap, "围棋 运动")
    assert r.hits[0].id == "围棋#p1" and r.hits[0].missing == ["围棋"]


def test_a_long_paragraph_with_most_words_beats_short_ones_with_one(tmp_path, monkeypatch):
    """#25: BM25 favours short paragraphs, so in a collection of one-line
    briefs beside long reports, a brief holding one word of a long query
    outranked the paragraph holding three of its four. The share of the
    query a paragraph holds scales its score in the rerank."""
    filler = "区里召开专题会议，研究部署下一阶段重点工作，要求各部门压实责任、细化措施，确保任务按期完成。"
    briefs = {f"brief{i}": [f"{word}。", "会议纪要：" + filler]
              for i, word in enumerate(["城市更新", "人居环境", "营商环境", "产业升级"] * 3)}
    report = filler.join(["", "全面推进城市更新，", "持续改善人居环境，", "着力优化营商环境。", ""])
    snap = build(tmp_path, {**briefs, "report": [report, filler]})
    query = "城市更新 人居环境 营商环境 产业升级"
    assert ids(S.search(snap, query))[0] == "report#p1"
    assert ids(S.search(snap, "城市更新"))[0].startswith("brief")  # one word: the short one
    monkeypatch.setattr(order, "COVERAGE", 0.0)  # the test can fail: without it, a brief
    snap.results.clear()
    assert ids(S.search(snap, query))[0] != "report#p1"
