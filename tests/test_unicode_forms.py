"""Composed and decomposed text are one text: a paragraph written in NFD
(as some PDFs give pinyin and Vietnamese) is found by any of its substrings
typed composed or decomposed, and marked where it stands."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc import create_app
from searchsvc.engine import search as S
from tests.conftest import own_snapshot, write_corpus

# Precomposed letters with their decomposed forms, beside Han, Hangul (NFD
# splits a syllable into jamo), full-width forms and plain Latin. Half-width
# kana are left out: NFKC joins ｶﾞ into ガ, so a cut between them is no
# substring of the folded text, in either form.
ALPHABET = ("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü" "ệắữởđñçöß" "罗湖区营商环境改革深圳" "한국어서울"
            "ＡＢＣ１２３" "abcxyzAZ09" "，。、" "  ")
PARAGRAPHS = 24


def paragraph(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(8, 40))).strip() or "罗湖"


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    """A corpus of one-paragraph documents, every other one stored in NFD."""
    rng = random.Random(7)
    texts = [paragraph(rng) for _ in range(PARAGRAPHS)]
    folder = tmp_path_factory.mktemp("forms")
    files = {}
    for k, text in enumerate(texts):
        stored = unicodedata.normalize("NFD" if k % 2 else "NFC", text)
        files[f"p{k:02d}.txt"] = f"标题{k}\n{stored}"
    corpus_dir = write_corpus(folder / "corpus", files)
    from searchsvc.indexer import rebuild as indexer

    indexer.build_index(corpus_dir, folder / "index")
    return texts, own_snapshot(folder / "index")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_substring_in_either_form_finds_its_paragraph_exactly(forms, data):
    texts, snap = forms
    k = data.draw(st.integers(0, PARAGRAPHS - 1))
    text = texts[k]
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    piece = text[start:end]
    if not any(c.isalnum() for c in piece):
        return  # nothing to search for
    form = data.draw(st.sampled_from(["NFC", "NFD"]))
    query = '"' + unicodedata.normalize(form, piece) + '"'
    doc_id = f"p{k:02d}"
    result = S.search(snap, query, per_page=5, doc=[doc_id])
    assert result.total >= 1 and result.hits[0].doc_id == doc_id, (query, text)
    assert result.hits[0].exact


def test_a_decomposed_paragraph_is_found_and_marked(tmp_path):
    text = "Cafe\u0301 au lait, Zho\u0304ngguo\u0301 ren"
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": f"标题\n{text}"})
    from searchsvc.indexer import rebuild as indexer

    indexer.build_index(corpus_dir, tmp_path / "i")
    client = create_app({"CORPUS_DIR": str(corpus_dir), "INDEX_DIR": str(tmp_path / "i")}).test_client()
    for query in ("café", "Cafe\u0301", "CAFÉ", "Zhōngguó", "zho\u0304ngguo\u0301"):
        body = client.get("/api/search", query_string={"q": query}).get_json()
        assert body["total"] == 1, query
        snippet = body["hits"][0]["snippet"]
        # the mark covers the decomposed letters as stored
        assert "<mark>" in snippet and ("Cafe\u0301</mark>" in snippet or
                                        "Zho\u0304ngguo\u0301</mark>" in snippet), (query, snippet)
