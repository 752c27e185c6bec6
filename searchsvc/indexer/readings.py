"""The pinyin table of a build: every Chinese word of its word index under
its toneless pinyin, the most frequent first (storage.readings keeps it).

pypinyin reads each word as a word (its phrase dictionary knows 银行 is
yinhang, 长城 changcheng), which reading its characters one by one would
not; ü is written v, as keyboards type it (绿色 lvse). Beside the words,
every Chinese character's usual reading, for did-you-mean's homophone test
(坏 huai, 环 huan), so serving never loads pypinyin.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from ..storage import readings
from ..storage.wordindex import WordIndex

# each word's syllables as pypinyin read them, kept by a process that
# rebuilds again (``watch``): an incremental rebuild read every word of the
# index again, the most of its time after the listing
_SYLLABLES: dict[str, list[str]] = {}
MAX_REMEMBERED = 2_000_000
WORDS_PER_KEY = 3  # homophones kept per reading and syllable split, the most frequent
MAX_WORD = 8  # characters: longer words are phrases jieba kept whole, not typed as one
_CHINESE = re.compile(r"[\u3400-\u9fff]+")


def write(folder: Path, parts: list[dict]) -> None:
    """The table of the build in ``folder`` (its word index written)."""
    words = WordIndex(folder, parts)
    try:
        table = pinyin_table((w, count) for w, count in words.frequencies().items()
                             if len(w) <= MAX_WORD and _CHINESE.fullmatch(w))
    finally:
        words.close()
    readings.write(folder, table, char_readings())


@cache
def char_readings() -> dict[str, str]:
    """Every character of U+3400-U+9FFF pypinyin reads → its usual
    toneless reading (its first: 的 de, 化 hua). The same for every
    build: made once per process (``searchsvc watch`` rebuilds often)."""
    from pypinyin import Style, lazy_pinyin

    chars = [chr(c) for c in range(0x3400, 0xA000)]
    read = lazy_pinyin(chars, style=Style.NORMAL, errors=lambda _: "-")  # "" would be dropped
    return {ch: r for ch, r in zip(chars, read, strict=True) if r.isascii() and r.isalpha()}


def pinyin_table(counted) -> dict[str, list[tuple[str, int]]]:
    """(word, paragraphs holding it) pairs → key → the most frequent words,
    WORDS_PER_KEY of each way the key parts into syllables (xian: 先 县 线,
    and 西安 for xi'an, however frequent the one-syllable words)."""
    from pypinyin import Style, lazy_pinyin

    table: dict[str, dict[tuple, list[tuple[str, int]]]] = {}
    if len(_SYLLABLES) > MAX_REMEMBERED:
        _SYLLABLES.clear()
    for word, count in counted:
        if count > 0:
            syllables = _SYLLABLES.get(word)
            if syllables is None:
                syllables = _SYLLABLES[word] = lazy_pinyin(word, style=Style.NORMAL)
            key = "".join(syllables)
            if key.isascii() and key.isalpha():
                split = tuple(len(s) for s in syllables)
                table.setdefault(key, {}).setdefault(split, []).append((word, count))
    return {key: sorted((wc for found in splits.values()
                         for wc in sorted(found, key=_most)[:WORDS_PER_KEY]), key=_most)
            for key, splits in table.items()}


def _most(word_count: tuple[str, int]) -> tuple:
    """The most frequent first; ties in the word's order, never set order."""
    return -word_count[1], word_count[0]
