"""Character classes, each defined once: which characters are Chinese,
what a Latin word is, what ends a sentence. The readers, the indexes,
matching and snippets all read text with these."""

from __future__ import annotations

import re

# CJK ideographs (BMP, extension A, compatibility, supplementary planes).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CHAR = re.compile(rf"[{HAN}]")
# a letter or digit of any script but Chinese
LATIN = rf"(?:(?![{HAN}])[^\W_])"
# A Han run goes to jieba; a Latin/digit run stays whole, dots between
# alphanumerics included (pm2.5, 6.6, 37.4), so numbers are not cut apart.
RUNS = re.compile(rf"(?P<han>[{HAN}]+)|(?P<word>{LATIN}+(?:\.{LATIN}+)*)")
# Latin letters in normalized (case-folded) text: a run of them is a Latin
# word (``tar`` in ``tar命令``), and a literal with one at an end may stand
# inside a longer word (``tar`` in ``whatarethe``)
LATIN_RUN = re.compile("[a-z]+")
LATIN_LEAD, LATIN_TAIL = re.compile("[a-z]+"), re.compile("[a-z]+$")
LATIN_EDGE = re.compile("^[a-z]|[a-z]$")
# What ends a sentence (or a clause, for snippets and headings), and what
# may follow that end inside the sentence: one definition for the readers
# and the snippets.
SENTENCE_ENDS = "。！？；!?;"
CLOSERS = "”’」』）)"
