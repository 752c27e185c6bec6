"""The searchsvc command: rebuild and search, and their errors."""

import os

from click.testing import CliRunner

from searchsvc import cli
from searchsvc.engine import search as S
from searchsvc.engine import snapshot as snapshots
from searchsvc.storage import layout as index
from tests.conftest import write_corpus


def test_rebuild_prints_a_summary_and_search_finds(tmp_path, seed_text):
    corpus_dir = write_corpus(tmp_path / "c", {"luohu-2019.txt": seed_text,
                                               "broken.txt": b"\x00\x00"})
    runner = CliRunner()
    result = runner.invoke(cli.main, ["rebuild", "--corpus", str(corpus_dir),
                                      "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "full rebuild: indexed 1 documents" in result.output
    assert "1 documents, 34 paragraphs" in result.output
    assert "index size" in result.output and "1 file(s) skipped" in result.output
    assert "broken.txt" in result.output
    found = runner.invoke(cli.main, ["search", "木头龙", "--index", str(tmp_path / "i")])
    assert found.exit_code == 0
    assert "1 paragraphs" in found.output and "[木头龙]" in found.output
    both = runner.invoke(cli.main, ["search", "罗湖 营商环境", "--index", str(tmp_path / "i")])
    assert both.exit_code == 0 and "缺少：罗湖" in both.output  # p26 lacks it
    assert "partial matches" not in both.output
    assert "luohu-2019#p15" in found.output


def test_rebuild_indexes_only_what_changed_unless_full(tmp_path):
    files = {f"x{i:02d}.txt": f"其他\n别的内容{i}。" for i in range(30)}
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": "甲\n第一篇。", "b.txt": "乙\n第二篇。",
                                               **files})
    runner = CliRunner()
    args = ["rebuild", "--corpus", str(corpus_dir), "--index", str(tmp_path / "i")]
    assert "full rebuild: indexed 32 documents" in runner.invoke(cli.main, args).output
    assert "nothing changed since the last rebuild" in runner.invoke(cli.main, args).output
    (corpus_dir / "b.txt").write_text("乙\n第二篇,改过了。", encoding="utf-8")
    (corpus_dir / "c.txt").write_text("丙\n第三篇。", encoding="utf-8")
    (corpus_dir / "a.txt").unlink()
    out = runner.invoke(cli.main, args).output
    assert "incremental rebuild: indexed 2 new or changed document(s), dropped 2 old" in out
    assert "the index has 32 documents, 32 paragraphs" in out
    assert "full rebuild: indexed 32 documents" in runner.invoke(cli.main, args + ["--full"]).output
    found = runner.invoke(cli.main, ["search", "篇", "--index", str(tmp_path / "i")]).output
    assert "2 paragraphs" in found and "改过了" in found and "第一篇" not in found


def test_environment_variables_and_if_missing(tmp_path, monkeypatch):
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": "标题\n环境变量的内容。"})
    monkeypatch.setenv("SEARCHSVC_CORPUS", str(corpus_dir))
    monkeypatch.setenv("SEARCHSVC_INDEX", str(tmp_path / "i"))
    runner = CliRunner()
    assert runner.invoke(cli.main, ["rebuild", "--if-missing"]).exit_code == 0
    assert index.index_exists(tmp_path / "i")
    again = runner.invoke(cli.main, ["rebuild", "--if-missing"])
    assert again.exit_code == 0 and "already built" in again.output
    found = runner.invoke(cli.main, ["search", "环境变量"])
    assert "1 paragraphs" in found.output
    # an index left by an older version is rebuilt, not served as "built"
    meta = index.current_path(tmp_path / "i") / "meta.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        f'"format": {index.FORMAT_VERSION}', '"format": 4'), encoding="utf-8")
    assert not index.index_exists(tmp_path / "i")
    upgraded = runner.invoke(cli.main, ["rebuild", "--if-missing"])
    assert upgraded.exit_code == 0 and "full rebuild: indexed 1 documents" in upgraded.output
    assert index.index_exists(tmp_path / "i")


def test_rebuild_errors_are_readable(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli.main, ["rebuild", "--corpus", str(tmp_path / "nope"),
                                       "--index", str(tmp_path / "i")])
    assert missing.exit_code == 2 and "corpus folder not found" in missing.output  # refused
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(cli.main, ["rebuild", "--corpus", str(tmp_path / "empty"),
                                     "--index", str(tmp_path / "i")])
    assert empty.exit_code == 1 and "no documents" in empty.output
    assert "Traceback" not in missing.output + empty.output


def test_concurrent_rebuild_is_refused(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": "标题\n内容。"})
    (tmp_path / "i").mkdir()
    with index.IndexLock(tmp_path / "i", "rebuild"):
        result = CliRunner().invoke(cli.main, ["rebuild", "--corpus", str(corpus_dir),
                                               "--index", str(tmp_path / "i")])
    assert result.exit_code == 1 and "another rebuild" in result.output
    assert f"(rebuild, process {os.getpid()}, since 20" in result.output  # what holds it


def test_every_refused_argument_is_one_line_and_status_2(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": "标题\n营商环境。"})
    runner = CliRunner()
    assert runner.invoke(cli.main, ["rebuild", "--corpus", str(corpus_dir),
                                    "--index", str(tmp_path / "i")]).exit_code == 0
    for args in (["search", "营商环境", "--from", "2020", "--to", "2015"],
                 ["search", "营商环境", "--from", "2019-13"], ["search", "营商环境", "--page", "0"],
                 ["search", "营商环境", "--sort", "newest"], ["search", "营商环境", "--group", "x"],
                 ["search", "营商环境", "--per-page", "abc"], ["rebuild", "--corpus", "/nonexistent"],
                 ["publish", "--keep", "0", "x"], ["search", "营商环境", "--nope"]):
        result = runner.invoke(cli.main, [*args, "--index", str(tmp_path / "i")])
        assert result.exit_code == 2, (args, result.output)
        errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
        assert len(errors) == 1 and "Traceback" not in result.output, result.output


def test_progress_in_a_log_is_a_line_every_few_seconds():
    lines, now = [], [0.0]
    progress = cli.ProgressLines(lines.append, every=5.0, clock=lambda: now[0])
    for done in range(1, 101):
        now[0] = done * 0.5  # two documents a second
        progress(done, 100, "")
    assert lines[0] == "indexing 100 documents"
    assert lines[1] == "indexing: 11/100 documents, 2/s, 40 s left"
    assert len(lines) == 1 + 10 and lines[-1] == "indexing: 100/100 documents in 50 s"


def test_a_rebuild_logged_to_a_file_says_how_far_it_is(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", {f"r{i}.txt": f"报告{i}\n正文{i}。" for i in range(3)})
    result = CliRunner().invoke(cli.main, ["rebuild", "--corpus", str(corpus_dir),
                                           "--index", str(tmp_path / "i")])
    assert result.exit_code == 0
    assert "indexing 3 documents" in result.output and "indexing: 3/3 documents in" in result.output


def test_search_without_index_or_query(tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli.main, ["search", "罗湖", "--index", str(tmp_path / "none")])
    assert r.exit_code == 1 and "no index has been built" in r.output
    r = runner.invoke(cli.main, ["search", "  ", "--index", str(tmp_path / "none")])
    assert r.exit_code == 2 and "must not be empty" in r.output


def test_search_shows_text_as_written_with_marks_for_a_terminal_or_a_pipe(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", {
        "a.txt": "标题\n页面里写着 <b>木头龙</b> & 其他字符,这不是网页。"})
    runner = CliRunner()
    assert runner.invoke(cli.main, ["rebuild", "--corpus", str(corpus_dir),
                                    "--index", str(tmp_path / "i")]).exit_code == 0
    piped = runner.invoke(cli.main, ["search", "木头龙", "--index", str(tmp_path / "i")])
    assert "页面里写着 <b>[木头龙]</b> & 其他字符" in piped.output  # not HTML: nothing escaped
    assert "\x1b[" not in piped.output
    snap = snapshots.open_current(tmp_path / "i")
    try:
        lines = cli.terminal_lines(S.search(snap, "木头龙"), color=True)
    finally:
        snap.close()
    assert "<b>\x1b[1m\x1b[7m木头龙\x1b[0m</b>" in lines[-1]  # bold reverse video


def test_search_limits_are_the_api_s(tmp_path, monkeypatch):
    runner = CliRunner()
    where = ["--index", str(tmp_path / "none")]
    for args, message in ((["--page", "0"], "page must be from 1 to 1000, not 0"),
                          (["--per-page", "101"], "per_page must be from 1 to 100, not 101"),
                          (["--page", "abc"], "page must be a whole number")):
        r = runner.invoke(cli.main, ["search", "罗湖", *args, *where])
        assert r.exit_code == 2 and message in r.output, (args, r.output)
    r = runner.invoke(cli.main, ["search", "罗" * 1001, *where])
    assert r.exit_code == 2 and "the limit is 1000" in r.output
    monkeypatch.setenv("SEARCHSVC_MAX_QUERY_LENGTH", "5")  # the same setting as the web's
    r = runner.invoke(cli.main, ["search", "罗湖罗湖罗湖", *where])
    assert r.exit_code == 2 and "the limit is 5" in r.output
