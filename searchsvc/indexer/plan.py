"""The plan of a rebuild: with each corpus file, keep what the current
build has for it, or index it again.

A file whose bytes (digest) and name are unchanged keeps its previous
entry and paragraphs; a changed or new file is parsed and indexed into one
new part; the paragraphs of changed and removed files are deleted. When
the parts or the deletions pile up (``MAX_PARTS``, ``MAX_REPLACED``), or
the user dictionary changed, the rebuild is a full one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..ingest import corpus
from ..ingest.model import Document
from ..storage import paragraphs, wordindex
from ..storage.layout import Meta, current_path, part_files

MAX_PARTS = 8  # an incremental rebuild that would make more parts is a full one
MAX_REPLACED = 0.2  # ... and so is one after which deleted + new paragraphs pass this share


def skipped_meta(skipped: list) -> list[dict]:
    return [{"file": Path(s.path).name, "reason": s.reason} for s in skipped]


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def reading_digest(extras: corpus.Extras) -> str:
    """What every file's reading depends on: the user dictionary (every
    segmentation), the heading rules, the metadata table and the readers'
    own version (``corpus.READERS``). A build made with other ones is not
    started from."""
    return digest(extras.user_dict + ("\0" + extras.parsing if extras.parsing else "")
                  + f"\0readers {corpus.READERS}")


@dataclass
class Previous:
    """The current build, as a rebuild may start from it."""

    path: Path
    meta: Meta
    documents: dict  # doc_id -> its entry (paragraphs.StoredEntry)

    @classmethod
    def load(cls, index_dir: Path, extras: corpus.Extras, folder: str = "") -> Previous | None:
        """None when there is no build to start from, it is of another
        format, user dictionary, heading rules, metadata table or corpus
        folder (``folder``, resolved), or it cannot be read (a full
        rebuild replaces it)."""
        path = current_path(index_dir)
        if path is None:
            return None
        try:
            meta = Meta.read(path)
            if meta.dictionary != reading_digest(extras) or meta.corpus and meta.corpus != folder:
                return None
            documents = paragraphs.stored_entries(path, meta.docnums)
            for part in meta.parts:
                for name in part_files(part["name"]):
                    if not (path / name).is_file():
                        raise ValueError(f"{name} is missing")
            if wordindex.paragraph_count(path) != meta.docnums:
                raise ValueError("the index does not match meta.json")
        except Exception:  # unreadable in any way (a damaged TOC raises anything)
            return None
        return cls(path, meta, documents)

    def known(self) -> corpus.Known:
        """Each file's size, modification time and digest as this build
        recorded them (a build of an older searchsvc recorded none)."""
        return {e["file"]: (e["size"], e["mtime"], e["digest"]) for e in self.documents.values()
                if e["file"] and e["mtime"]}


class Plan:
    """What a rebuild does with each file: keep its previous entry or index it.

    ``items`` are (source, previous entry or None, document or None) in
    corpus order; ``new`` the documents to index, ``gone`` the previous
    entries whose paragraphs are deleted (changed or removed files);
    ``firsts`` each indexed document's first docnum (``number``).
    """

    def __init__(self, sources, previous: Previous | None, skipped: list,
                 extras: corpus.Extras | None = None):
        self.extras = extras or corpus.Extras()
        self.items = []
        self.new: list[Document] = []
        self.firsts: dict[str, int] = {}
        kept: set[str] = set()
        for source in sources:
            old = previous.documents.get(source.doc_id) if previous else None
            if old is not None and old.get("digest") == source.digest and \
                    old.get("file") == source.name:
                self.items.append((source, old, None))
                kept.add(source.doc_id)
                continue
            doc = corpus.parse_or_skip(source, skipped, self.extras)
            if doc is not None:
                self.items.append((source, None, doc))
                self.new.append(doc)
        self.gone = [e for e in previous.documents.values()
                     if e["doc_id"] not in kept] if previous else []
        self.incremental = False
        if previous is not None and kept:
            meta = previous.meta
            gone = sum(e["paragraphs"] for e in self.gone)
            new = sum(len(d.paragraphs) for d in self.new)
            replaced = meta.deleted + gone + new
            live = meta.paragraphs - gone + new
            parts = len(meta.parts) + (1 if self.new else 0)
            self.incremental = parts <= MAX_PARTS and replaced <= MAX_REPLACED * live

    def documents(self, skipped: list) -> list[Document]:
        """Every document, parsed (for a full rebuild), in corpus order."""
        self.items = [(source, None, d) for source, _, doc in self.items
                      if (d := doc or corpus.parse_or_skip(source, skipped, self.extras))]
        return [d for _, _, d in self.items]

    def notes(self) -> list[str]:
        """What the summary names besides skipped files: metadata that
        could not be read, of the files read in this rebuild, and rows of
        the metadata table that name no file."""
        notes = list(self.extras.problems)
        notes += [f"{doc.file or Path(doc.path).name}: {problem}" for _, _, doc in self.items
                  if doc is not None for problem in doc.problems]
        files = {n for source, _, _ in self.items for n in (source.name, source.path.name)}
        notes += [f"{corpus.METADATA_FILE}: no file named {name!r} in the corpus"
                  for name in sorted(self.extras.metadata) if name not in files]
        return notes

    def number(self, documents: list[Document], base: int) -> None:
        """Docnums for ``documents``' paragraphs, consecutive from ``base``."""
        for doc in documents:
            self.firsts[doc.doc_id] = base
            base += len(doc.paragraphs)

    def entries(self) -> list[dict]:
        """documents.jsonl: each document's metadata, the docnum of its first
        paragraph, its sections' runs of paragraphs and its file's digest,
        size and modification time, in corpus order."""
        return [_kept(entry, source) if doc is None else
                dict(doc.metadata(), digest=doc.digest, first=self.firsts[doc.doc_id],
                     runs=runs(doc), size=source.size, mtime=source.mtime)
                for source, entry, doc in self.items]


def _kept(entry: paragraphs.StoredEntry, source) -> paragraphs.StoredEntry | dict:
    """A kept document's entry: as stored, or with the file's new size and
    time when it was touched without a change."""
    if (entry.get("size"), entry.get("mtime")) == (source.size, source.mtime):
        return entry
    return dict(entry.decoded(), size=source.size, mtime=source.mtime)


def runs(doc: Document) -> list[list]:
    """[section label, paragraphs] for each run of paragraphs in one section."""
    runs: list[list] = []
    for p in doc.paragraphs:
        if runs and runs[-1][0] == p.section:
            runs[-1][1] += 1
        else:
            runs.append([p.section, 1])
    return runs
