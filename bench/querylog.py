"""A realistic query log: thousands of distinct queries, repeated with Zipf weights.

Drawn from the corpus with a fixed seed, in the shapes people type:

* single words across the frequency range (equal shares of each
  frequency decile of the index's words),
* two and three words from one paragraph,
* substrings of 2 to 8 characters of a paragraph,
* 10% whole questions of 10 to 30 characters built from a paragraph's words
  (罗湖的营商环境怎么样?).

The distinct queries are shuffled and repeated with weights 1/rank (Zipf,
s=1): a few are asked often, most once. Used by bench/run.py.
"""

from __future__ import annotations

import random
import re

HAN = re.compile(r"[\u4e00-\u9fff]")
QUESTION_FORMS = ("{a}{b}是什么?", "如何{a}{b}?", "怎么{a}{b}{c}?", "{a}的{b}在哪里?",
                  "为什么{a}{b}?", "{a}{b}有哪些{c}?", "{a}和{b}有什么区别?", "{a}{b}怎么样?")
KINDS = (("word", 0.30), ("two words", 0.20), ("three words", 0.15),
         ("substring", 0.25), ("question", 0.10))


def _content_words(text: str) -> list[str]:
    from searchsvc.analysis.normalize import normalize_text
    from searchsvc.analysis.words import is_stop_word, word_spans

    return list(dict.fromkeys(w for w, *_ in word_spans(normalize_text(text), "query")
                              if len(w) >= 2 and not is_stop_word(w)))


def distinct_queries(snap, n: int = 4000, seed: int = 11) -> list[tuple[str, str]]:
    """``n`` distinct (kind, query) pairs drawn from an opened snapshot."""
    rng = random.Random(seed)
    words = sorted(((snap.words.doc_frequency(w), w) for w in snap.words.words("")
                    if HAN.search(w) and len(w) >= 2), reverse=True)
    deciles = [words[i * len(words) // 10:(i + 1) * len(words) // 10] for i in range(10)]
    deciles = [d for d in deciles if d]
    store, size = snap.store, len(snap.literals.texts)
    live = snap.literals.every_live()

    def paragraph() -> str:
        while True:
            d = rng.randrange(size)
            if d in live:
                return store.record(d)["text"]

    out: dict[str, str] = {}
    budget = {kind: round(share * n) for kind, share in KINDS}
    tries = 0
    while sum(budget.values()) > 0 and tries < 20 * n:
        tries += 1
        kind = rng.choice([k for k, left in budget.items() if left > 0])
        query = None
        if kind == "word":
            query = rng.choice(rng.choice(deciles))[1]
        elif kind in ("two words", "three words"):
            found = _content_words(paragraph())
            k = 2 if kind == "two words" else 3
            if len(found) >= k:
                query = " ".join(rng.sample(found, k))
        elif kind == "substring":
            text = "".join(paragraph().split())
            if len(text) >= 8:
                length = rng.randint(2, 8)
                start = rng.randrange(len(text) - length + 1)
                query = text[start:start + length]
        else:
            found = _content_words(paragraph())
            if len(found) >= 3:
                a, b, c = rng.sample(found, 3)
                query = rng.choice(QUESTION_FORMS).format(a=a, b=b, c=c)
                if not 10 <= len(query) <= 30:
                    query = None
        if query and query.strip() and query not in out and query[0] not in "-+\"":
            out[query] = kind
            budget[kind] -= 1
    pairs = [(kind, q) for q, kind in out.items()]
    rng.shuffle(pairs)
    return pairs


def zipf_log(distinct: list[tuple[str, str]], lines: int = 20000, seed: int = 12,
             s: float = 1.0) -> list[tuple[str, str]]:
    """``lines`` queries drawn from ``distinct`` with weights 1/rank**s."""
    rng = random.Random(seed)
    weights = [1 / (rank ** s) for rank in range(1, len(distinct) + 1)]
    return rng.choices(distinct, weights=weights, k=lines)
