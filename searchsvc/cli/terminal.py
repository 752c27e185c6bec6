"""What the command line prints: results as terminal text, the years as a
sparkline, a rebuild's progress as log lines, sizes and durations."""

from __future__ import annotations

import time

import click


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


class ProgressLines:
    """A rebuild's progress as log lines: documents done, rate and time
    left, at most one line every ``every`` seconds, and the last one."""

    def __init__(self, echo, every: float = 5.0, clock=time.monotonic):
        self.echo, self.every, self.clock = echo, every, clock
        self.started = self.said = None

    def __call__(self, done: int, total: int, label: str) -> None:
        now = self.clock()
        if self.started is None:
            self.started = self.said = now
            self.echo(f"indexing {total:,} documents")
        if now - self.said < self.every and done < total:
            return
        self.said = now
        rate = done / max(now - self.started, 1e-9)
        left = (total - done) / rate if rate else 0
        self.echo(f"indexing: {done:,}/{total:,} documents, {rate:,.0f}/s, "
                  f"{_duration(left)} left" if done < total else
                  f"indexing: {done:,}/{total:,} documents in {_duration(now - self.started)}")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def terminal_lines(result, color: bool) -> list[str]:
    """An engine result as terminal text: marks in bold reverse video on a
    terminal, in [brackets] otherwise."""
    from ..engine.highlight import snippet

    if color:
        def mark(text):
            return click.style(text, bold=True, reverse=True)
    else:
        def mark(text):
            return f"[{text}]"
    note = "  (partial matches: no paragraph has every word)" \
        if result.partial and result.keywords > 1 else ""
    grouped = f" in {result.groups} documents" if result.groups is not None else ""
    lines = [f"{result.total} paragraphs{grouped}, page {result.page}/{max(result.pages, 1)}, "
             f"{result.took_ms:.1f} ms{note}"]
    if result.relaxed:
        quoted = "」「".join(result.relaxed_phrases)
        lines.append(f"没有找到完全匹配「{quoted}」的结果，以下为去掉引号的结果")
    if result.pieces:
        lines.append(f"没有段落包含「{'」「'.join(result.absent)}」；"
                     f"以下结果包含其中的部分字词：{'、'.join(result.pieces)}")
    if result.interpreted_as:
        lines.append(f"按拼音搜索：{result.interpreted_as}")
    if result.corrected_to:
        lines.append(f"以下是「{result.corrected_to}」的结果。仍然搜索「{result.query}」：--as-typed")
    elif result.did_you_mean:
        lines.append(f"您是不是要找：{result.did_you_mean}")
    low, high = (result.filters.get(k, [""])[0][:4] for k in ("from", "to"))
    years = year_line([f for f in result.facets.get("year", [])
                       if (not low or f.value >= low) and (not high or f.value <= high)])
    if years:
        lines.append(years)
    for i, hit in enumerate(result.hits, (result.page - 1) * result.per_page + 1):
        where = f"{hit.section} · " if hit.section else ""
        dated = " · ".join(v for v in (hit.date, hit.source) if v)
        lines += ["", click.style(f"{i}. {hit.title}", bold=True) +
                  (f"  ({dated})" if dated else "") +
                  f"  [{where}第{hit.paragraph}段{'，接上段' if hit.continues else ''}]"
                  f"  {hit.doc_id}#p{hit.paragraph}"
                  f"  score {hit.score:.2f}",
                  snippet(hit.text, hit.fragments, hit.matches, mark, str)]
        if hit.near:
            lines.append(f"相近匹配：“{'”“'.join(hit.near)}”")
        if hit.missing:
            lines.append(f"缺少：{'、'.join(hit.missing)}")
        if hit.more:
            lines.append(f"本报告另有 {hit.more} 处 (--doc {hit.doc_id})")
    return lines


SPARKS = "▁▂▃▄▅▆▇█"
MAX_SPARK = 60  # columns; a longer span puts several years in one


def year_line(years) -> str:
    """The year facet as one line: first year, a sparkline of paragraphs per
    year (a blank for a year without any), last year, the busiest year."""
    counts = {int(f.value): f.count for f in years if f.value.isdigit()}
    if len(counts) < 2:
        return ""
    first, last = min(counts), max(counts)
    step = -(-(last - first + 1) // MAX_SPARK)
    columns = [sum(counts.get(y, 0) for y in range(start, start + step))
               for start in range(first, last + 1, step)]
    peak = max(columns)
    spark = "".join(" " if not n else SPARKS[min(len(SPARKS) - 1, int(len(SPARKS) * (n / peak) ** .5))]
                    for n in columns)
    busiest = max(counts, key=lambda y: (counts[y], y))
    per = f"，每格 {step} 年" if step > 1 else ""
    return (f"年份 {first} {spark} {last}（{len(counts)} 个年份有结果{per}；"
            f"最多 {busiest} 年，{counts[busiest]} 段）")
