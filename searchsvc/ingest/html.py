"""Saved web pages: the article as trafilatura extracts it (navigation,
share buttons and footers left out), read as Markdown, with the page's
title, author and date."""

from __future__ import annotations

import re

from .markdown import read_markdown
from .metadata import split_tags
from .model import Parsed, Unreadable


def read_html(data: bytes) -> Parsed:
    """The page's article as trafilatura extracts it (as Markdown, read
    like a Markdown file), with the title, author and date of its <title>
    and <meta> tags. The charset comes from the page or is detected."""
    import trafilatura
    from htmldate import find_date

    text = _decode_html(data)
    extracted = trafilatura.extract(text, output_format="markdown", include_formatting=True,
                                    include_comments=False, include_tables=True,
                                    favor_recall=True, with_metadata=False)
    if not extracted or not extracted.strip():
        raise Unreadable("no article text found in the page")
    parsed = read_markdown(extracted)
    meta = trafilatura.extract_metadata(text)
    if meta is not None:
        parsed.title = parsed.title or (meta.title or "")
        parsed.author = meta.author or ""
        parsed.source = meta.sitename or ""
    # trafilatura drops author names it does not take for Latin names (张一鎏)
    parsed.author = parsed.author or _meta_content(text, ("author", "article:author"))
    parsed.tags = split_tags(_meta_content(text, ("keywords", "article:tag")))
    parsed.source = _meta_content(text, ("source", "og:site_name")) or parsed.source
    try:
        parsed.date = find_date(text, extensive_search=False, original_date=True) or ""
    except Exception:  # noqa: BLE001 - a date is optional; the text is what counts
        parsed.date = ""
    return parsed


def _meta_content(text: str, names: tuple[str, ...]) -> str:
    """The content of the page's first <meta> with one of ``names``."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(text)
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    for meta in tree.iter("meta"):
        if (meta.get("name") or meta.get("property") or "").lower() in names:
            return " ".join((meta.get("content") or "").split())
    return ""


def _decode_html(data: bytes) -> str:
    """The page as text: the charset its bytes declare (BOM, <meta>), or
    the one charset-normalizer finds; GB2312 and GBK are read as GB18030,
    which contains both."""
    from charset_normalizer import from_bytes

    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", data[:4096], re.I)
    names = [declared.group(1).decode("ascii").lower()] if declared else []
    names = ["gb18030" if n in ("gb2312", "gbk", "x-gbk") else n for n in names]
    for name in names + ["utf-8"]:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(data).best()
    if best is None:
        raise Unreadable("the page's character set cannot be told")
    return str(best)
