"""``searchsvc inspect FILE``: how one file is read, so a user can see
why their document reads the way it does before (or without) indexing
it: its metadata, sections, each paragraph with its page and the layout
rule that started it, and each block left out with the rule that did it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..ingest.model import Document


def describe(doc: Document) -> dict:
    """The document as ``inspect`` shows it, as data (``--json``)."""
    reasons = doc.reasons or [""] * len(doc.paragraphs)
    return {
        "file": doc.path, "title": doc.title, "date": doc.date, "source": doc.source,
        "author": doc.author, "tags": doc.tags, "problems": doc.problems,
        "sections": [s["label"] for s in doc.sections],
        "paragraphs": [{"n": p.number, "page": p.page, "section": p.section,
                        "heading": p.heading, "why": why, "chars": len(p.text), "text": p.text}
                       for p, why in zip(doc.paragraphs, reasons)],
        "dropped": [{"rule": d.rule, "page": d.page, "text": d.text} for d in doc.dropped],
    }


def lines(found: dict, width: int) -> list[str]:
    """``describe``'s data as the terminal shows it; paragraphs cut at
    ``width`` characters (0: whole)."""
    def cut(text: str) -> str:
        return text if not width or len(text) <= width else text[:width] + f"…（共 {len(text)} 字）"

    out = [f"file: {found['file']}", f"title: {found['title']}"]
    out += [f"{key}: {found[key]}" for key in ("date", "source", "author") if found[key]]
    if found["tags"]:
        out.append("tags: " + ", ".join(found["tags"]))
    out += [f"note: {problem}" for problem in found["problems"]]
    out.append(f"sections ({len(found['sections'])}):")
    out += [f"  {label}" for label in found["sections"]]
    out.append(f"paragraphs ({len(found['paragraphs'])}):")
    for p in found["paragraphs"]:
        path = " · ".join(dict.fromkeys(x for x in (p["section"], p["heading"]) if x))
        where = " ".join(part for part in (f"p.{p['page']}" if p["page"] else "",
                                           f"[{path}]" if path else "") if part)
        why = f"  ({p['why']})" if p["why"] else ""
        out.append(f"  ¶{p['n']} {where}{why}".rstrip())
        out.append(f"      {cut(p['text'])}")
    out.append(f"left out ({len(found['dropped'])}):")
    for d in found["dropped"]:
        page = f"p.{d['page']} " if d["page"] else ""
        out.append(f"  {page}{d['rule']}: {cut(d['text'])}")
    return out


@click.command("inspect")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--width", default=0, type=click.IntRange(0, None), show_default=True,
              help="Cut each paragraph at this many characters (0: whole).")
@click.option("--json", "as_json", is_flag=True, help="Print the same as JSON.")
def inspect_command(path: Path, width: int, as_json: bool):
    """How FILE is read: title, date, source, sections, each paragraph
    with its page and the rule that started it, and what was left out
    and by which rule. Nothing is indexed."""
    from ..ingest.corpus import read_document

    if not path.is_file():
        raise click.BadParameter(f"no such file: {path}", param_hint="PATH")
    try:
        doc = read_document(path)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path} cannot be read: "
                                   f"{getattr(exc, 'strerror', None) or exc}") from None
    found = describe(doc)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    for line in lines(found, width):
        click.echo(line)
