"""A worker gives its C heap's free pages back between bursts of
requests, never during one (ops.idle, ops.gunicorn_conf)."""

import time
from urllib.parse import quote

import pytest

from searchsvc.ops.idle import IdleTrim
from tests.conftest import fetch


def test_the_heap_is_given_back_once_after_a_quiet_interval_and_never_mid_burst():
    idle = IdleTrim()
    assert not idle.due()  # nothing served yet: nothing to give back
    idle.started()
    assert not idle.due()  # a request in flight
    idle.ended()
    assert not idle.due()  # one ended within the interval: not yet quiet
    assert idle.due()  # a whole quiet interval
    assert not idle.due() and not idle.due()  # once per burst
    for _ in range(3):  # a steady stream: a request in every interval
        idle.started()
        idle.ended()
        assert not idle.due()
    idle.started()
    assert not idle.due() and not idle.due()  # a long request: never while it runs
    idle.ended()
    assert not idle.due()
    assert idle.due()


@pytest.mark.server
def test_a_served_worker_gives_its_heap_back_when_quiet(start_server, tmp_path):
    """Under gunicorn (gevent workers): searches, then quiet, then the
    worker that served them trims once; more searches, another trim; a
    quiet server trims no more."""
    files = {f"d{k}.txt": f"报告{k}\n罗湖区营商环境第{k}次改善。" for k in range(20)}
    base, _, _ = start_server(tmp_path / "s", files, workers=1,
                              env={"SEARCHSVC_IDLE_TRIM_SECONDS": "0.2",
                                   "GUNICORN_LOGLEVEL": "debug"})
    log = tmp_path / "s" / "gunicorn.log"

    def trims() -> int:
        return log.read_text(errors="replace").count("the heap's free memory given back")

    time.sleep(1)  # the readiness checks' own trim, done before counting
    before = trims()
    for round_ in (1, 2):
        for q in ("营商环境", "罗湖区", "改善"):
            assert fetch(base, f"/api/search?q={quote(q)}")[0] == 200
        deadline = time.monotonic() + 10
        while trims() < before + round_ and time.monotonic() < deadline:
            time.sleep(0.1)
        assert trims() == before + round_
    time.sleep(1)
    assert trims() == before + 2
