"""search() over the real report: recall, ranking, operators, snippets."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.engine import highlight as H
from searchsvc.engine import search as S
from searchsvc.engine.facets import Facet
from searchsvc.engine.units import MAX_CLAUSES
from searchsvc.web import api
from searchsvc.web.render import marked_html, snippet_html
from tests.conftest import snippet_of


def paragraphs(result):
    return [h.paragraph for h in result.hits]


def run(snap, q, **kw):
    kw.setdefault("per_page", 100)
    return S.search(snap, q, **kw)


def test_phrase_finds_its_paragraph_and_marks_it_whole(seed_snapshot):
    r = run(seed_snapshot, '+"一半山水一半城"')  # +"…": only paragraphs with the phrase
    assert paragraphs(r) == [18]
    assert snippet_of(r.hits[0]).startswith("<mark>一半山水一半城</mark>的罗湖")
    assert r.hits[0].matches == [[0, 7]]
    unquoted = run(seed_snapshot, "一半山水一半城")
    assert paragraphs(unquoted)[0] == 18 and unquoted.hits[0].exact
    quoted = run(seed_snapshot, '"一半山水一半城"')  # preferred: first, the rest after it
    assert paragraphs(quoted)[0] == 18 and quoted.hits[0].exact
    assert quoted.hits[0].matches == [[0, 7]]
    assert not any(h.exact for h in quoted.hits[1:])


def test_latin_tokens_numbers_and_widths(seed_snapshot):
    for q in ("PM2.5", "pm2.5", "ＰＭ２．５", "Pm2.5"):
        r = run(seed_snapshot, q)
        assert paragraphs(r) == [15], q
        assert "<mark>PM2.5</mark>" in snippet_of(r.hits[0])
    r = run(seed_snapshot, "6.6亿元")
    assert paragraphs(r)[0] == 11
    assert "<mark>6.6亿元</mark>" in snippet_of(r.hits[0])
    assert paragraphs(run(seed_snapshot, "37.4%")) == [15]
    assert paragraphs(run(seed_snapshot, "P2P")) == [15]


def test_traditional_query_finds_simplified_text(seed_snapshot):
    simplified = run(seed_snapshot, "罗湖")
    traditional = run(seed_snapshot, "羅湖")
    assert simplified.total == traditional.total > 20
    assert paragraphs(simplified) == paragraphs(traditional)
    assert "<mark>罗湖</mark>" in snippet_of(traditional.hits[0])


def test_ranking_prefers_paragraphs_about_the_words(seed_snapshot):
    r = run(seed_snapshot, "营商环境")
    assert paragraphs(r)[0] == 10  # the paragraph on 营商环境, five mentions
    assert set(paragraphs(r)[:2]) == {10, 26} and r.complete == 2
    # then paragraphs with its search-mode sub-words (环境), each saying so
    assert r.total > 2 and all(h.missing == ["营商环境"] for h in r.hits[2:])
    r = run(seed_snapshot, "治理体系 治理能力")
    assert r.complete >= 5
    for hit in r.hits[:r.complete]:
        assert "治理体系" in hit.text and "治理能力" in hit.text and not hit.missing
    assert all(hit.missing for hit in r.hits[r.complete:])
    assert {29, 30, 31, 32} <= set(paragraphs(r)[:r.complete])
    scores = [h.score for h in r.hits if h.exact]
    assert scores == sorted(scores, reverse=True)


def test_paragraphs_with_every_word_come_first_and_each_hit_says_what_it_lacks(seed_snapshot):
    both = run(seed_snapshot, "罗湖 营商环境")
    assert paragraphs(both)[:2] == [10, 26] and not both.partial and both.complete == 1
    assert both.hits[0].missing == [] and not both.hits[0].partial
    assert both.hits[1].missing == ["罗湖"] and both.hits[1].partial  # p26 lacks 罗湖
    partial = run(seed_snapshot, "营商环境 火星")
    assert partial.partial and partial.complete == 0
    assert paragraphs(partial)[:2] == [10, 26]  # then paragraphs with 环境 (a sub-word)
    assert [h.missing for h in partial.hits[:2]] == [["火星"], ["火星"]]
    assert not run(seed_snapshot, "火星").hits


def test_substrings_across_word_boundaries(seed_snapshot):
    assert paragraphs(run(seed_snapshot, "木头龙")) == [15]
    assert 17 in paragraphs(run(seed_snapshot, "棋"))
    assert 9 in paragraphs(run(seed_snapshot, "湾区"))


def test_operators(seed_snapshot):
    all_luohu = set(paragraphs(run(seed_snapshot, "罗湖")))
    without = set(paragraphs(run(seed_snapshot, "罗湖 -营商环境")))
    assert without == all_luohu - {10}
    assert set(paragraphs(run(seed_snapshot, "罗湖 NOT 营商环境"))) == without
    either = set(paragraphs(run(seed_snapshot, "木头龙 OR 围棋")))
    assert either == {15, 17}
    in_section = run(seed_snapshot, "section:答卷3 罗湖")
    assert {h.section for h in in_section.hits} == {"答卷3"}
    assert in_section.total == 5
    assert run(seed_snapshot, "罗湖", section=["数读"]).total == 1
    assert run(seed_snapshot, "doc:luohu-2019 木头龙").total == 1
    assert run(seed_snapshot, "doc:other 木头龙").total == 0


@pytest.mark.parametrize("q, marked", [
    ("*", None), ("OR", None), ("(((", None), ('"', None), ("AND OR NOT", None),
    ("'; DROP TABLE x; --", None),  # none of these is in the report
    ("-", {"-"}), ("nosuchfield:罗湖", {"罗湖"}), ("罗湖^3", {"罗湖", "3"}), ("罗~", {"罗"}),
    ("[1 TO 5]", {"1", "5"}),
])
def test_stray_syntax_is_read_as_text(seed_snapshot, q, marked):
    """Operators of other engines are no error: what is not our syntax is
    searched as text, and every hit shows which of it matched."""
    r = run(seed_snapshot, q)
    if marked is None:
        assert r.total == 0 and r.hits == []
        return
    assert r.total == len(r.hits) > 0
    for hit in r.hits:  # adjacent marks merge: 1 and 5 side by side are one mark, 15
        shown = "".join(hit.text[a:b] for a, b in hit.matches)
        assert shown and set(shown) <= set("".join(marked)), (hit.id, shown)


def test_pages_partition_the_results(seed_snapshot):
    full = run(seed_snapshot, "罗湖")
    seen = []
    pages = (full.total + 3) // 4
    for page in range(1, pages + 1):
        r = S.search(seed_snapshot, "罗湖", page=page, per_page=4)
        assert r.total == full.total and r.pages == (full.total + 3) // 4
        seen += [h.id for h in r.hits]
    assert seen == [h.id for h in full.hits]
    assert len(set(seen)) == full.total
    beyond = S.search(seed_snapshot, "罗湖", page=pages + 1, per_page=4)
    assert beyond.hits == [] and beyond.total == full.total


def test_exact_matches_rank_before_words_apart(seed_snapshot):
    r = run(seed_snapshot, "改革创新")
    flags = [h.exact for h in r.hits]
    assert flags[0] and flags == sorted(flags, reverse=True)
    assert not all(flags)  # some paragraphs only have 改革 … 创新 apart


def test_snippets_escape_and_cut_at_sentences(seed_snapshot):
    r = run(seed_snapshot, "木头龙")
    snippet = snippet_of(r.hits[0])
    assert "<mark>木头龙</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) < 220
    assert snippet.endswith("…")
    body = snippet.rstrip("…")
    assert body[-1] in "。！？；"
    short = run(seed_snapshot, "到2035年")
    assert short.hits[0].paragraph == 34


def test_marks_merge_adjacent_tokens_and_map_to_original_characters():
    text = "推进粤港澳大湾区建设,羅湖區<b>"
    groups = [(["粤港澳大湾区"], ["粤港澳", "大湾区"])]
    assert H.match_spans(text, groups) == [(2, 8)]
    groups = [(["罗湖"], ["罗湖"])]
    spans = H.match_spans(text, groups)
    assert [text[s:e] for s, e in spans] == ["羅湖"]
    html = snippet_html(text, H.fragments(text, spans), spans)
    assert "<mark>羅湖</mark>" in html and "&lt;b&gt;" in html and "<b>" not in html


def test_fragments_for_a_long_paragraph():
    sentences = [f"第{i}句讲的是普通的事情,没有关键词。" for i in range(20)]
    sentences[12] = "这一句提到了木头龙旧改。"
    text = "".join(sentences)
    spans = H.match_spans(text, [(["木头龙"], [])])
    html = snippet_html(text, H.fragments(text, spans), spans)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>木头龙</mark>" in html
    plain = html.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert plain.startswith("这一句") or "这一句提到了木头龙旧改。" in plain
    assert len(plain) <= 170


def test_exclusion_holds_when_the_excluded_word_comes_first(seed_snapshot):
    # p1 has 罗湖 and comes before every 营商环境 paragraph: Whoosh's AndNot
    # would let p10 through here; the mask must not.
    r = run(seed_snapshot, "营商环境 -罗湖")
    assert paragraphs(r)[0] == 26 and r.complete == 1
    assert not any("罗湖" in h.text for h in r.hits)
    assert Facet("答卷5", 1) in r.facets["section"]
    body = json.loads(api.search_body(r, [("", "")] * len(r.hits)))
    assert {"value": "答卷5", "count": 1} in body["facets"]["section"]
    assert run(seed_snapshot, "-罗湖").total == 34 - 29


def test_a_query_past_the_term_limit_is_cut_and_says_so(seed_snapshot):
    words = ["罗湖"] + [f"词{i}" for i in range(40)]
    r = run(seed_snapshot, " OR ".join(words))
    assert r.ignored_terms == len(words) - MAX_CLAUSES
    assert r.total == run(seed_snapshot, "罗湖").total  # the kept ORs still work
    assert run(seed_snapshot, "罗湖 罗湖 罗湖").ignored_terms == 0  # repeats are free


def test_threshold_and_array_ranking_equal_scoring_everything(seed_snapshot, monkeypatch):
    from searchsvc.engine import ranking

    ranker = seed_snapshot.ranker
    docs = seed_snapshot.literals.every_live()
    paths = {  # (SMALL, DIRECT, FEW_LISTS) that force each way of ranking
        "python": (10**9, 10**9, 99), "numpy": (0, 10**9, 0), "threshold": (0, 0, 99)}
    for words in (["罗湖"], ["罗湖", "改革"], ["发展", "建设", "罗湖区"]):
        found = [seed_snapshot.literals.containing(w) for w in words]
        terms = [ranker.word(w, d) for w, d in zip(words, found)] + \
            [ranker.heading(w, len(d)) for w, d in zip(words, found)]
        subset = frozenset(list(docs)[::3])
        answers = {}
        for name, (small, direct, few) in paths.items():
            monkeypatch.setattr(ranking, "SMALL", small)
            monkeypatch.setattr(ranking, "DIRECT", direct)
            monkeypatch.setattr(ranking, "FEW_LISTS", few)
            answers[name] = [ranker.top(terms, docs, start, end)
                             for start, end in ((0, 10), (3, 7), (0, 34), (30, 34))]
            answers[name].append(ranker.top(terms, subset, 0, 5))
        assert answers["numpy"] == answers["python"], words
        assert answers["threshold"] == answers["python"], words
        assert answers["python"][2][0][1] > 0

@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&\"'罗湖 a/=\\")), max_size=40))
def test_snippet_escaping_is_markupsafes(text):
    import markupsafe

    assert snippet_html(text, [(0, len(text))], []) == str(markupsafe.escape(text))
    marked = str(marked_html(text, [(0, len(text))] if text else []))
    assert marked == (f"<mark>{markupsafe.escape(text)}</mark>" if text else "")


def _deep_size(obj) -> int:
    """Bytes held by ``obj`` and everything it refers to, each object once."""
    import dataclasses
    import sys

    seen, size, stack = set(), 0, [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        size += sys.getsizeof(o)
        if isinstance(o, dict):
            stack.extend([*o.keys(), *o.values()])
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif dataclasses.is_dataclass(o):
            stack.extend(getattr(o, f.name) for f in dataclasses.fields(o))
    return size


@pytest.mark.parametrize("query", ["罗湖", "营商环境 改革", "罗湖区有哪些旧改项目?", "深圳",
                                   "deep/路径?&= 罗湖"])
def test_the_result_cache_counts_what_a_result_really_holds(seed_snapshot, app, query):
    """The caches' budgets are bytes: a result's estimate stays near what
    walking every object it holds finds (it once counted a seventh), and
    so does the weight of the web's rendering of its hits, which the web
    keeps in a cache of its own."""
    from searchsvc.web import render

    result = S.search(seed_snapshot, query)
    real = _deep_size(result)
    assert 0.9 * real <= S.Cached(result).size <= 1.5 * real
    with app.test_request_context():
        rendered = render.rendered_hits(result, ("test", query))
    assert len(rendered) == len(result.hits)
    real = _deep_size(rendered)
    assert 0.9 * real <= render._weight(rendered) <= 1.5 * real
