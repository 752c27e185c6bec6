"""The word index's Whoosh schema: the names its table of contents pickles.

Whoosh stores a build's schema by pickling it, field and analyzer classes
included, so ``searchsvc.storage.wordschema.CountedText`` and
``searchsvc.storage.wordschema.WordTokenizer`` are part of the format:
moving or renaming either makes every build unreadable
(tests/test_versions.py holds the pickled names to these). They carry no
data of the corpus: the user dictionary a build was segmented with is a
plain file of the build (``layout.DICTIONARY_FILE``). Unpickling runs code
named in the file, so a build is only ever read from a host that is
trusted to write it (docs/architecture.md, "What a build trusts").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.fields import STORED, TEXT, Schema
from whoosh.system import pack_uint

from ..analysis.normalize import normalize
from ..analysis.words import word_spans

FIELD = "text"
ID_FIELD = "id"  # each paragraph's id, stored: doc_id#pN, as the API's hits name it


class WordTokenizer(Tokenizer):  # type: ignore[misc]  # Whoosh is untyped
    """jieba words of the normalized text (the default dictionary). The
    builder hands Whoosh each paragraph's words already counted
    (``CountedText``) and searches read postings by word, so Whoosh runs
    this only if asked to analyse a string itself."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, value: str, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(mode=mode, **kwargs)
        for text, _, _, _ in word_spans(normalize(value).text,
                                        "index" if mode == "index" else "query"):
            token.text, token.boost, token.stopped = text, 1.0, False
            yield token


class CountedText(TEXT):  # type: ignore[misc]  # Whoosh is untyped
    """Whoosh's TEXT field that also takes a paragraph's words already
    counted (a mapping word -> frequency): the builder segments each
    paragraph once for Whoosh and the character index, and Whoosh's own
    path (a Token object per word through the analyzer, then counted again)
    cost about an eighth of the build. Frequencies are what the Frequency
    format writes: weight = count, value = the count packed."""

    def index(self, value: Any, **kwargs: Any) -> Any:
        if isinstance(value, Mapping):
            return [(w.encode("utf-8"), f, float(f), pack_uint(f)) for w, f in value.items()]
        return super().index(value, **kwargs)


def schema() -> Schema:
    """One Whoosh document per paragraph: its id (stored only, so a hit
    read through Whoosh's own searcher names its paragraph; indexing it
    too made the build a third larger) and its words."""
    return Schema(id=STORED(), text=CountedText(analyzer=WordTokenizer(), phrase=False))
