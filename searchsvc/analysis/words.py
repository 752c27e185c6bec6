"""jieba's words: of a paragraph as the index counts them (with
search-mode sub-words), of a query as it is searched, and the stop words
that never decide a match. A Han run goes to jieba, a Latin or digit run
stays one word (``scripts.RUNS``).
"""

from __future__ import annotations

import threading
from collections import Counter
from functools import cache

from .normalize import normalize, normalize_text
from .scripts import RUNS

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


# The question words among them: cut from what jieba glues them to in a
# query (哪省, 最多少), see engine.segment. 何 alone is left out (任何, 何况).
QUESTION_WORDS = frozenset("""
什么 甚么 啥 哪 哪个 哪些 哪里 哪儿 哪一 哪一个 哪一年 哪一种 哪一位 哪位 哪种 哪年 哪国 谁 何时 何地
何种 何处 何人 为何 如何 几 几个 多少 多久 多大 多长 多高 多远 怎么 怎样 怎么样 怎么办 为什么
是否 是不是 有没有 请问
""".split())


def is_stop_word(word: str) -> bool:
    """A word that never decides a match (see STOP_WORDS); punctuation too."""
    return word in STOP_WORDS or not any(c.isalnum() for c in word)


_jieba_lock = threading.Lock()
_segmenters: dict = {}
USER_SEGMENTERS = 2
_compact = None  # the compact dictionary new segmenters read (use_dictionary), if any


class CompactFreq:
    """jieba's ``FREQ`` (a word or a prefix of one → its count, 0 for a
    prefix) read from a build's compact dictionary (``storage.lexicon``), with the
    words a user dictionary adds kept beside it. jieba's own code reads it
    (``in``, ``[]``, ``get``, assignment), so its tokens stay jieba's."""

    __slots__ = ("_ids", "_counts", "_added")

    def __init__(self, ids, counts):
        self._ids, self._counts, self._added = ids, counts, {}

    def __contains__(self, word: str) -> bool:
        return word in self._added or word in self._ids

    def __getitem__(self, word: str) -> int:
        count = self._added.get(word)
        return count if count is not None else self._counts[self._ids[word]]

    def get(self, word: str, default=None):
        count = self._added.get(word)
        if count is not None:
            return count
        key = self._ids.get(word)
        return default if key is None else self._counts[key]

    def __setitem__(self, word: str, count: int) -> None:
        self._added[word] = count


@cache
def dictionary_source() -> bytes:
    """A digest of jieba's dictionary file: which dictionary a compact copy
    was written from."""
    import hashlib

    import jieba

    with jieba.get_dict_file() as f:  # the default dictionary's file, opened
        return hashlib.blake2b(f.read(), digest_size=32).digest()


def base_dictionary() -> tuple[dict, int]:
    """jieba's own ``FREQ`` and ``total`` (no user dictionary): what a
    build keeps compact. The process's default segmenter's when it has one."""
    seg = _segmenters.get("")
    if seg is None or isinstance(seg.FREQ, CompactFreq):
        seg = _load_jieba(None)  # not kept: a build needs it once
    return seg.FREQ, seg.total


def use_dictionary(lexicon) -> None:
    """Make new segmenters read jieba's dictionary from ``lexicon`` (a
    ``storage.lexicon.Lexicon``) instead of loading it. The first one of
    jieba's own dictionary is kept for the process: every build of this
    version holds the same; one written from another dictionary is not used."""
    global _compact
    if _compact is None and lexicon.source == dictionary_source():
        _compact = lexicon


def _load_jieba(lexicon):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    seg = jieba.Tokenizer()
    if lexicon is None:
        seg.initialize()
    else:
        seg.FREQ = CompactFreq(lexicon.ids, lexicon.counts)
        seg.total = lexicon.total
        seg.initialized = True
    return seg


def segmenter(user_dict: str | None = None):
    """A jieba tokenizer, loaded once per process and per user dictionary.

    ``user_dict`` is the text of a jieba user dictionary (not a path), so a
    changed dictionary file gives a fresh segmenter while the default one is
    shared by everything else. Only the ``USER_SEGMENTERS`` newest user
    dictionaries' are kept (the build being served and the one replacing
    it): unless the process has a compact dictionary (``use_dictionary``), each
    holds jieba's whole dictionary (about 60 MB), and a server whose
    dictionary changes with every rebuild would otherwise keep them all.
    """
    key = user_dict or ""
    seg = _segmenters.get(key)
    if seg is not None:
        return seg
    with _jieba_lock:
        seg = _segmenters.get(key)
        if seg is None:
            seg = _load_jieba(_compact)
            if user_dict:
                import io

                seg.load_userdict(io.StringIO(user_dict))
                for older in [k for k in _segmenters if k][:-(USER_SEGMENTERS - 1) or None]:
                    del _segmenters[older]  # the oldest first (dicts keep insertion order)
            _segmenters[key] = seg
    return seg


def known_word(word: str, user_dict: str | None = None) -> bool:
    """Whether jieba's dictionary (or the user's) has ``word``."""
    return bool(segmenter(user_dict).FREQ.get(word))


def word_spans(text: str, mode: str = "query", user_dict: str | None = None):
    """Yield ``(word, start, end, pos)`` over already-normalized ``text``.

    In index mode jieba's search-mode sub-words (大湾 inside 粤港澳大湾区
    when the dictionary knows them) are yielded at the same ``pos`` as their
    word, before it.
    """
    seg = segmenter(user_dict)
    pos = 0
    for run in RUNS.finditer(text):
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


def query_units(text: str, user_dict: str | None = None) -> list[tuple[str, list[str]]]:
    """The distinct words of a query with their search-mode sub-words.

    ``[(word, [sub-word, ...]), ...]`` in query order: the sub-words are
    those the index also holds for the word (平均温度 -> 平均, 温度), so a
    paragraph with 平均气温 gets credit for 平均.
    """
    units: dict[str, list[str]] = {}
    for word, subs, _start, _end in unit_spans(normalize_text(text), user_dict):
        known = units.setdefault(word, [])
        known.extend(w for w in dict.fromkeys(subs) if w not in known)
    return list(units.items())


def unit_spans(text: str, user_dict: str | None = None) -> list[tuple[str, list[str], int, int]]:
    """Each word of normalized ``text`` with its search-mode sub-words and
    where it stands: (word, sub-words, start, end), repeats included."""
    out: list[tuple[str, list[str], int, int]] = []
    group: list[tuple[str, int, int]] = []  # index mode yields a word's sub-words first, at its pos
    last_pos = None
    for word, start, end, pos in word_spans(text, "index", user_dict):
        if pos != last_pos and group:
            out.append((group[-1][0], [w for w, _, _ in group[:-1]], group[-1][1], group[-1][2]))
            group = []
        group.append((word, start, end))
        last_pos = pos
    if group:
        out.append((group[-1][0], [w for w, _, _ in group[:-1]], group[-1][1], group[-1][2]))
    return out


def analyse_paragraph(text: str, user_dict: str | None = None) -> tuple[Counter, str]:
    """A paragraph's index-mode words with their counts, and its normalized
    text without white space: what the indexer writes."""
    norm = normalize(text)
    words = Counter(w for w, _, _, _ in word_spans(norm.text, "index", user_dict))
    return words, "".join(norm.text.split())  # flat_text without normalizing twice
