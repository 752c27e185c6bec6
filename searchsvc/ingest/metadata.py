"""A document's metadata, whatever form a file gives it in: dates of any
precision read into ISO 8601, ``key: value`` fields in Chinese or English,
tags, and the corpus's own ``_metadata.csv``, which overrides them all.

A value that cannot be read (a date of 2019-13) is left out and named in
the document's ``problems``, which the rebuild's summary lists: the
document is indexed without it, never skipped for it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date

from ..dates import parse_date

# field name as written (lower case, normalized) -> the document's attribute
KEYS = {
    "日期": "date", "时间": "date", "发布日期": "date", "发布时间": "date", "date": "date",
    "来源": "source", "出处": "source", "source": "source",
    "作者": "author", "author": "author", "authors": "author",
    "标签": "tags", "关键词": "tags", "关键字": "tags", "tags": "tags", "tag": "tags",
    "keywords": "tags",
    "标题": "title", "title": "title",
}
FIELDS = ("title", "date", "source", "author", "tags")

_TAG_SEPARATORS = re.compile(r"[,，、;；|]")


def split_tags(text: str) -> list[str]:
    """Tags as typed in one field: separated by commas (either width), 、,
    semicolons or bars, or, when none of those is used, by blanks
    (``省级 华东``; ``work report, national`` keeps its phrase); each once,
    in order."""
    parts = _TAG_SEPARATORS.split(text) if _TAG_SEPARATORS.search(text) else text.split()
    return list(dict.fromkeys(t for t in (" ".join(p.split()) for p in parts) if t))


def field_name(key: str) -> str | None:
    """The document attribute a written key names (日期, Date, 来源…), or None."""
    return KEYS.get(unicodedata.normalize("NFKC", key).strip().lower())


def apply(doc, fields: dict[str, str], where: str) -> None:
    """Set ``doc``'s metadata from ``fields`` (attribute -> text as
    written); a value that cannot be read is left out and named in
    ``doc.problems`` with ``where`` it came from."""
    for name, value in fields.items():
        value = " ".join(str(value).split())
        if not value:
            continue
        if name == "date":
            try:
                doc.date = plausible_date(value)
            except ValueError as exc:
                doc.problems.append(f"{where}: date not read ({exc}); indexed without it")
        elif name == "tags":
            doc.tags = list(dict.fromkeys(doc.tags + split_tags(value)))
        elif isinstance(getattr(doc, name, None), str):  # a profile's own (edition)
            setattr(doc, name, value)


EARLIEST_YEAR = 1000


def plausible_date(text: str, today: date | None = None) -> str:
    """``text`` as an ISO date when a document can bear it: readable, and
    no later than next year (2999 is a typo or a number, not a date).
    Raises ValueError naming what is wrong."""
    iso = parse_date(text)
    latest = (today or date.today()).year + 1
    if not EARLIEST_YEAR <= int(iso[:4]) <= latest:
        raise ValueError(f"{text!r} is not a plausible date for a document "
                         f"({EARLIEST_YEAR}-{latest})")
    return iso


# what a template or a program writes where a title belongs
_PLACEHOLDER = re.compile(
    r"^(?:[（(\[【<《]\s*)?(?:请?(?:在此|此处)?(?:填写|输入|键入)\S*|标准名称|文档标题|标题|题目|"
    r"无标题(?:文档|页面?)?|未命名\S*|文档\s*\d*|新建\s*\S*文档\s*\d*|microsoft\s+\w+\s*-.*|untitled.*|"
    r"title|document\s*\d*|presentation\d*|slide\s*\d*|powerpoint\s*演示文稿|幻灯片\s*\d*)"
    r"(?:\s*[）)\]】>》])?$", re.IGNORECASE)
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|wps|tex|dvi|ps|indd|pptx?|xlsx?|rtf|odt|html?|txt|qxd)$",
                        re.IGNORECASE)
_READABLE = re.compile(r"[\w\s\u3000-\u303f\uff00-\uffef.,:;!?'\"()\[\]/&+\-–—·“”‘’《》〈〉]")


def plausible_title(text: str) -> bool:
    """Whether a title from a file's properties reads like one: not empty,
    not a template's placeholder (标准名称, （填写标准名称）, Untitled), not
    a file name or a program's label (Microsoft Word - 报告.doc), not
    garbled bytes (mojibake, replacement or private-use characters)."""
    text = " ".join(unicodedata.normalize("NFKC", text or "").split())
    if not text or len(text) > 200 or _PLACEHOLDER.match(text) or _FILE_NAME.search(text):
        return False
    if len(text) <= 3 and text.isascii():  # NB, GB, x1: a code or a stub, not a title
        return False
    if re.search(r"[\ufffd\ue000-\uf8ff]|Ã.|â€|þÿ|ÿþ", text):
        return False
    latin1 = sum(1 for ch in text if "\u00c0" <= ch <= "\u00ff")
    readable = sum(1 for ch in text if _READABLE.match(ch))
    return latin1 * 4 < len(text) and readable >= len(text) * 0.85


# what a program writes where a person's name belongs
_ACCOUNT = re.compile(r"^[a-z][a-z0-9._-]*$|^[\d\W_]+$|@|^(?:administrator|admin|user|owner|guest|unknown|"
                      r"microsoft office (?:user|用户)|windows (?:user|用户)|微软用户|用户|作者|"
                      r"author|pc|dell|lenovo|asus|hp|thinkpad|acer)$", re.IGNORECASE)


def plausible_author(text: str) -> bool:
    """Whether an author from a file's properties names a person or a body:
    not an account or machine name (sky, li.qili1, Administrator, 微软用户,
    an e-mail address, a CMS's user number), which writers fill in themselves."""
    text = " ".join(unicodedata.normalize("NFKC", text or "").split())
    if not text or _ACCOUNT.search(text):
        return False
    return plausible_title(text) or bool(re.fullmatch(r"[\u3400-\u9fff·]{1,4}", text))


class MetadataFileError(ValueError):
    """A ``_metadata.csv`` that cannot be used at all (no ``file`` column)."""


def read_table(text: str) -> dict[str, dict[str, str]]:
    """``_metadata.csv``: a header row with ``file`` and any of the field
    names (English or Chinese: file/文件, date/日期, source/来源,
    author/作者, tags/标签, title/标题), then a row per file. Returns file
    name -> {attribute: text}; empty cells are left out (they do not
    clear a file's own value). Raises MetadataFileError."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        return {}
    header = [unicodedata.normalize("NFKC", h).strip().lower() for h in rows[0]]
    names = [("file" if h in ("file", "文件", "文件名") else field_name(h)) for h in header]
    if "file" not in names:
        raise MetadataFileError("its first row must name the columns, one of them file")
    unknown = [h for h, n in zip(rows[0], names) if n is None]
    if unknown:
        raise MetadataFileError(f"unknown column(s) {', '.join(map(repr, unknown))} "
                                f"(known: file, {', '.join(FIELDS)})")
    table: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        values = dict(zip(names, (cell.strip() for cell in row)))
        name = values.pop("file", "")
        if name:
            table.setdefault(name, {}).update({k: v for k, v in values.items() if v})
    return table
