"""Writing a build's files: what the build package calls, so each file's
format stays with its reader here.

A part is written from one pass over its paragraphs (``write_part``): the
paragraph store, the flat texts and the character index made from them,
and the serving format of its words (``postings``), collected while the
same words went to the part's Whoosh segment (``wordindex``). A build is
finished (``finish``) with the documents' files, the columns, the user
dictionary and ``meta.json``, which records every other file's size, so it
is written last.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import columns, docmap, grams, layout, paragraphs, readings, texts
from .layout import Meta
from .postings import Collector

# what ``finish`` writes: an incremental build links every other file of
# the previous build, never these (writing through a link would change it)
REWRITTEN = frozenset({layout.META_FILE, layout.DICTIONARY_FILE, paragraphs.DOCUMENTS,
                       paragraphs.TABLE, *columns.files(), *docmap.files(),
                       *readings.FILES})


def write_part(folder: Path, part: str, records: Iterable[dict[str, Any]], flats: list[str],
               base: int,
               words: Collector) -> None:
    """Part ``part``'s files: ``records`` (an iterable of {"doc", "n",
    "section", "heading", "text"[, "page"]}), ``flats`` (their flat
    texts) and ``words`` (their counted words, as the word index writer
    collected them) in docnum order, from docnum ``base``."""
    if len(words) != len(flats):
        raise ValueError(f"{len(words)} paragraphs of words for {len(flats)} texts")
    words.write(folder, part, base)
    paragraphs.write(folder, part, records)
    texts.write(folder, part, flats)
    grams.write(folder, part, flats, base)


def finish(folder: Path, meta: Meta, entries: list[paragraphs.StoredEntry | paragraphs.Entry],
           user_dict: str) -> None:
    """documents.jsonl and documents.table (``entries`` in corpus order),
    the documents' serving files (``docmap``), the columns, the user
    dictionary and ``meta.json`` with every file's size."""
    table = paragraphs.write_documents(folder, entries)
    docmap.write(folder, table, meta.docnums)
    columns.write(folder, table, meta.docnums)
    layout.write_user_dictionary(folder, user_dict)
    meta.files = layout.file_sizes(folder)
    meta.write(folder)
