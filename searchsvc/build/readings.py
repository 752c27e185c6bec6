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
from pathlib import Path

from ..storage import readings
from ..storage.wordindex import WordIndex

WORDS_PER_KEY = 3  # homophones kept per reading, the most frequent
MAX_WORD = 8  # characters: longer words are phrases jieba kept whole, not typed as one
_CHINESE = re.compile(r"[\u3400-\u9fff]+")


def write(folder: Path, parts: list[dict]) -> None:
    """The table of the build in ``folder`` (its word index written)."""
    words = WordIndex(folder, parts)
    try:
        table = pinyin_table((w, words.doc_frequency(w)) for w in words.words("")
                             if len(w) <= MAX_WORD and _CHINESE.fullmatch(w))
    finally:
        words.close()
    readings.write(folder, table, char_readings())


def char_readings() -> dict[str, str]:
    """Every character of U+3400-U+9FFF pypinyin reads → its usual
    toneless reading (its first: 的 de, 化 hua)."""
    from pypinyin import Style, lazy_pinyin

    chars = [chr(c) for c in range(0x3400, 0xA000)]
    read = lazy_pinyin(chars, style=Style.NORMAL, errors=lambda _: "-")  # "" would be dropped
    return {ch: r for ch, r in zip(chars, read, strict=True) if r.isascii() and r.isalpha()}


def pinyin_table(counted) -> dict[str, list[tuple[str, int]]]:
    """(word, paragraphs holding it) pairs → key → the most frequent words."""
    from pypinyin import Style, lazy_pinyin

    table: dict[str, list[tuple[str, int]]] = {}
    for word, count in counted:
        if count > 0:
            key = "".join(lazy_pinyin(word, style=Style.NORMAL))
            if key.isascii() and key.isalpha():
                table.setdefault(key, []).append((word, count))
    return {key: sorted(found, key=lambda wc: (-wc[1], wc[0]))[:WORDS_PER_KEY]
            for key, found in table.items()}
