"""The ``searchsvc`` command: thin wrappers over indexer and search.

The writer (``indexer``) is imported by the rebuild command alone, so
``searchsvc search`` starts without it.
"""

from __future__ import annotations

import re
import sys

import click

from . import config, corpus, index, search

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _settings(corpus_dir=None, index_dir=None) -> dict:
    return config.resolve({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir})


def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


@click.group()
def main():
    """Full-text search over Chinese reports, one entry per paragraph."""


@main.command()
@click.option("--corpus", "corpus_dir", metavar="DIR",
              help="Corpus folder [env SEARCHSVC_CORPUS, default ./corpus].")
@click.option("--index", "index_dir", metavar="DIR",
              help="Index folder [env SEARCHSVC_INDEX, default ./index].")
@click.option("--if-missing", is_flag=True,
              help="Do nothing when an index of this version is already built "
                   "(used by `make run`).")
@click.option("--full", is_flag=True,
              help="Index every document again instead of only the changed files.")
def rebuild(corpus_dir, index_dir, if_missing, full):
    """Index the corpus and switch to the new index.

    Only files that changed since the last rebuild are indexed again, unless
    --full is given (or the changes have piled up, or the dictionary changed).
    """
    from . import indexer

    cfg = _settings(corpus_dir, index_dir)
    if if_missing and index.index_exists(cfg["INDEX_DIR"]):
        click.echo(f"index already built in {cfg['INDEX_DIR']}; "
                   "run `searchsvc rebuild` to build it again")
        return
    bar = None
    if sys.stdout.isatty():
        def progress(done, total, label):
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=total, label="indexing", show_pos=True)
                bar.__enter__()
            bar.update(1)
    else:
        progress = None
    try:
        report = indexer.build_index(cfg["CORPUS_DIR"], cfg["INDEX_DIR"], progress, full=full)
    except (corpus.CorpusError, indexer.RebuildInProgress) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the index: {exc}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for skipped in report.skipped:
        click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
    if report.mode == "unchanged":
        done = "nothing changed since the last rebuild"
    elif report.mode == "incremental":
        done = (f"incremental rebuild: indexed {report.indexed} new or changed document(s), "
                f"dropped {report.removed} old version(s)")
    else:
        done = f"full rebuild: indexed {report.indexed} documents"
    click.echo(
        f"{done} in {report.seconds:.1f} s; the index has {report.documents} documents, "
        f"{report.paragraphs} paragraphs, index size {_human_size(report.size_bytes)}"
        + (f"; {len(report.skipped)} file(s) skipped" if report.skipped else ""))
    click.echo(f"index: {report.path}")


@main.command("search")
@click.argument("query")
@click.option("--page", default=1, type=click.IntRange(1, 1000), show_default=True)
@click.option("--per-page", default=10, type=click.IntRange(1, 100), show_default=True)
@click.option("--index", "index_dir", metavar="DIR", help="Index folder [env SEARCHSVC_INDEX].")
def search_command(query, page, per_page, index_dir):
    """Ranked paragraphs for QUERY, matches highlighted."""
    cfg = _settings(index_dir=index_dir)
    if not query.strip():
        raise click.UsageError("QUERY must not be empty")
    if len(query) > cfg["MAX_QUERY_LENGTH"]:
        raise click.UsageError(f"QUERY is longer than {cfg['MAX_QUERY_LENGTH']} characters")
    try:
        snap = index.open_current(cfg["INDEX_DIR"])
    except index.IndexUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    result = search.search(snap, query, page, per_page)
    color = sys.stdout.isatty()
    note = "  (partial matches: no paragraph has every word)" \
        if result.partial and result.keywords > 1 else ""
    click.echo(f"{result.total} paragraphs, page {result.page}/{max(result.pages, 1)}, "
               f"{result.took_ms:.1f} ms{note}")
    for i, hit in enumerate(result.hits, (page - 1) * per_page + 1):
        where = f"{hit.section} · " if hit.section else ""
        click.echo("")
        click.echo(click.style(f"{i}. {hit.title}", bold=True) + f"  [{where}第{hit.paragraph}段]"
                   f"  {hit.doc_id}#p{hit.paragraph}  score {hit.score:.2f}", color=color)
        click.echo(_terminal_snippet(hit.snippet, color), color=color)
        if hit.missing:
            click.echo(f"缺少：{'、'.join(hit.missing)}")


def _terminal_snippet(html: str, color: bool) -> str:
    import html as html_lib

    def mark(m):
        text = m.group(1)
        return click.style(text, fg="yellow", bold=True) if color else f"[{text}]"

    return html_lib.unescape(_MARK.sub(mark, html))


if __name__ == "__main__":  # pragma: no cover
    main()
