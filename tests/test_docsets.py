"""The docset machinery agrees with a brute-force scan of the paragraphs.

A generated corpus of report sentences is searched with random queries
(substrings of its paragraphs, OR, exclusions). The literal guarantee is
checked against plain substring tests written here, on the paragraphs as
stored: the paragraphs that hold every clause as typed come first and
are exactly those; no result holds an excluded string. Small thresholds
force the paths that verify candidates on their text instead of reading
postings.
"""

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from searchsvc.engine import condition, docsets
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.indexer import rebuild as indexer
from searchsvc.storage import grams, texts
from searchsvc.storage import layout as index
from tests.conftest import SEED, own_snapshot, write_corpus


def sentences():
    text = SEED.read_text(encoding="utf-8")
    return [s for s in re.split(r"(?<=[。;；])", text.replace("\n", "")) if len(s) > 8]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    rng = random.Random(7)
    pool = sentences()
    files = {}
    for n in range(12):
        paras = ["".join(rng.sample(pool, rng.randint(1, 3))) for _ in range(25)]
        files[f"gen{n:02d}.txt"] = f"生成文档{n}\n" + "\n".join(paras)
    base = tmp_path_factory.mktemp("gen")
    write_corpus(base / "corpus", files)
    indexer.build_index(base / "corpus", base / "index")
    snap = own_snapshot(base / "index")
    texts = {}  # the stored paragraphs without white space, as the generator wrote them
    for d in snap.documents.values():
        for p in snap.paragraphs(d["doc_id"]):
            texts[f'{d["doc_id"]}#p{p["n"]}'] = "".join(p["text"].split())
    return snap, texts


def oracle(texts, clauses, excluded):
    """Ids whose text has, for every clause, one of its terms as typed, and
    none of the excluded strings (the pieces come from these very texts, so
    a substring test needs no normalization)."""
    return {pid for pid, text in texts.items()
            if all(any(t in text for t in clause) for clause in clauses)
            and not any(x in text for x in excluded)}


def pieces(draw, texts, n):
    out = []
    for _ in range(n):
        text = draw(st.sampled_from(sorted(texts.values())))
        length = draw(st.integers(1, 6))
        start = draw(st.integers(0, max(0, len(text) - length)))
        piece = text[start:start + length]
        if piece[:1] in "-+\"" or piece in ("OR", "AND", "NOT"):
            piece = "罗湖"
        out.append(piece)
    return out


@pytest.mark.parametrize("verify_at", [0, 2, 256])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_results_equal_a_brute_force_scan(generated, monkeypatch, verify_at, data):
    snap, texts = generated
    monkeypatch.setattr(condition, "VERIFY_AT", verify_at)
    monkeypatch.setattr(docsets, "VERIFY_AT", max(verify_at, 1))
    snap.literals._cache.clear()
    snap.results.clear()
    a, b, c = pieces(data.draw, texts, 3)  # -2019 excludes 2019, as -罗湖 excludes 罗湖
    shape = data.draw(st.sampled_from(["a", "a b", "a OR b", "a -c", "a OR b c", "a b -c"]))
    query = shape.replace("a", "\0").replace("b", "\1").replace("c", "\2")
    query = query.replace("\0", a).replace("\1", b).replace("\2", "-" + c if "-c" in shape else c)
    query = query.replace("--", "-")
    # Quotation marks that pair up make a phrase, not the literal the oracle
    # looks for; an unpaired one is text and stays in (-“ excludes it).
    assume(not re.search(r'"[^"]*"|“[^”]*”|「[^」]*」|『[^』]*』', query))
    clauses = {"a": [[a]], "a b": [[a], [b]], "a OR b": [[a, b]], "a -c": [[a]],
               "a OR b c": [[a, b], [c]], "a b -c": [[a], [b]]}[shape]
    excluded = [c] if "-c" in shape else []
    # as typed: a query found nowhere would otherwise answer with its correction
    result = S.search(snap, query, per_page=100, as_typed=True)
    expected = oracle(texts, clauses, excluded)
    exact = [h.id for h in result.hits if h.exact]
    assert exact == [h.id for h in result.hits[:len(exact)]], query  # they come first
    if len(expected) <= 100:
        assert set(exact) == expected, query
    else:
        assert len(exact) == 100 and set(exact) <= expected, query
    assert result.total >= len(expected) and result.complete >= len(expected), query
    for hit in result.hits:
        assert not any(x in "".join(hit.text.split()) for x in excluded), query
        assert hit.exact == (hit.id in expected), query


def test_a_missing_or_misaligned_character_index_is_reported(make_index):
    _, index_dir, report = make_index({"a.txt": "標題\n羅湖區ＰＭ２．５濃度下降。\n第二段"})
    snap = snapshots.open_current(index_dir)
    assert snap.literals.text(0) == "罗湖区pm2.5浓度下降。"
    assert [h.paragraph for h in S.search(snap, "湖区pm2").hits] == [1]
    normalized = Path(report.path) / f"part0.{texts.NORMALIZED_FILE}"
    normalized.write_text("别的\n内容\n", encoding="utf-8")
    with pytest.raises(index.IndexUnavailable, match=f"part0.{texts.NORMALIZED_FILE} is damaged"):
        snapshots.open_current(index_dir)  # not the size the build wrote
    meta = index.Meta.read(Path(report.path))
    meta.files[normalized.name] = normalized.stat().st_size
    meta.write(Path(report.path))  # as if the build had written it so
    with pytest.raises(index.IndexUnavailable, match="does not line up"):
        snapshots.open_current(index_dir)
    normalized.unlink()
    with pytest.raises(index.IndexUnavailable, match="damaged"):
        snapshots.open_current(index_dir)


@pytest.mark.parametrize("scan_past", [0, 10**9])
def test_a_latin_word_stands_exactly_where_a_read_of_every_text_says(tmp_path, monkeypatch, scan_past):
    """``standing``, answered from the character index's Latin runs (and,
    for a literal with other characters, a read of the few candidates),
    against a regex over every paragraph: the same paragraphs, across the
    parts of an incremental rebuild, runs past 13 letters included."""
    monkeypatch.setattr(texts, "SCAN_BYTES_PER_CANDIDATE", scan_past)
    rng = random.Random(11)
    words = ["tar", "pm", "pm2.5", "c++", "a1", "whatarethe", "office", "libreoffice", "x",
             "e", "mp3", "c-", "node.js", "internationalization", "internationalizations",
             "罗湖", "命令", "。", "，", "2019", " ", "、", "-", "_", "#"]
    files = {f"f{k}.txt": f"标题{k}\n" + "\n\n".join(
        "".join(rng.choice(words) for _ in range(rng.randint(3, 12))) for _ in range(30))
        for k in range(10)}
    corpus = write_corpus(tmp_path / "c", files)
    indexer.build_index(corpus, tmp_path / "i")
    (corpus / "f1.txt").write_text("改过\n\ntar命令 pm2.5 internationalizations。", encoding="utf-8")
    assert indexer.build_index(corpus, tmp_path / "i").mode == "incremental"
    snap = own_snapshot(tmp_path / "i")
    literals = snap.literals
    flats = {d: literals.text(d) for d in literals.every_live()}
    asked = ["tar", "pm", "pm2", "pm2.5", "c", "c++", "a", "a1", "what", "are", "whatarethe",
             "office", "libreoffice", "x", "e", "mp", "js", "node.js", "2.5", "internationalization",
             "internationalizations", "international", "命令", "tar命令", "a1罗湖", "湖e", "s"]
    for literal in asked:
        tokens = docsets.docset(snap.words.postings(literal)[0]) & literals.containing(literal)
        lead, tail = re.match("[a-z]", literal), re.search("[a-z]$", literal)
        pattern = re.compile(("(?<![a-z])" if lead else "") + re.escape(literal)
                             + ("(?![a-z])" if tail else ""))
        read = {d for d, text in flats.items() if pattern.search(text)}
        got = literals.standing(literal, lambda t=tokens: t)
        assert set(got) == read | set(tokens), literal
    assert len(literals.standing("internationalization", lambda: grams.EMPTY)) < \
        len(literals.containing("internationalization"))  # a longer run is another word
