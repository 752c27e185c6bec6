"""An opened build: every reader of its files, checked against each other.

``OpenedBuild`` opens ``meta.json`` first (a build of another format is
refused before any other file is read), checks every file's size against
what the build wrote, then opens the word index, documents, paragraph
store, flat texts, character index and pinyin table and makes the columns. Whatever is
wrong becomes ``IndexUnavailable`` with a reason a person can act on.
The engine's ``Snapshot`` adds the caches of answers over it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, TypeVar

from . import columns, docmap, grams, layout, lexicon, paragraphs, readings, texts
from .files import DamagedFile
from .layout import IndexUnavailable, Meta, OtherFormat
from .wordindex import WordIndex


class _Closable(Protocol):
    def close(self) -> None: ...


_Opened = TypeVar("_Opened", bound=_Closable)


class OpenedBuild:
    """The readers of one build. What serving needs of the documents is
    mapped (``docmap``): opening decodes no table."""

    def __init__(self, path: Path):
        self.path = path
        self.version = path.name  # the build's id: what X-Index-Version and ETags name
        try:
            self.meta = Meta.read(path)
        except OtherFormat as exc:
            raise IndexUnavailable(f"the index at {path} was built by another version "
                                   "of searchsvc; run `searchsvc rebuild`") from exc
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the index at {path} is damaged ({exc}); "
                                   "run `searchsvc rebuild`") from exc
        self._opened: list[_Closable] = []  # closed in reverse when opening fails or ends
        try:
            layout.check_sizes(path, self.meta)
            self.user_dict = layout.read_user_dictionary(path)
            # jieba's dictionary, checked; the snapshot hands it to the segmenters
            self.lexicon: lexicon.Lexicon | None = lexicon.open_lexicon(path)
            self.words = self._keep(WordIndex(path, self.meta.parts))
            names = [p["name"] for p in self.meta.parts]
            counts = [p["docnums"] for p in self.meta.parts]
            self.deletions = self.words.deletions
            if len(self.deletions) != self.meta.deleted:
                raise ValueError("the deleted paragraphs do not match meta.json")
            self.lengths = self.words.lengths()  # words per paragraph, 0 for deleted ones
            self.documents = self._keep(docmap.Documents(path, self.meta.docnums))
            self.store = self._keep(paragraphs.ParagraphStore(path, names))
            self.texts = self._keep(texts.NormalizedTexts.read(path, names, counts, self.store))
            self.grams = self._keep(grams.GramStore(path, names, self.deletions))
            if self.documents.position is not None and \
                    len(self.documents.position) != len(self.texts):
                raise DamagedFile(docmap.POSITION, "not one place per paragraph")
            self.position = self.documents.position  # None: docnum order is corpus order
            self.headings = self.documents.headings
            self.tags = self.documents.tags
            self._columns = self._keep(columns.Columns(path, len(self.texts)))
            self.readings = self._keep(readings.Readings(path))
        except DamagedFile as exc:
            self.close()
            raise IndexUnavailable(f"the index at {path} is damaged: {exc}") from exc
        except Exception as exc:  # what a damaged file makes a reader raise varies
            self.close()
            raise IndexUnavailable(f"the index at {path} is damaged ({type(exc).__name__}: "
                                   f"{exc}); run `searchsvc rebuild`") from exc

    def paragraphs(self, doc_id: str) -> list[dict[str, Any]] | None:
        """A document's paragraphs ({n, section, heading, text}), read on demand."""
        if doc_id not in self.documents:
            return None
        records = self.store.records(*self.documents.span(doc_id))
        for record in records:
            del record["doc"]
        return records

    def column(self, name: str) -> columns.Column:
        """Each docnum's "doc_id" or "section" (filters and facets); "" for
        deleted ones."""
        return self._columns[name]

    def _keep(self, opened: _Opened) -> _Opened:
        self._opened.append(opened)
        return opened

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()


def open_current(index_dir: str | Path) -> OpenedBuild:
    """The current build of ``index_dir``; raises IndexUnavailable."""
    return OpenedBuild(layout.current_or_raise(index_dir))
