"""Queries as people type them (#25): quoted phrases found nowhere,
Chinese quotation marks, did-you-mean for typos, pinyin. On the real reports
collection where the issue names it, on small corpora for each rule."""

import subprocess
import sys

import pytest

from searchsvc import create_app
from searchsvc.engine.query import parse_query
from searchsvc.engine.search import search
from searchsvc.engine.snapshot import open_current
from searchsvc.indexer.readings import pinyin_table
from searchsvc.indexer.rebuild import build_index
from searchsvc.storage.readings import Readings, write
from tests.conftest import REPORTS, ROOT


@pytest.fixture(scope="module")
def api(reports):
    _, _, index = reports
    app = create_app({"CORPUS_DIR": str(REPORTS), "INDEX_DIR": str(index), "TESTING": True})
    client = app.test_client()

    def ask(q, **kw):
        response = client.get("/api/search", query_string={"q": q, **kw})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    ask.client = client
    return ask


@pytest.mark.parametrize("typed,meant", [("营商坏境", "营商环境"), ("政府工做报告", "政府工作报告"),
                                         ("经挤发展", "经济发展"),
                                         ("优化营商坏境 政策", "优化营商环境 政策")])
def test_a_typo_gets_the_frequent_word_it_was_meant_as(api, typed, meant):
    body = api(typed)
    assert body["did_you_mean"] == meant
    assert api(meant)["did_you_mean"] is None  # a query that finds what it asks for


@pytest.mark.parametrize("query", ["营商环境", "政府工作报告", "新质生产力", "GDP", "改革开放",
                                   "“新质生产力”是指什么", "我们是指什么", "罗湖"])
def test_no_correction_for_what_is_found_or_has_nothing_near(api, query):
    assert api(query)["did_you_mean"] is None


def test_gdp_stays_gdp_and_is_found(api):
    body = api("GDP")  # not pinyin; the starting list's equivalence finds 国内生产总值 too
    assert body["interpreted_as"] is None and body["hits"]
    assert all("gdp" in h["text"].lower() or "国内生产总值" in h["text"] for h in body["hits"])


def test_a_quoted_phrase_found_nowhere_gives_the_unquoted_results(api):
    quoted, plain = api('"三过家门而不入" 发展'), api("三过家门而不入 发展")
    assert quoted["relaxed"] is True and quoted["relaxed_phrases"] == ["三过家门而不入"]
    assert [h["id"] for h in quoted["hits"]] == [h["id"] for h in plain["hits"]]
    assert quoted["total"] == plain["total"] > 0
    found = api('"营商环境" 改革')
    assert found["relaxed"] is False and found["relaxed_phrases"] == []
    assert found["hits"] and all("营商环境" in h["text"] for h in found["hits"])


def test_only_the_phrase_found_nowhere_loses_its_quotes(api):
    body = api('"营商环境" "三过家门而不入"')
    assert body["relaxed_phrases"] == ["三过家门而不入"]
    assert body["total"] and all("营商环境" in h["text"] for h in body["hits"])


def test_a_pasted_question_with_chinese_quotes_finds_the_quoted_words(api):
    body = api("“新质生产力”是指什么")
    assert body["hits"] and all("新质生产力" in h["text"] for h in body["hits"][:10])
    assert api("「新质生产力」")["hits"][0]["text"].count("新质生产力")


def test_the_page_shows_the_correction_as_a_link_and_the_relaxed_notice(api):
    page = api.client.get("/", query_string={"q": "营商坏境"}).get_data(as_text=True)
    assert "以下是「" in page and 'href="/?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83"' in page
    page = api.client.get("/", query_string={"q": "营商坏境", "as_typed": "1"}).get_data(as_text=True)
    assert "您是不是要找：" in page and 'href="/?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83"' in page
    page = api.client.get("/", query_string={"q": '"三过家门而不入"'}).get_data(as_text=True)
    assert "没有找到完全匹配「三过家门而不入」的结果，以下为去掉引号的结果" in page


@pytest.mark.parametrize("query,phrases,words,excluded", [
    ("“新质生产力”是指什么", ["新质生产力"], ["是指什么"], []),
    ("关于“双区驱动”的报道", ["双区驱动"], ["关于", "的报道"], []),
    ("「三過家門而不入」是誰", ["三過家門而不入"], ["是誰"], []),
    ("“新质生产力是指什么？”", [], ["新质生产力是指什么?"], []),  # a whole quotation: text
    ('"三网联合"中的"三网"是指', ["三网联合", "三网"], ["中的", "是指"], []),
    ('罗湖 -"营商" -“双区”', [], ["罗湖"], ["营商", "双区"]),
    ("关于“双区驱动", [], ["关于“双区驱动"], []),  # unbalanced: text, in its word
    ("罗湖 -“", [], ["罗湖"], ["“"]),
    ('2 -建“ 招」破题 "a', [], ["2", "招」破题", '"a'], ["建“"]),
    ("-建“ 招”破题", [" 招"], ["破题"], ["建"]),  # the mark pairs up: a phrase
])
def test_chinese_quotation_marks_quote_a_part_and_are_text_around_the_whole(
        query, phrases, words, excluded):
    parsed = parse_query(query)
    assert [t.raw for t in parsed.positive if t.exact] == phrases
    assert [t.raw for t in parsed.positive if not t.exact] == words
    assert [t.raw for t in parsed.excluded] == excluded


def test_corrections_come_from_the_corpus_and_only_for_rare_strings(make_index):
    """A small corpus of its own words: the typo's homophone is corrected
    where the corpus has it often, a rare real word never is, and a
    character that is no near-homophone is never offered."""
    paragraphs = ["推进城市更新，改善人居环境。"] * 6 + ["木头龙片区完成拆迁。", "打造一流营商环境。"] * 3
    _, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(
        f"第{i}段：{p}" for i, p in enumerate(paragraphs))})
    snap = open_current(index_dir)
    try:
        assert search(snap, "人居坏境").did_you_mean == "人居环境"
        assert search(snap, "城市更心").did_you_mean == "城市更新"
        assert search(snap, "木头龙").did_you_mean is None  # rare, but found
        assert search(snap, "城市更旧").did_you_mean is None  # 旧 jiu is not near 新 xin
        assert search(snap, "完全无关的词").did_you_mean is None
    finally:
        snap.close()


@pytest.mark.parametrize("typed,words", [("zhengfu gongzuo baogao", "政府工作报告"),
                                         ("yingshanghuanjing", "营商环境"),
                                         ("ZhengFu GongZuo BaoGao", "政府工作报告"),
                                         ("yingshang huanjing", "营商环境")])
def test_pinyin_finds_the_words_it_reads_as_first(api, typed, words):
    body = api(typed)
    assert body["interpreted_as"] == words
    assert body["total"] > 100
    assert all(words in h["text"] for h in body["hits"])
    assert body["hits"][0]["exact"] and body["did_you_mean"] is None


@pytest.mark.parametrize("query", ["GDP", "PM2.5", "app", "tar", "营商环境", '"yingshang"'])
def test_latin_words_and_chinese_stay_as_typed(api, query):
    assert api(query)["interpreted_as"] is None


def test_pinyin_beside_chinese_keeps_the_chinese(api):
    body = api("优化 yingshanghuanjing")
    assert body["interpreted_as"] == "优化 营商环境"
    assert all("优化" in h["text"] and "营商环境" in h["text"] for h in body["hits"])


def test_the_page_says_what_pinyin_was_read_as(api):
    page = api.client.get("/", query_string={"q": "yingshanghuanjing"}).get_data(as_text=True)
    assert "按拼音搜索：" in page and 'href="/?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83"' in page


def test_a_latin_word_the_corpus_holds_stays_latin(make_index):
    """``women`` reads as 我们, but where three paragraphs hold the English
    word it is searched as typed; where one does, both are searched."""
    english = ["Women's football league opens.", "A report on women in science.",
               "Women and work: a survey."]
    chinese = ["我们要坚持改革开放。", "我们的城市更美好。"]
    _, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(english + chinese)})
    _, one_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(english[:1] + chinese)},
                               name="one")
    snap, one = open_current(index_dir), open_current(one_dir)
    try:
        kept = search(snap, "women")
        assert kept.interpreted_as is None and kept.total == 3
        both = search(one, "women")
        assert both.interpreted_as == "我们" and both.total == 3
        assert {h.text[:2] for h in both.hits} == {"Wo", "我们"}
        assert search(snap, "gaigekaifang").interpreted_as == "改革开放"
        assert search(snap, "change").interpreted_as is None  # 长 额: single characters
    finally:
        snap.close()
        one.close()


@pytest.mark.parametrize("typed", ["xi'an", "Xi'an", "xi an", "xi'an dianzi"])
def test_an_apostrophe_or_a_space_parts_syllables(make_index, typed):
    """``xian`` reads as one syllable (先, 县, 线: the frequent words read so,
    single characters, so not read at all); ``xi'an``, as input methods
    take it, and ``xi an`` are two: 西安."""
    paragraphs = ["我先走了，这个县的线很长。"] * 6 + ["西安的电子产业。", "西安是古都。"]
    _, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(
        f"第{i}段：{p}" for i, p in enumerate(paragraphs))})
    snap = open_current(index_dir)
    try:
        found = search(snap, typed)
        words = "西安" if typed.count(" ") < 2 and "dianzi" not in typed else "西安电子"
        assert found.interpreted_as == words
        assert found.hits and all("西安" in h.text for h in found.hits)
        assert search(snap, "xian").interpreted_as is None
    finally:
        snap.close()


def test_an_incremental_rebuild_reads_the_new_words(make_index, tmp_path):
    corpus_dir, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(
        f"第{i}段：我们要坚持改革开放。" for i in range(20))})
    first = open_current(index_dir)
    try:
        assert search(first, "liangzijisuan").interpreted_as is None
        (corpus_dir / "b.txt").write_text("量子\n\n量子计算取得突破。", encoding="utf-8")
        assert build_index(corpus_dir, index_dir).mode == "incremental"
        second = open_current(index_dir)
        try:
            found = search(second, "liangzi jisuan")
            assert found.interpreted_as == "量子计算" and "量子计算" in found.hits[0].text
        finally:
            second.close()
        assert first.readings.words("liangzi") == []  # the build in use is not changed
    finally:
        first.close()


def test_the_pinyin_table_reads_words_as_words():
    table = pinyin_table([("银行", 9), ("绿色", 4), ("率先", 1), ("事实", 3), ("实施", 8),
                          ("试试", 0), ("GDP", 5), ("实时", 8), ("时事", 2)])
    assert table["yinhang"] == [("银行", 9)]  # 行 read hang in the word, not xing
    assert table["lvse"] == [("绿色", 4)]
    assert table["shishi"] == [("实施", 8), ("实时", 8), ("事实", 3)]  # three, most first
    split = pinyin_table([("先", 9), ("县", 8), ("线", 7), ("现", 6), ("西安", 1)])
    assert split["xian"] == [("先", 9), ("县", 8), ("线", 7), ("西安", 1)]  # three per split


def test_the_pinyin_table_files_look_up_every_key(tmp_path):
    table = {"a": [("啊", 2)], "zhongguo": [("中国", 9)], "ma": [("吗", 3), ("妈", 1)],
             "zuo": [("做", 5)]}
    chars = {"坏": "huai", "环": "huan", "中": "zhong", "㐀": "qiu"}
    write(tmp_path, table, chars)
    readings = Readings(tmp_path)
    try:
        assert len(readings) == 8
        for key, words in table.items():
            assert readings.words(key) == words
        for absent in ("", "b", "zz", "zhong", "mb", "坏", "huai"):
            assert readings.words(absent) == []
        for ch, reading in chars.items():
            assert readings.reading(ch) == reading
        for absent in ("a", "zuo", "做", "中国", ""):
            assert readings.reading(absent) is None
    finally:
        readings.close()


def test_serving_reads_homophones_from_the_build_without_pypinyin(make_index):
    """pypinyin's dictionaries cost a process some 60 MB: the build keeps
    every character's reading, and a worker never imports pypinyin, even
    to correct a typo."""
    _, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(
        f"第{i}段：打造一流营商环境。" for i in range(6))})
    script = (
        "import sys\n"
        "from searchsvc import create_app\n"
        f"app = create_app({{'INDEX_DIR': {str(index_dir)!r}, 'TESTING': True}})\n"
        "body = app.test_client().get('/api/search?q=营商坏境').get_json()\n"
        "print(body['did_you_mean'], 'pypinyin' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["营商环境", "False"], done.stderr[-2000:]


LATIN = ["whatarethemostcommonlyusedtoolsforpackaging", "anllcvsacorporationwhatisthedifference",
         "superled灯具的选择", "startarget price list", "tar什么意思英语怎么读",
         "用tar命令打包文件", "车用空调的ac按钮有什么用", "b站up主用什么做视频",
         "Set up the server before the AC test.", "PM2.5浓度降至30微克", "pmtools下载"]


@pytest.mark.parametrize("query,standing,inside", [
    ("tar", {"tar什么意思英语怎么读", "用tar命令打包文件"},
     {"whatarethemostcommonlyusedtoolsforpackaging", "startarget price list"}),
    ("ac", {"车用空调的ac按钮有什么用", "Set up the server before the AC test."},
     {"whatarethemostcommonlyusedtoolsforpackaging", "anllcvsacorporationwhatisthedifference"}),
    ("up", {"b站up主用什么做视频", "Set up the server before the AC test."}, {"superled灯具的选择"}),
    ("pm", {"PM2.5浓度降至30微克"}, {"pmtools下载"}),
    ('"ac"', {"车用空调的ac按钮有什么用", "Set up the server before the AC test."},
     {"whatarethemostcommonlyusedtoolsforpackaging", "anllcvsacorporationwhatisthedifference"}),
])
def test_a_latin_word_ranks_above_the_same_letters_inside_longer_words(
        make_index, query, standing, inside):
    """The literal guarantee finds the letters inside longer Latin words;
    the word standing alone (beside Chinese, spaces, digits or punctuation)
    comes first, however short the other paragraphs are."""
    _, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(LATIN)})
    snap = open_current(index_dir)
    try:
        hits = search(snap, query).hits
        order = [h.text for h in hits]
        assert set(order[:len(standing)]) == standing
        assert set(order[len(standing):]) == inside
        assert all(h.exact for h in hits)
        scores = {h.text: h.score for h in hits}
        assert min(scores[t] for t in standing) > max(scores[t] for t in inside)
    finally:
        snap.close()


def test_latin_words_stand_in_longer_queries_too(make_index):
    _, index_dir, _ = make_index({"a.txt": "标题\n\n" + "\n\n".join(LATIN)})
    snap = open_current(index_dir)
    try:
        assert search(snap, "ac 按钮").hits[0].text == "车用空调的ac按钮有什么用"
        assert search(snap, "up主").hits[0].text == "b站up主用什么做视频"
        texts = [h.text for h in search(snap, "tar OR ac").hits]
        assert texts.index("anllcvsacorporationwhatisthedifference") > \
            texts.index("车用空调的ac按钮有什么用")
        assert search(snap, "set up").hits[0].text.startswith("Set up")  # spaced: as typed
    finally:
        snap.close()
