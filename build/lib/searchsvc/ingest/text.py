"""Plain-text files: a title line, then paragraphs; a saved newspaper page
also has a byline, a credit and section labels, read through a
``profiles.Profile``."""

from __future__ import annotations

import re

from ..analysis import SENTENCE_ENDS, normalize_text
from .model import Document, Paragraph
from .profiles import DEFAULT, Profile

_DATE = re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
_SEPARATOR = re.compile(r"[\s\u00a0\u3000]{2,}")
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_ENDS)}]")


def _is_heading_like(line: str) -> bool:
    return len(line) <= 40 and not _SENTENCE_END.search(line)


def parse_text(text: str, doc_id: str, path: str = "", encoding: str = "utf-8",
               profile: Profile = DEFAULT) -> Document:
    """Split a document's text into metadata and paragraphs."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # (indented, stripped, normalized) for every line that is not blank or
    # site chrome; patterns match the normalized form, values come from the line
    lines = [(raw[:1].isspace(), s, normalize_text(s))
             for raw in raw_lines if (s := raw.strip())]
    lines = [line for line in lines if line[2] not in profile.chrome]

    doc = Document(doc_id=doc_id, path=path, title="", encoding=encoding)
    byline_at = next((i for i, (_, _, key) in enumerate(lines[:6])
                      if profile.byline and profile.byline.match(key)), None)
    if byline_at is not None and byline_at >= 1:
        doc.title = lines[0][1]
        doc.deck = " ".join(s for _, s, _ in lines[1:byline_at])
        _parse_byline(doc, lines[byline_at][1], profile)
        body = lines[byline_at + 1:]
    elif lines:
        doc.title = lines[0][1]
        body = lines[1:]
    else:
        body = []

    section = heading = ""
    expect_heading = False
    for indented, line, key in body:
        if profile.credit and profile.credit.match(key):
            doc.credit = _after_colon(line)
            continue
        if profile.section_label and profile.section_label.match(key):
            section, heading, expect_heading = line, "", True
            doc.sections.append({"label": section, "heading": ""})
            continue
        if expect_heading and indented and _is_heading_like(line):
            heading = line
            doc.sections[-1]["heading"] = heading
            expect_heading = False
            continue
        expect_heading = False
        doc.paragraphs.append(Paragraph(len(doc.paragraphs) + 1, line, section, heading))
    if not doc.title:
        doc.title = doc_id
    if not doc.paragraphs and lines and byline_at is None:
        # A one-line note: its only line is both title and text.
        doc.paragraphs.append(Paragraph(1, doc.title))
    return doc


def _after_colon(text: str) -> str:
    return re.split(r"[:：]", text, maxsplit=1)[-1].strip()


def _parse_byline(doc: Document, line: str, profile: Profile) -> None:
    for part in _SEPARATOR.split(line):
        part = part.strip()
        if not part:
            continue
        key = normalize_text(part)
        date = _DATE.match(key)
        if date:
            doc.date = f"{int(date['y']):04d}-{int(date['m']):02d}-{int(date['d']):02d}"
            continue
        label = re.split(r"[:：]", key, maxsplit=1)
        if len(label) == 2 and label[1].strip() and label[0] in profile.fields:
            setattr(doc, profile.fields[label[0]], _after_colon(part))
