"""Saved web pages: the article as trafilatura extracts it, once
htmlclean has unrolled layout tables and cut widgets, read as Markdown,
with the article's title (not the site's), author and date."""

from __future__ import annotations

import re

from . import htmlclean, webtext
from .markdown import read_markdown
from .metadata import plausible_title, split_tags
from .model import Dropped, Parsed, Unreadable


def read_html(data: bytes) -> Parsed:
    """The page's article as trafilatura extracts it (as Markdown, read
    like a Markdown file) once layout tables are unrolled and widgets cut,
    with the title, author and date of its <title> and <meta> tags. The
    charset comes from the page or is detected."""
    import trafilatura
    from htmldate import find_date

    text = _decode_html(data)
    dropped: list[Dropped] = []
    tree = htmlclean.clean(text, dropped)
    if tree is None:
        raise Unreadable("the page cannot be parsed as HTML")
    body = "".join(tree.body.text_content().split()) if tree.find("body") is not None else ""
    headline = next((" ".join(h.text_content().split()) for h in tree.iter("h1", "h2")
                     if h.text_content().strip()), "")
    meta_tags = {name: _meta_content(tree, names) for name, names in _META.items()}
    extracted = trafilatura.extract(tree, output_format="markdown", include_formatting=True,
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
    # a template's or a CMS's placeholder gives way to the page's headline
    title = parsed.title if plausible_title(parsed.title) else headline
    parsed.title = _page_title(title, body) if plausible_title(title) else ""
    sites = webtext.site_names([parsed.source, meta_tags["source"],
                                *_TITLE_PARTS.split(tree.findtext(".//title") or "")[1:]])
    _as_text(parsed, sites, dropped)
    # trafilatura drops author names it does not take for Latin names (张一鎏)
    parsed.author = parsed.author or meta_tags["author"]
    parsed.tags = [tag for tag in split_tags(meta_tags["tags"]) if not re.search(r"[<>=]", tag)]
    parsed.source = re.sub(r"^(?:文章|信息)?来源\s*[：:]\s*", "",
                           meta_tags["source"] or parsed.source)  # 来源：人民网 → 人民网
    try:
        parsed.date = find_date(text, extensive_search=False, original_date=True) or ""
    except Exception:  # noqa: BLE001 - a date is optional; the text is what counts
        parsed.date = ""
    return parsed


def _as_text(parsed: Parsed, sites: set[str], dropped: list[Dropped]) -> None:
    """The paragraphs as text (webtext's rules), without the site's name
    on a line of its own; what is left out goes to ``parsed.dropped``."""
    kept = []
    for section, text in parsed.paragraphs:
        text = webtext.clean_paragraph(text, dropped)
        if text and webtext.site_name(text, sites):
            dropped.append(Dropped("the site's name on a line of its own", text))
        elif text:
            kept.append((section, text))
    parsed.paragraphs = kept
    parsed.sections = [webtext.clean_paragraph(s, []) or s for s in parsed.sections]
    parsed.dropped = dropped


_META = {"author": ("author", "article:author"), "tags": ("keywords", "article:tag"),
         "source": ("source", "og:site_name")}


# what separates an article's title from the site's and channel's names in
# <title> (标题-搜狐新闻, 标题_新闻中心_某某网, 标题 | 网站); a hyphen between
# two Latin letters or digits is part of a word (COVID-19)
_TITLE_PARTS = re.compile(r"\s*(?:[_|｜–—]+|\s-\s|(?<![A-Za-z0-9])-|-(?![A-Za-z0-9]))\s*")


def _page_title(title: str, body: str) -> str:
    """The article's title without the site's name: the first part of
    ``title`` when the page's text holds it (as its headline), else the
    whole."""
    title = " ".join(title.split())
    parts = [part for part in _TITLE_PARTS.split(title) if part]
    if len(parts) > 1 and len(parts[0]) >= 4 and "".join(parts[0].split()) in body:
        return parts[0]
    return title


def _meta_content(tree, names: tuple[str, ...]) -> str:
    """The content of the page's first <meta> with one of ``names``."""
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
