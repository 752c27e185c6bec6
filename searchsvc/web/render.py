"""What the web makes of the engine's data: HTML snippets and links, a
hit's citation, a document's table of contents.

The engine gives offsets (what matched, which fragments a snippet shows);
here they become escaped HTML with ``<mark>`` (markupsafe escapes
everything that is not a mark) and links to the paragraph in its
document. A page of hits is rendered once per result and kept in the
app's own bounded cache (``RENDERED_*``), keyed by the build and the
search's parameters: repeated queries are most of a real log.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import getsizeof
from urllib.parse import quote

from flask import current_app, url_for
from markupsafe import Markup, escape

from ..engine.cache import SizedLRU, entry_bytes
from ..engine.highlight import render, snippet
from ..engine.search import SearchResult

RENDERED_BYTES = 8_000_000  # per process: about 2,000 pages of ten snippets and links
RENDERED_ENTRIES = 5_000
EXTENSION = "searchsvc.rendered"


def init_app(app) -> None:
    app.extensions[EXTENSION] = SizedLRU(RENDERED_BYTES, RENDERED_ENTRIES, weigh=_weight,
                                         entry_cost=entry_bytes)


def _plain(text: str) -> str:
    return str(escape(text))


def _mark(text: str) -> str:
    return f"<mark>{escape(text)}</mark>"


def snippet_html(text: str, frags, spans) -> str:
    """Escaped HTML: the fragments with <mark>s, joined by …."""
    return snippet(text, frags, spans, _mark, _plain)


def marked_html(text: str, spans) -> Markup:
    """A whole paragraph, escaped, its spans in <mark>s (the document view)."""
    return Markup(render(text, 0, len(text), spans, _mark, _plain))


# what werkzeug's default converter leaves unquoted in a path segment
PATH_SAFE = "!$&'()*+,/:;=@"
_SENTINEL = "\x00"  # quoted as %00, which no script root or route holds


def links(query: str) -> Callable[[str, int], str]:
    """``link(doc_id, paragraph)``: the paragraph in its document, the
    query's matches marked there. ``url_for`` once per page of hits, not
    once per hit (it was a fifteenth of a fresh answer): the document's id
    is quoted into that URL as werkzeug's converter quotes it."""
    args = {"q": query} if query else {}
    head, tail = url_for("web.document", doc_id=_SENTINEL, **args).split("%00", 1)

    def link(doc_id: str, paragraph: int) -> str:
        return f"{head}{quote(doc_id, safe=PATH_SAFE)}{tail}#p{paragraph}"

    return link


def rendered_hits(result: SearchResult, key: tuple | None = None) -> list[tuple[str, str]]:
    """Per hit, its snippet as HTML and its link; ``key`` names the search
    (the build's version and the parameters), under which the rendering
    is kept (None: not kept, the caller keeps what it makes of it)."""
    def render() -> list[tuple[str, str]]:
        link = links(result.corrected_to or result.query)  # what the hits are the results of
        return [(snippet_html(h.text, h.fragments, h.matches), link(h.doc_id, h.paragraph))
                for h in result.hits]

    return render() if key is None else current_app.extensions[EXTENSION].get(key, render)


def _weight(rendered: list[tuple[str, str]]) -> int:
    return getsizeof(rendered) + sum(120 + getsizeof(s) + getsizeof(u) for s, u in rendered)


def citation(hit) -> str:
    """A hit as a reader cites it: 《title》, source, date, section path,
    paragraph number and a permalink to the paragraph."""
    where = " · ".join(dict.fromkeys(p for p in (hit.section, hit.heading) if p))
    parts = [f"《{hit.title}》", hit.source, hit.date, where, f"第 {hit.paragraph} 段"]
    link = url_for("web.document", doc_id=hit.doc_id, _anchor=f"p{hit.paragraph}",
                   _external=True)
    return "，".join(p for p in parts if p) + "。" + link


def contents(paragraphs: list[dict]) -> list[dict]:
    """A document's table of contents: each section and sub-heading where
    it starts (the paragraph the page's anchor is on), in order."""
    out, section, heading = [], None, None
    for p in paragraphs:
        if p["section"] != section:
            section, heading = p["section"], p["heading"]
            if section:
                out.append({"level": 1, "text": section, "n": p["n"]})
            if heading and heading != section:
                out.append({"level": 2, "text": heading, "n": p["n"]})
        elif p["heading"] != heading:
            heading = p["heading"]
            if heading:
                out.append({"level": 2, "text": heading, "n": p["n"]})
    return out
