"""Markdown files: YAML front matter gives the metadata, headings become
sections, blocks become paragraphs (markdown-it-py parses; markup is left
out of the text)."""

from __future__ import annotations

import re

from . import metadata, tables
from .model import Parsed, join_lines

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                           re.DOTALL | re.MULTILINE)


def read_markdown(text: str) -> Parsed:
    """Front matter (``---`` YAML ``---``) gives title, date, source,
    author and tags; headings become sections (the first top-level one,
    the title); list items, block quotes, table rows (``tables``) and
    code blocks become paragraphs; markup is left out of the text."""
    from markdown_it import MarkdownIt

    parsed = Parsed()
    found = _FRONT_MATTER.match(text)
    if found:
        text = text[found.end():]
        _front_matter(found.group(1), parsed)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    section = ""
    row: list[str] | None = None
    table: list[list[str]] | None = None  # the rows of the table being read
    heads, in_head = 0, False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            words = _inline_text(tokens[i + 1]) if i + 1 < len(tokens) else ""
            if tok.tag == "h1" and not parsed.title and not parsed.paragraphs:
                parsed.title = words
            elif words:
                section = words
                parsed.sections.append(section)
            i += 3
            continue
        if tok.type == "table_open":
            table, heads = [], 0
        elif tok.type == "table_close" and table is not None:
            parsed.paragraphs += [(section, text) for text in tables.row_texts(table, heads)]
            table = None
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            if table is None:
                table, heads = [], 0
            table.append(row)
            heads += in_head
            row = None
        elif tok.type in ("thead_open", "thead_close"):
            in_head = tok.type == "thead_open"
        elif tok.type == "inline" and row is not None:
            row.append(_inline_text(tok))
        elif tok.type == "inline":
            for line in _inline_text(tok).split("\n"):  # hard breaks split paragraphs
                if line.strip():
                    parsed.paragraphs.append((section, line.strip()))
        elif tok.type in ("fence", "code_block"):
            for line in tok.content.split("\n\n"):
                if line.strip():
                    parsed.paragraphs.append((section, " ".join(line.split())))
        i += 1
    return parsed


def _inline_text(tok) -> str:
    """An inline token's text without markup; soft breaks joined as one
    paragraph's lines are (``join_lines``), hard breaks kept as newlines."""
    out = ""
    for child in tok.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            piece = child.content if child.type != "html_inline" else ""
            out += piece
        elif child.type == "softbreak":
            out = out.rstrip()
            out += "\0"  # joined below, once the next line is known
        elif child.type == "hardbreak":
            out += "\n"
        elif child.type == "image":
            out += child.content
    parts = out.split("\0")
    joined = parts[0]
    for part in parts[1:]:
        joined = join_lines(joined, part.lstrip())
    return joined.strip()


def _front_matter(block: str, parsed: Parsed) -> None:
    """The fields of a YAML front matter block whose keys are known (English
    or Chinese: date/日期, source/来源, author/作者, tags/标签, title/标题);
    one that is not a YAML mapping is named in ``parsed.problems``."""
    import yaml

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        parsed.problems.append(f"front matter not read (not YAML{where})")
        return
    if data is None:
        return
    if not isinstance(data, dict):
        parsed.problems.append("front matter not read (not a list of key: value)")
        return
    for key, value in data.items():
        name = metadata.field_name(str(key))
        if name is None or value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        parsed.fields[name] = str(value)
