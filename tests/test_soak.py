"""Soak: a minute of load at the benchmark's throughput target (make soak).

Bounded: loopback only, a fixed 60 s of wrk (which stops by itself), with
worker recycling (max_requests) happening under load. Zero errors, at least
400 requests/s on average, and worker memory that does not grow.
Skipped in make test; `make soak` runs it (SEARCHSVC_SOAK=1).
"""

import json
import os
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import SEED, Server

pytestmark = pytest.mark.skipif(os.environ.get("SEARCHSVC_SOAK") != "1",
                                reason="the 60 s soak runs with make soak")

SCRIPT = """
local paths = {%s}
local i = 0
request = function() i = i + 1; return wrk.format("GET", paths[(i %% #paths) + 1]) end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"errors\\": %%d, \\"non2xx\\": %%d, \\"p99_ms\\": %%f, \\"seconds\\": %%f}\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(99) / 1000, summary.duration / 1e6))
end
"""


def workers_rss_mb(master_pid):
    pids = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True,
                          text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total / max(1, len(pids))


@pytest.mark.server
@pytest.mark.system
def test_a_minute_at_400_requests_per_second(tmp_path):
    assert shutil.which("wrk"), "make soak installs wrk"
    # workers recycled every 5,000 requests or so: several times a minute at this load
    server = Server(tmp_path, {SEED.name: SEED.read_text(encoding="utf-8")},
                    env={"GUNICORN_MAX_REQUESTS": "5000"})
    try:
        queries = ["罗湖", "营商环境", "PM2.5", "一半山水一半城", "罗湖 -营商环境",
                   "粤港澳 OR 深圳", "棋", "改革创新", "section:答卷3 罗湖", "羅湖"]
        paths = ", ".join(json.dumps("/api/search?q=" + urllib.parse.quote(q)) for q in queries)
        script = tmp_path / "soak.lua"
        script.write_text(SCRIPT % paths, encoding="utf-8")
        load = subprocess.Popen(["wrk", "-t1", "-c8", "-d60s", "--timeout", "5s", "-s",
                                 str(script), server.base], stdout=subprocess.PIPE, text=True)
        samples = []
        for _ in range(6):
            time.sleep(10)
            samples.append(round(workers_rss_mb(server.proc.pid), 1))
        stdout, _ = load.communicate(timeout=30)
    finally:
        server.stop()
    result = json.loads(next(line for line in stdout.splitlines() if line.startswith("JSON "))[5:])
    rps = result["requests"] / result["seconds"]
    print(f"soak: {rps:.0f} req/s, p99 {result['p99_ms']:.1f} ms, worker RSS {samples} MB")
    assert result["errors"] == 0 and result["non2xx"] == 0, result
    assert rps >= 400, f"{rps:.0f} requests/s"
    assert samples[-1] <= samples[1] * 1.2 + 5, f"worker memory grew: {samples}"
