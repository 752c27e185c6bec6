"""The ``searchsvc`` command: thin wrappers over build, engine and ops,
and the terminal's rendering of a result.

Each command imports what it runs, so ``searchsvc search`` starts without
the writer, Flask or the ops code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import config
from ..engine import params
from .terminal import ProgressLines, human_size, terminal_lines, year_line  # noqa: F401


def _settings(corpus_dir=None, index_dir=None) -> dict:
    return config.resolve({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir})


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
    from ..indexer import rebuild as builder
    from ..ingest.corpus import CorpusError
    from ..storage.layout import built_from, current_path, index_exists

    cfg = _settings(corpus_dir, index_dir)
    folder = str(Path(cfg["CORPUS_DIR"]).resolve())
    if if_missing and index_exists(cfg["INDEX_DIR"]):
        held = built_from(cfg["INDEX_DIR"])
        if held in ("", folder):
            click.echo(f"index of {held or cfg['CORPUS_DIR']} already built in "
                       f"{cfg['INDEX_DIR']}; run `searchsvc rebuild` to build it again")
            return
        click.echo(f"the index in {cfg['INDEX_DIR']} holds {held}, not {folder}: "
                   f"building it for {folder}", err=True)
    elif if_missing and current_path(cfg["INDEX_DIR"]) is not None:
        click.echo(f"the index in {cfg['INDEX_DIR']} was built by another version of "
                   "searchsvc (or cannot be read): building it anew", err=True)
    if not Path(cfg["CORPUS_DIR"]).is_dir():
        raise click.BadParameter(f"corpus folder not found: {cfg['CORPUS_DIR']}",
                                 param_hint="--corpus / SEARCHSVC_CORPUS")
    bar = None
    if sys.stdout.isatty():
        def progress(done, total, label):
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=total, label="indexing", show_pos=True)
                bar.__enter__()
            bar.update(1)
    else:  # a log (Docker, systemd): a line every few seconds
        progress = ProgressLines(lambda line: click.echo(line, err=True))
    try:
        report = builder.build_index(cfg["CORPUS_DIR"], cfg["INDEX_DIR"], progress, full=full)
    except (CorpusError, builder.RebuildInProgress) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the index: {exc}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _summary(report)


def _summary(report) -> None:
    """What a rebuild did: skipped files, metadata notes, one line of figures."""
    from ..ingest.readers import EXTENSIONS

    kinds: dict[str, int] = {}
    for skipped in report.skipped:
        if skipped.unsupported:
            kinds[skipped.unsupported] = kinds.get(skipped.unsupported, 0) + 1
        else:
            click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
    if kinds:
        counts = ", ".join(f"{ext} {n}" for ext, n in sorted(kinds.items()))
        click.echo(f"skipped {sum(kinds.values())} file(s) of unsupported type: {counts} "
                   f"(read: {', '.join(EXTENSIONS)})", err=True)
    for note in report.notes:
        click.echo(f"metadata: {note}", err=True)
    if report.mode == "unchanged":
        done = "nothing changed since the last rebuild"
    elif report.mode == "incremental":
        done = (f"incremental rebuild: indexed {report.indexed} new or changed document(s), "
                f"dropped {report.removed} old version(s)")
    else:
        done = f"full rebuild: indexed {report.indexed} documents"
    click.echo(
        f"{done} in {report.seconds:.1f} s; the index has {report.documents} documents, "
        f"{report.paragraphs} paragraphs, index size {human_size(report.size_bytes)}"
        + (f"; {len(report.skipped)} file(s) skipped" if report.skipped else ""))
    click.echo(f"index: {report.path}")


@main.command()
@click.option("--corpus", "corpus_dir", metavar="DIR",
              help="Corpus folder [env SEARCHSVC_CORPUS, default ./corpus].")
@click.option("--index", "index_dir", metavar="DIR",
              help="Index folder [env SEARCHSVC_INDEX, default ./index].")
@click.option("--quiet", default=1.0, show_default=True, type=click.FloatRange(0.05, 60),
              help="Seconds without a change that end a burst of changes.")
def watch(corpus_dir, index_dir, quiet):
    """Rebuild whenever the corpus folder changes: one incremental rebuild
    per burst of changes, served as soon as it is done. Ctrl-C stops now,
    SIGTERM once the running rebuild is done."""
    import signal
    import threading

    from ..indexer import rebuild as builder
    from ..indexer import watch as watcher
    from ..ingest.corpus import CorpusError

    cfg = _settings(corpus_dir, index_dir)
    if not Path(cfg["CORPUS_DIR"]).is_dir():
        raise click.BadParameter(f"corpus folder not found: {cfg['CORPUS_DIR']}",
                                 param_hint="--corpus / SEARCHSVC_CORPUS")
    bursts = watcher.Bursts(quiet)

    def once(paths: list[str]) -> None:
        if paths:
            click.echo(f"{len(paths)} change(s): rebuilding")
        try:
            _summary(builder.build_index(cfg["CORPUS_DIR"], cfg["INDEX_DIR"]))
        except builder.RebuildInProgress as exc:  # another rebuild: try again after it
            click.echo(f"{exc}; trying again", err=True)
            for path in paths or [cfg["CORPUS_DIR"]]:
                bursts.changed(path)
        except (CorpusError, OSError) as exc:
            click.echo(f"rebuild failed: {exc}; the index served is unchanged", err=True)
        except Exception as exc:  # a reader's bug: said, and the watch goes on
            click.echo(f"rebuild failed ({type(exc).__name__}: {exc}); the index served is "
                       "unchanged", err=True)

    stop = threading.Event()  # SIGTERM (systemd, docker stop): once the running rebuild ends
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    once([])  # what changed while nobody watched
    try:
        watcher.watch(Path(cfg["CORPUS_DIR"]), Path(cfg["INDEX_DIR"]), once, bursts, stop,
                      ready=lambda: click.echo(f"watching {Path(cfg['CORPUS_DIR']).resolve()}"))
    except KeyboardInterrupt:  # Ctrl-C: now
        pass


@main.command()
@click.argument("destinations", nargs=-1, required=True, metavar="DEST...")
@click.option("--index", "index_dir", metavar="DIR", help="Index folder [env SEARCHSVC_INDEX].")
@click.option("--keep", default=2, type=click.IntRange(1, None), show_default=True,
              help="Builds kept at each destination, the current one included.")
def publish(destinations, index_dir, keep):
    """Copy the current build to other index folders and switch each to it.

    DEST is a local folder or host:path (rsync over ssh). A replica serving
    DEST picks the new build up on its next request. A copy that fails is
    never switched in; the command exits non-zero if any destination failed.
    """
    from ..ops.publish import PublishError
    from ..ops.publish import publish as publish_build
    from ..storage.layout import IndexUnavailable

    cfg = _settings(index_dir=index_dir)
    try:
        results = publish_build(cfg["INDEX_DIR"], list(destinations), keep)
    except (IndexUnavailable, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    failed = 0
    for destination, result in zip(destinations, results):
        if isinstance(result, PublishError):
            failed += 1
            click.echo(f"{destination}: not published: {result}", err=True)
        else:
            click.echo(f"{destination}: now serving {result.version} ({result.seconds:.1f} s)")
    if failed:
        raise click.ClickException(f"{failed} of {len(destinations)} destination(s) failed; "
                                   "they keep serving their previous build")


@main.command()
@click.option("--replicas", default=3, type=click.IntRange(1, 16), show_default=True)
@click.option("--port", default=8080, type=click.IntRange(1, 65535), show_default=True,
              help="nginx's port on 127.0.0.1.")
@click.option("--replica-port", default=8101, type=click.IntRange(1, 65535), show_default=True,
              help="The first replica's port; the others follow it.")
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True,
              help="gunicorn workers per replica.")
@click.option("--folder", default="run/cluster", show_default=True, metavar="DIR",
              help="Where the replicas' index folders, nginx's config and the logs go.")
@click.option("--no-cache", is_flag=True, help="Turn nginx's answer cache off.")
@click.option("--rate", default=20, type=click.IntRange(0, None), show_default=True,
              help="Requests per second per client address (0: no limit).")
@click.option("--index", "index_dir", metavar="DIR", help="Index folder [env SEARCHSVC_INDEX].")
@click.option("--corpus", "corpus_dir", metavar="DIR", help="Corpus folder [env SEARCHSVC_CORPUS].")
def cluster(replicas, port, replica_port, workers, folder, no_cache, rate, index_dir, corpus_dir):
    """Replicas of the service behind nginx on 127.0.0.1, from one build.

    Publishes the current build to each replica's index folder, starts the
    replicas (gunicorn) and nginx (the package's template), and keeps them
    running until Ctrl-C, starting again a replica that exits. A new build
    reaches them with
    `searchsvc publish DIR/replica-*/index`.
    """
    from ..ops.cluster import Cluster, ClusterError

    cfg = _settings(corpus_dir, index_dir)
    group = Cluster(folder, cfg["INDEX_DIR"], cfg["CORPUS_DIR"],
                    [replica_port + i for i in range(replicas)], port, workers=workers,
                    cache=not no_cache, rate=rate)
    try:
        group.start()
        click.echo(f"serving http://127.0.0.1:{port}/ through nginx from {replicas} replica(s) "
                   f"({', '.join(r.base for r in group.replicas)}); logs and index folders "
                   f"in {group.folder}; Ctrl-C stops")
        group.serve_forever(click.echo)
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("nginx-config")
@click.option("--upstream", "upstreams", multiple=True, required=True, metavar="HOST:PORT",
              help="A replica; give one per replica.")
@click.option("--listen", default="127.0.0.1:8080", show_default=True,
              help="nginx's listen address.")
@click.option("--state", default="/var/cache/nginx", show_default=True, metavar="DIR",
              help="nginx's folder for temporary files and the cache (must exist).")
@click.option("--pid", default="/run/nginx.pid", show_default=True)
@click.option("--error-log", default="/var/log/nginx/error.log", show_default=True)
@click.option("--access-log", default="/var/log/nginx/access.log", show_default=True)
@click.option("--user", default="www-data", show_default=True,
              help="The user nginx's workers run as.")
@click.option("--no-cache", is_flag=True, help="Turn nginx's answer cache off.")
@click.option("--rate", default=20, type=click.IntRange(0, None), show_default=True,
              help="Requests per second per client address (0: no limit).")
@click.option("--burst", default=40, type=click.IntRange(0, None), show_default=True,
              help="Requests over the rate let through at once.")
@click.option("--log-client-ip", is_flag=True, help="Put the client's address in the access log.")
@click.option("--template", type=click.Path(dir_okay=False),
              help="A Jinja2 template of your own [default: the package's].")
def nginx_config(upstreams, listen, state, pid, error_log, access_log, user, no_cache, rate,
                 burst, log_client_ip, template):
    """Print an nginx.conf for replicas of the service."""
    from ..ops.nginx import TEMPLATE, NginxError, NginxSite, render

    site = NginxSite(listen=listen, upstreams=list(upstreams), state=state, pid=pid,
                     error_log=error_log, access_log=access_log, user=user or None,
                     cache=not no_cache, rate=rate, burst=burst, log_client_ip=log_client_ip)
    try:
        click.echo(render(site, Path(template) if template else TEMPLATE), nl=False)
    except (NginxError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


def _filter_options(command):
    """One repeatable --NAME option per filter (``engine.filters.FILTERS``),
    with the help the API gives it."""
    from ..engine.filters import FILTERS

    for f in reversed(FILTERS):
        command = click.option(f"--{f.name}", f.name, multiple=True, metavar="VALUE",
                               help=f.help)(command)
    return command


@main.command("search")
@click.argument("query", default="")
@click.option("--page", default="1", metavar="N", show_default=True,
              help="Results page [up to MAX_PAGE].")
@click.option("--per-page", default="10", metavar="N", show_default=True,
              help="Results per page [up to MAX_PER_PAGE].")
@_filter_options
@click.option("--from", "date_from", default="", metavar="DATE",
              help="Only documents dated on or after DATE (2019, 2019-03, 2019-03-05).")
@click.option("--to", "date_to", default="", metavar="DATE",
              help="Only documents dated on or before DATE (a year or month: all of it).")
@click.option("--sort", default="relevance", show_default=True,
              help="relevance, or date (newest first).")
@click.option("--group", default="", help="doc: one hit per document, with how many more.")
@click.option("--as-typed", is_flag=True,
              help="Search the query as typed, never its correction.")
@click.option("--index", "index_dir", metavar="DIR", help="Index folder [env SEARCHSVC_INDEX].")
def search_command(query, page, per_page, date_from, date_to, sort, group, as_typed, index_dir,
                   **filters):
    """Ranked paragraphs for QUERY, matches highlighted; without QUERY, a
    filter lists the paragraphs it keeps in reading order."""
    from ..engine.request import SearchRequest

    cfg = _settings(index_dir=index_dir)
    given = {"q": [query], "page": [page], "per_page": [per_page], "from": [date_from],
             "to": [date_to], "sort": [sort], "group": [group],
             "as_typed": ["1" if as_typed else ""], **{k: list(v) for k, v in filters.items()}}
    try:
        asked = SearchRequest.read(lambda name: given.get(name, []), cfg)
    except params.BadParameter as exc:
        raise click.UsageError(exc.message) from None
    from ..engine.search import search
    from ..engine.snapshot import open_current
    from ..storage.files import DamagedFile
    from ..storage.layout import IndexUnavailable

    try:
        snap = open_current(cfg["INDEX_DIR"])
    except IndexUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        result = search(snap, asked)
    except DamagedFile as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        snap.close()
    color = sys.stdout.isatty()
    for line in terminal_lines(result, color):
        click.echo(line, color=color)


from .inspect import inspect_command  # noqa: E402  (a command of its own module)

main.add_command(inspect_command)
