"""Text normalization and jieba words: what every index and query sees.

Two views of every paragraph are indexed:

* the word index (``wordindex``): jieba words with search-mode sub-words
  (``analyse_paragraph``), Latin and digit runs kept whole;
* the character index (``grams``): every character and every pair of
  adjacent characters, so that any literal substring of a paragraph can be
  found whatever jieba does with it.

Both run on *normalized* text (NFKC width folding, case folding, traditional
to simplified, ``normalize``), which maps every span back to offsets in the
original text, so highlights mark the characters the user actually wrote.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

# CJK ideographs (BMP, extension A, compatibility, supplementary planes).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_LATIN = rf"(?:(?![{HAN}])[^\W_])"
# A Han run goes to jieba; a Latin/digit run stays whole, dots between
# alphanumerics included (pm2.5, 6.6, 37.4), so numbers are not cut apart.
_RUNS = re.compile(rf"(?P<han>[{HAN}]+)|(?P<word>{_LATIN}+(?:\.{_LATIN}+)*)")
_HAN_CHAR = re.compile(rf"[{HAN}]")
_NON_SPACE = re.compile(r"\S+")  # str.split()'s idea of white space
# What ends a sentence (or a clause, for snippets and headings), and what
# may follow that end inside the sentence: one definition for the readers
# and the snippets.
SENTENCE_ENDS = "。！？；!?;"
CLOSERS = "”’」』）)"


# --------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """One character, or one cluster (``_clusters``), width- and case-folded."""
    return unicodedata.normalize("NFKC", ch).casefold()


@lru_cache(maxsize=1)
def _attaching():
    """A pattern of the characters that NFKC may join to the one before: marks
    with a combining class (U+0301), the second halves of canonical
    compositions that are not marks (Hangul vowel and final jamo, some Indic
    vowel signs), and characters whose compatibility form starts with a mark
    (half-width ﾞ, U+FF9E). Text is folded a cluster at a time, a character
    and those that attach to it, so decomposed text (e + U+0301, as some
    PDFs give pinyin) folds as composed text does. Scanned once per process
    (planes 0 and 1 hold every such character)."""
    attach = set(range(0x1160, 0x1200))  # Hangul jungseong and jongseong
    for cp in range(0x20000):
        ch = chr(cp)
        if unicodedata.combining(ch):
            attach.add(cp)
            continue
        decomposition = unicodedata.decomposition(ch)
        if not decomposition:
            continue
        parts = decomposition.split()
        if parts[0].startswith("<"):
            compat = unicodedata.normalize("NFKD", ch)
            if compat and unicodedata.combining(compat[0]):
                attach.add(cp)
        elif len(parts) == 2:
            attach.add(int(parts[1], 16))
    ranges, cps = [], sorted(attach)
    start = prev = cps[0]
    for cp in cps[1:] + [None]:
        if cp is not None and cp == prev + 1:
            prev = cp
            continue
        ranges.append(f"\\U{start:08x}-\\U{prev:08x}" if start != prev else f"\\U{start:08x}")
        if cp is not None:
            start = prev = cp
    return re.compile(f"[{''.join(ranges)}]+")


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character with what attaches to it (``_attaching``)."""
    bounds, last = [], 0
    for m in _attaching().finditer(text):
        if m.start() > last:
            bounds.extend((i, i + 1) for i in range(last, m.start() - 1))
            bounds.append((m.start() - 1, m.end()))
        else:  # marks at the very start: a cluster of their own
            bounds.append((m.start(), m.end()))
        last = m.end()
    bounds.extend((i, i + 1) for i in range(last, len(text)))
    return bounds


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus the map back to the original's offsets.

    ``starts[i]``/``ends[i]`` are the original offsets of normalized char i;
    both are ``None`` when the normalized text has the original's offsets.
    """

    text: str
    starts: tuple | None = None
    ends: tuple | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalized span ``[start, end)``."""
        if self.starts is None or start >= end:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _fold(text: str) -> Normalized:
    if text.isascii():
        return Normalized(text.lower())
    if unicodedata.is_normalized("NFKC", text) and text.casefold() == text:
        return Normalized(text)
    if not _attaching().search(text):  # the common case: a character at a time
        units = [(i, i + 1) for i in range(len(text))]
        pieces = [_fold_char(ch) for ch in text]
    else:  # a cluster folds as its composed character does
        units = _clusters(text)
        pieces = [_fold_char(text[a:b]) for a, b in units]
    folded = "".join(pieces)
    if len(folded) == len(text) and len(units) == len(text):
        return Normalized(folded)
    starts, ends = [], []
    for (a, b), piece in zip(units, pieces):
        starts.extend([a] * len(piece))
        ends.extend([b] * len(piece))
    return Normalized(folded, tuple(starts), tuple(ends))


def _to_simplified(text: str) -> str:
    """Traditional to simplified, keeping the text's length."""
    if not _HAN_CHAR.search(text):
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert char by char so offsets hold.
    convert = _t2s().convert
    return "".join(c if len(c := convert(ch)) == 1 else ch for ch in text)


def normalize(text: str) -> Normalized:
    """Width- and case-fold, then map traditional characters to simplified."""
    folded = _fold(text)
    return Normalized(_to_simplified(folded.text), folded.starts, folded.ends)


def normalize_text(text: str) -> str:
    return normalize(text).text


def flat_text(text: str) -> str:
    """Normalized text without white space: what literal matching reads."""
    return "".join(normalize_text(text).split())


def flatten(text: str) -> Normalized:
    """:func:`flat_text` with the map back to ``text``'s offsets.

    This is the one definition of "a paragraph contains X": X occurs in this
    text. Matching reads the same string (stored at build time), and
    highlighting finds X here and marks the original characters, so a word
    broken by a space or a line break (罗湖 区, common in text taken from
    PDFs) is matched and marked alike.
    """
    norm = normalize(text)
    runs = [m.span() for m in _NON_SPACE.finditer(norm.text)]
    if runs == [(0, len(norm.text))] or not norm.text:
        return norm
    keep: list[int] = []
    for a, b in runs:
        keep.extend(range(a, b))
    flat = "".join(norm.text[a:b] for a, b in runs)
    if norm.starts is None:
        return Normalized(flat, tuple(keep), tuple(i + 1 for i in keep))
    return Normalized(flat, tuple(norm.starts[i] for i in keep),
                      tuple(norm.ends[i] for i in keep))


# Question words, particles and function words: they say how something is
# asked, not what it is about, so they never decide whether a paragraph is
# shown, are not scored and are not marked. Simplified script (queries are
# normalized first).
STOP_WORDS = frozenset("""
的 地 得 了 着 过 是 有 在 和 与 及 或 等 也 都 就 还 又 而 但 被 由 于 为 对 从 以 把 将 给 让 向
这 那 此 其 之 所 个 一个 这个 那个 这些 那些 该 各 每 呢 吗 吧 啊 呀 么 嘛 哦
什么 甚么 啥 哪 哪个 哪些 哪里 哪儿 哪一 哪一个 哪一年 哪一种 哪一位 哪位 哪种 哪年 哪国 谁 何 何时 何地
何种 何处 何人 何者 为何 如何 几 几个 多少 多久 多大 多长 多高 多远 怎么 怎样 怎么样 怎么办 为什么
是否 是不是 有没有 请问 与否
""".split())


def is_stop_word(word: str) -> bool:
    """A word that never decides a match (see STOP_WORDS); punctuation too."""
    return word in STOP_WORDS or not any(c.isalnum() for c in word)


# --------------------------------------------------------------------------
# jieba
# --------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_segmenters: dict = {}
USER_SEGMENTERS = 2


def segmenter(user_dict: str | None = None):
    """A jieba tokenizer, loaded once per process and per user dictionary.

    ``user_dict`` is the text of a jieba user dictionary (not a path), so a
    changed dictionary file gives a fresh segmenter while the default one is
    shared by everything else. Only the ``USER_SEGMENTERS`` newest user
    dictionaries' are kept (the build being served and the one replacing
    it): each holds jieba's whole dictionary (about 65 MB), and a server
    whose dictionary changes with every rebuild would otherwise keep them all.
    """
    key = user_dict or ""
    seg = _segmenters.get(key)
    if seg is not None:
        return seg
    with _jieba_lock:
        seg = _segmenters.get(key)
        if seg is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            seg = jieba.Tokenizer()
            seg.initialize()
            if user_dict:
                import io

                seg.load_userdict(io.StringIO(user_dict))
                for older in [k for k in _segmenters if k][:-(USER_SEGMENTERS - 1) or None]:
                    del _segmenters[older]  # the oldest first (dicts keep insertion order)
            _segmenters[key] = seg
    return seg


def word_spans(text: str, mode: str = "query", user_dict: str | None = None):
    """Yield ``(word, start, end, pos)`` over already-normalized ``text``.

    In index mode jieba's search-mode sub-words (大湾 inside 粤港澳大湾区
    when the dictionary knows them) are yielded at the same ``pos`` as their
    word, before it.
    """
    seg = segmenter(user_dict)
    pos = 0
    for run in _RUNS.finditer(text):
        offset = run.start()
        if run.lastgroup == "word":
            yield run.group(), offset, run.end(), pos
            pos += 1
            continue
        start = offset
        for word in seg.cut(run.group(), HMM=True):
            width = len(word)
            if mode == "index" and width > 2:
                for n in (2, 3):
                    if width <= n:
                        continue
                    for i in range(width - n + 1):
                        gram = word[i:i + n]
                        if seg.FREQ.get(gram):
                            yield gram, start + i, start + i + n, pos
            yield word, start, start + width, pos
            start += width
            pos += 1


def query_words(text: str, user_dict: str | None = None) -> list[str]:
    """The distinct words of a query string, normalized, in order."""
    return [word for word, _ in query_units(text, user_dict)]


def _add_unit(units: dict, group: list[str]) -> None:
    word, subs = group[-1], group[:-1]
    known = units.setdefault(word, [])
    known.extend(w for w in dict.fromkeys(subs) if w not in known)


def query_units(text: str, user_dict: str | None = None) -> list[tuple[str, list[str]]]:
    """The distinct words of a query with their search-mode sub-words.

    ``[(word, [sub-word, ...]), ...]`` in query order: the sub-words are
    those the index also holds for the word (平均温度 -> 平均, 温度), so a
    paragraph with 平均气温 gets credit for 平均.
    """
    units: dict[str, list[str]] = {}
    group: list[str] = []  # index mode yields a word's sub-words first, at its pos
    last_pos = None
    for word, _start, _end, pos in word_spans(normalize_text(text), "index", user_dict):
        if pos != last_pos and group:
            _add_unit(units, group)
            group = []
        group.append(word)
        last_pos = pos
    if group:
        _add_unit(units, group)
    return list(units.items())


def literal_grams(literal: str) -> list[str]:
    """The character index's grams of a literal string, in order: the
    character itself, or the chain of adjacent pairs (the docsets of a
    longer string are the paragraphs with all of them, checked on the
    text, see docsets.py)."""
    if len(literal) == 1:
        return [literal]
    return [literal[i:i + 2] for i in range(len(literal) - 1)]


def analyse_paragraph(text: str, user_dict: str | None = None) -> tuple[Counter, str]:
    """A paragraph's index-mode words with their counts, and its normalized
    text without white space: what the indexer writes."""
    norm = normalize(text)
    words = Counter(w for w, _, _, _ in word_spans(norm.text, "index", user_dict))
    return words, "".join(norm.text.split())  # flat_text without normalizing twice
