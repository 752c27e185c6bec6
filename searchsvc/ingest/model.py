"""What every reader makes of a file: a document with metadata and
paragraphs, and the errors that name a file that cannot be used.

A document knows nothing of the index: docnums and digests of builds are
the build package's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.scripts import HAN


@dataclass
class Paragraph:
    number: int  # 1-based, in document order
    text: str
    section: str = ""  # label, e.g. 答卷3
    heading: str = ""  # the heading line under the label
    page: int = 0  # a PDF's page where the paragraph starts, from 1; 0: no pages
    continues: bool = False  # a long paragraph's later piece: it goes on from the one before


@dataclass
class Document:
    doc_id: str
    path: str
    title: str
    deck: str = ""
    source: str = ""
    date: str = ""  # ISO 8601: 2024, 2024-03 or 2024-03-05; "" when the file has none
    edition: str = ""
    author: str = ""
    credit: str = ""
    encoding: str = "utf-8"
    digest: str = ""  # of the file's bytes
    tags: list[str] = field(default_factory=list)  # free labels: kind, region, …
    sections: list[dict] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # metadata not read, for the summary
    file: str = ""  # its path in the corpus folder (2023/gwr.txt)
    dropped: list[Dropped] = field(default_factory=list)  # what the reader left out (inspect)
    reasons: list[str] = field(default_factory=list)  # why each paragraph starts (inspect)

    def metadata(self) -> dict:
        return {
            "doc_id": self.doc_id, "title": self.title, "deck": self.deck,
            "source": self.source, "date": self.date, "edition": self.edition,
            "author": self.author, "credit": self.credit, "tags": self.tags,
            "file": self.file or Path(self.path).name, "paragraphs": len(self.paragraphs),
            "sections": self.sections,
        }


@dataclass
class Parsed:
    """What a format reader found: metadata and (section, text) per paragraph."""

    title: str = ""
    author: str = ""
    date: str = ""  # ISO 8601
    source: str = ""
    tags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # metadata found but not read
    fields: dict[str, str] = field(default_factory=dict)  # metadata as written (front matter)
    sections: list[str] = field(default_factory=list)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (section, text)
    pages: list[int] = field(default_factory=list)  # a PDF's page of each paragraph, from 1
    # why each paragraph starts where it does (a PDF's layout rule), for ``inspect``
    reasons: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)  # blocks left out, and by which rule


@dataclass
class Dropped:
    """A block a reader left out of the text, with the rule that did it,
    so ``searchsvc inspect`` can show why a document reads as it does."""

    rule: str
    text: str
    page: int = 0


@dataclass
class Skipped:
    """A file that could not be read, with the reason, for the summary."""

    path: str
    reason: str
    unsupported: str = ""  # the extension, when the file is of a type not read


class Unsupported(ValueError):
    """A file of a type no reader takes."""

    def __init__(self, extension: str):
        super().__init__(f"unsupported type ({extension})")
        self.extension = extension


class Unreadable(ValueError):
    """A file of a known type that cannot be read; the message says why."""


_WIDE = re.compile(rf"[{HAN}\u3000-\u303f\uff00-\uffef]")


def join_lines(first: str, second: str) -> str:
    """Two lines of one paragraph: no space where either side is Chinese
    (or full-width), one space between Latin words."""
    if not first or not second:
        return first + second
    if _WIDE.match(first[-1]) or _WIDE.match(second[0]):
        return first + second
    return first + " " + second
