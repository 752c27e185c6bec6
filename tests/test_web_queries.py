"""Queries as people type them into a search engine (#39): each rule on
paragraphs made for it, through ``search()``, the JSON API and the page.

Quotes are a preference, coverage is weighed by rarity, a one-character
word counts as a word, question words are cut from what jieba glues them
to, numbers are found in every common spelling, equivalences (a corpus's
``_synonyms.txt`` and the starting list) apply without a rebuild, and a
query whose words occur nowhere is answered by pieces of them.
"""

from __future__ import annotations

import random

import pytest

from searchsvc import create_app
from searchsvc.analysis import equivalences, numbers
from searchsvc.engine import equivalences as live
from searchsvc.engine import search as S
from searchsvc.engine.segment import term_units
from tests.test_ranking import FILLER, build, ids


def test_a_quoted_phrase_is_preferred_and_its_near_matches_follow(tmp_path):
    snap = build(tmp_path, {
        "a": ["我们坚持房子是用来住的不是用来炒的定位，稳地价稳房价。"],
        "b": ["房子是用来住的、不是用来炒的，这一定位要长期坚持下去。"],  # a 、 inside
        "c": ["房子和车子都是用来代步和居住的东西，不能混为一谈。"],
        "other": FILLER,
    })
    phrase = "房子是用来住的不是用来炒的"
    r = S.search(snap, f'"{phrase}"')
    assert ids(r)[:2] == ["a#p1", "b#p1"]
    assert r.hits[0].exact and not r.hits[0].near
    assert not r.hits[1].exact and r.hits[1].near == [phrase]  # found by its words, said so
    assert [m for m in r.hits[1].matches]  # and marked where its words are
    assert ids(S.search(snap, f'+"{phrase}"')) == ["a#p1"]  # +"…" insists
    assert not S.search(snap, f'"{phrase}"').relaxed  # the phrase occurs: no relaxed notice


def test_a_quoted_phrase_with_a_character_more_or_less_is_a_near_match(tmp_path):
    snap = build(tmp_path, {
        "as_typed": ["全年坚持稳中求进工作总基调，经济运行总体平稳。"],
        "added": ["我们坚持稳中求进的工作总基调不动摇。"],  # 的 added
        "dropped": ["稳中求进工作基调要长期坚持。"],  # 总 dropped
        "other": FILLER,
    })
    r = S.search(snap, '"稳中求进工作总基调"')
    assert ids(r)[0] == "as_typed#p1" and not r.hits[0].near
    assert {"added#p1", "dropped#p1"} <= set(ids(r))  # candidates, not filtered out
    assert [h.near for h in r.hits if h.id == "added#p1"] == [["稳中求进工作总基调"]]


def test_a_rare_word_outweighs_several_common_ones(tmp_path):
    # 城市, 年度 and 上网 in 27 of 60 paragraphs: common, yet under half, so
    # each still counts; 钙钛矿 in two. Counted, three units of four beat
    # one; weighed by idf, the one rare word the query is about wins.
    snap = build(tmp_path, {
        "common": [f"第{i}号城市年度报告已经上网。" for i in range(27)],
        "other": [f"第{i}号文件说的是别的事情。" for i in range(31)],
        "rare": ["今年着力推动科技创新和产业升级，培育发展新兴产业和未来产业，包括人工智能、"
                 "生物制造、量子科技和钙钛矿电池等方向，推动新技术新产品新场景大规模应用。",
                 "钙钛矿电池是一个方向。"],
    })
    r = S.search(snap, "钙钛矿 城市 年度 上网")
    assert ids(r)[0] == "rare#p2"


def test_a_one_character_word_standing_alone_beats_it_inside_a_longer_word(tmp_path):
    snap = build(tmp_path, {
        "school": ["他去学校。"],  # shorter: BM25 alone would put it first
        "learn": ["他每天回到家里以后就自己学。"],
        "other": FILLER,
    })
    r = S.search(snap, "学")
    assert ids(r) == ["learn#p1", "school#p1"]  # both found (the literal), the word first


def test_question_words_are_cut_from_what_jieba_glues_them_to():
    assert [w for w, _ in term_units("哪省粮食产量最多", None, {})][:2] == ["哪", "省"]
    assert "多少" in [w for w, _ in term_units("粮食产量最多少", None, {})]
    assert "哪一" in [w for w, _ in term_units("不为哪一宗派", None, {})]  # not 哪 and 一
    for word in ("几乎", "哪怕", "任何"):  # dictionary words keep their question characters
        assert [w for w, _ in term_units(word, None, {})] == [word]


def test_a_question_word_glued_to_a_word_finds_the_rest(tmp_path):
    snap = build(tmp_path, {"grain": ["河南省粮食产量连续多年全国第一。"], "other": FILLER})
    r = S.search(snap, "粮食产量哪省最高")
    assert ids(r)[0] == "grain#p1"


@pytest.mark.parametrize("query, marked", [
    ("2023年 生产总值", ["二〇二三年", "2023年"]),
    ("二〇二三年 生产总值", ["二〇二三年", "2023年"]),
    ("增长5%", ["百分之五", "5%"]),
    ("增长百分之五", ["百分之五", "5%"]),
])
def test_numbers_are_found_in_either_spelling_and_marked_where_they_stand(tmp_path, query, marked):
    snap = build(tmp_path, {
        "cn": ["二〇二三年全市生产总值增长百分之五，好于预期。"],
        "ar": ["2023年全市生产总值增长5%，好于预期。"],
        "other": FILLER,
    })
    r = S.search(snap, query)
    assert set(ids(r)[:2]) == {"cn#p1", "ar#p1"}
    for hit in r.hits[:2]:
        spans = ["".join(hit.text[a:b] for a, b in [m]) for m in hit.matches]
        assert any(any(m in s for m in marked) for s in spans), (hit.id, spans)


def test_number_spellings():
    assert numbers.spelled("增长12.8%") == ["增长12.8%", "增长百分之十二点八"]
    assert numbers.spelled("二〇二〇年")[:2] == ["二〇二〇年", "2020年"]
    assert "一九八○年" in numbers.spelled("1980年")  # ○ of older typesetting
    assert numbers.spelled("3680亿斤") == ["3680亿斤", "3,680亿斤", "三千六百八十亿斤"]
    assert numbers.spelled("121万亿元") == ["121万亿元", "一百二十一万亿元"]
    assert numbers.spelled("五公斤") == ["五公斤", "5公斤"]
    for words in ("一带一路", "十四五规划", "六稳六保", "PM2.5", "P2P"):
        assert numbers.spelled(words) == [words]  # words, not amounts


def test_chinese_readings_of_numbers_read_back():
    rng = random.Random(39)
    for n in [0, 10, 11, 20, 101, 110, 1001, 1010, 10001, 100000, 10000001, 120000000] + \
            [rng.randrange(10 ** rng.randrange(1, 13)) for _ in range(2000)]:
        reading = numbers.chinese_reading(str(n))
        assert numbers.parse_chinese(reading) == str(n), (n, reading)
    assert numbers.parse_chinese("十二点八") == "12.8"
    assert numbers.parse_chinese("一九八二") == "1982"
    assert numbers.parse_chinese("二三百") is None  # not one number


def test_equivalence_rules():
    rules = equivalences.parse("大湾区 粤港澳大湾区\n个税 => 个人所得税\n双碳 => 碳达峰+碳中和 # 口号\n")
    assert rules == {"大湾区": ["粤港澳大湾区"], "粤港澳大湾区": ["大湾区"],
                     "个税": ["个人所得税"], "双碳": ["碳达峰+碳中和"]}
    assert "个人所得税" not in rules  # one way
    assert equivalences.starting_list()["六稳六保"] == ["六稳+六保"]


def test_a_slogan_finds_the_paragraph_that_spells_it_out_and_a_new_rule_needs_no_rebuild(
        tmp_path, monkeypatch):
    monkeypatch.setattr(live, "CHECK_EVERY", 0.0)
    snap = build(tmp_path, {
        "spelled": ["扎实做好“六稳”工作，全面落实“六保”任务。"],
        "tax": ["个人所得税起征点提高到每月5000元。"],
        "new": ["推动形成以国内大循环为主体、国内国际双循环相互促进的新发展格局。"],
        "other": FILLER,
    })
    assert ids(S.search(snap, "六稳六保"))[0] == "spelled#p1"  # the starting list: 六稳+六保
    assert ids(S.search(snap, "个税"))[0] == "tax#p1"
    assert not S.search(snap, "双轮驱动").hits
    (tmp_path / "corpus" / "_synonyms.txt").write_text("双轮驱动 => 国内大循环+国内国际双循环\n",
                                                        encoding="utf-8")
    assert snap.answers_version != snap.version  # kept answers and ETags move with the rules
    assert ids(S.search(snap, "双轮驱动")) == ["new#p1"]  # no rebuild
    (tmp_path / "corpus" / "_synonyms.txt").unlink()
    assert not S.search(snap, "双轮驱动").hits


def test_a_query_whose_words_occur_nowhere_gets_pieces_of_them_and_says_so(tmp_path):
    snap = build(tmp_path, {"litho": ["国产光刻胶和刻蚀设备实现突破。"], "other": FILLER})
    r = S.search(snap, "光刻机是什么")
    assert ids(r) == ["litho#p1"] and r.pieces == ["光刻"] and r.absent == ["光刻机"]
    assert not S.search(snap, "火星").hits  # a two-character word has no pieces


def test_the_page_and_the_api_say_near_matches_and_pieces(tmp_path):
    build(tmp_path, {
        "a": ["我们坚持房子是用来住的不是用来炒的定位。"],
        "b": ["房子是用来住的、不是用来炒的，这一定位要长期坚持。"],
        "litho": ["国产光刻胶和刻蚀设备实现突破。"],
        "other": FILLER,
    })
    app = create_app({"CORPUS_DIR": str(tmp_path / "corpus"), "INDEX_DIR": str(tmp_path / "index")})
    client = app.test_client()
    body = client.get("/api/search", query_string={"q": '"房子是用来住的不是用来炒的"'}).get_json()
    assert [h["near"] for h in body["hits"][:2]] == [[], ["房子是用来住的不是用来炒的"]]
    assert body["pieces"] == []
    page = client.get("/", query_string={"q": '"房子是用来住的不是用来炒的"'}).get_data(as_text=True)
    assert "相近匹配" in page and "只看原样包含的" in page
    body = client.get("/api/search", query_string={"q": "光刻机"}).get_json()
    assert body["pieces"] == ["光刻"] and body["hits"]
    page = client.get("/", query_string={"q": "光刻机"}).get_data(as_text=True)
    assert "没有段落包含「光刻机」" in page and "光刻" in page
