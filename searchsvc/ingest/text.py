"""Plain-text files: a title line, then paragraphs; metadata from a
header block (``来源:… 2024年03月05日 作者:…`` bylines, ``日期: 2024-03``
lines, Chinese or English keys), headings from the heading rules
(``headings``); a saved newspaper page's furniture through a
``profiles.Profile``."""

from __future__ import annotations

import re

from ..analysis.normalize import normalize_text
from . import metadata
from .headings import DEFAULT_RULES, Outline, Rule
from .model import Document, Paragraph
from .profiles import DEFAULT, Profile

_SEPARATOR = re.compile(r"[\s\u00a0\u3000]{2,}")
_KEY_VALUE = re.compile(r"^(?P<key>[^:：]{1,12})[:：]\s*(?P<value>.*)$")
_DATE_LIKE = re.compile(r"^\d{4}(?:年|[-/.]\d{1,2}|\d{4}$|$)")
HEADER_WITHIN = 6  # lines from the top where a header block may start
KEPT = "_kept"  # header lines kept as text too: [(line, why)]


def parse_text(text: str, doc_id: str, path: str = "", encoding: str = "utf-8",
               profile: Profile = DEFAULT, rules: tuple[Rule, ...] = DEFAULT_RULES) -> Document:
    """Split a document's text into metadata, sections and paragraphs."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # (indented, stripped, normalized) for every line that is not blank or
    # site chrome; patterns match the normalized form, values come from the line
    lines = [(raw[:1].isspace(), s, normalize_text(s))
             for raw in raw_lines if (s := raw.strip())]
    lines = [line for line in lines if line[2] not in profile.chrome]

    doc = Document(doc_id=doc_id, path=path, title="", encoding=encoding)
    start, end, fields = _header(lines, profile)
    kept = fields.pop(KEPT, [])
    if start is not None:
        before = [s for _, s, _ in lines[:start]]
        if before:
            doc.title, doc.deck = before[0], " ".join(before[1:])
            body = lines[end:]
        elif end < len(lines):  # the block first: the title follows it
            doc.title, body = lines[end][1], lines[end + 1:]
        else:
            body = []
        metadata.apply(doc, fields, "header")
        body = [line for line, _ in kept] + body  # a header line whose date is not one stays text
        doc.problems += [f"header: {line[1]!r} kept as text ({why})" for line, why in kept]
    elif lines:
        doc.title = lines[0][1]
        body = lines[1:]
    else:
        body = []

    outline = Outline(rules)
    for indented, line, key in body:
        if profile.credit and profile.credit.match(key):
            doc.credit = _after_colon(line)
            continue
        taken, opens_with = outline.read(line, key, indented)
        section = outline.section
        if section and (not doc.sections or doc.sections[-1]["label"] != section):
            doc.sections.append({"label": section, "heading": ""})
        if taken:
            if outline.box_heading:
                doc.sections[-1]["heading"] = outline.heading
            continue
        doc.paragraphs.append(Paragraph(len(doc.paragraphs) + 1, line, section,
                                        outline.heading or opens_with))
    if not doc.title:
        doc.title = doc_id
    if not doc.paragraphs and lines:
        # A one-line note, or a title with its date: the title is its text.
        doc.paragraphs.append(Paragraph(1, doc.title))
    return doc


def _after_colon(text: str) -> str:
    return re.split(r"[:：]", text, maxsplit=1)[-1].strip()


def _header(lines, profile: Profile) -> tuple[int | None, int, dict[str, str]]:
    """Where the metadata block is (its first line and the line after it)
    and the fields it gives: consecutive lines near the top that are a
    byline or ``key: value`` fields, each part a date or a known key."""
    for start in range(min(HEADER_WITHIN, len(lines))):
        fields = _fields(lines[start], profile)
        if fields is None:
            continue
        end = start + 1
        while end < len(lines) and (more := _fields(lines[end], profile)) is not None:
            fields[KEPT] = fields.get(KEPT, []) + more.pop(KEPT, [])
            fields.update(more)
            end += 1
        if start == 0 and "title" not in fields and end >= len(lines):
            return None, 0, {}  # nothing but metadata: read it as text
        return start, end, fields
    return None, 0, {}


def _fields(line: tuple[bool, str, str], profile: Profile) -> dict[str, str] | None:
    """The metadata of one header line, or None when it is not one: a
    byline of the profile's (its parts apart by wide spaces) or parts
    that are each a date or ``key: value`` with a known key."""
    _, text, key = line
    byline = bool(profile.byline and profile.byline.match(key))
    fields: dict[str, str] = {}
    parts = [p.strip() for p in _SEPARATOR.split(text) if p.strip()]
    if len(parts) == 1 and not byline and _is_date(parts[0]):
        # a date alone on its line is the document's only when it reads as
        # one: a month or a day, and plausible (2019 or 2999 alone is text)
        return {"date": parts[0]} if _dated_line(parts[0]) else None
    for part in parts:
        if _is_date(part) or byline and len(part) <= 20 and _DATE_LIKE.match(normalize_text(part)):
            fields["date"] = part
            continue
        found = _KEY_VALUE.match(part)
        name = None
        if found:
            label = normalize_text(found["key"]).strip()
            name = profile.fields.get(label) or metadata.field_name(label)
        if name and found["value"].strip():
            fields[name] = found["value"].strip()
        elif not byline:
            return None
    if "date" in fields:  # metadata never costs text: a date that is not one keeps the line
        try:
            metadata.plausible_date(fields["date"])
        except ValueError as exc:
            del fields["date"]
            fields[KEPT] = [(line, f"date not read: {exc}")]
    return fields or None


def _dated_line(part: str) -> bool:
    """A date alone on a line that is the document's: written as a date
    (年, -, / between its parts, not a run of digits such as 20240305 or
    a number such as 2024.3), of a month or a day, and plausible."""
    if not re.search(r"[年\-/]", part):
        return False
    try:
        return len(metadata.plausible_date(part)) >= 7
    except ValueError:
        return False


def _is_date(part: str) -> bool:
    try:
        metadata.parse_date(part)
    except ValueError:
        return False
    return True
