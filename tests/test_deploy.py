"""docker-compose.yml cannot run here (no Docker engine): its topology is
checked by reading it, and its nginx config is the template the loopback
cluster tests run (deploy/nginx.conf.template), rendered for the compose
services and checked by nginx itself."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from click.testing import CliRunner

from searchsvc import cli
from searchsvc.ops import nginx
from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_NGINX = ROOT / "deploy" / "nginx-compose.conf"
REPLICAS = ["replica1", "replica2", "replica3"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def compose_site(compose) -> nginx.NginxSite:
    """The nginx config docker-compose.yml needs: its replicas' names and port,
    the official image's user and folders, logs to the container's output."""
    ports = {name: compose["services"][name]["expose"][0] for name in REPLICAS}
    listen = compose["services"]["nginx"]["ports"][0].split(":")[-1]
    return nginx.NginxSite(listen=listen, upstreams=[f"{n}:{ports[n]}" for n in REPLICAS],
                             state="/var/cache/nginx", pid="/var/run/nginx.pid",
                             error_log="/dev/stderr", access_log="/dev/stdout", user="nginx")


def test_replicas_share_one_published_index_volume(compose):
    services = compose["services"]
    assert set(services) == {"indexer", "nginx", *REPLICAS}
    indexer = services["indexer"]
    index_path = indexer["environment"]["SEARCHSVC_INDEX"]
    assert f"index:{index_path}" in indexer["volumes"]  # the indexer writes it
    assert indexer["command"] == ["searchsvc", "rebuild"]
    for name in REPLICAS:
        replica = services[name]
        assert replica["environment"]["SEARCHSVC_INDEX"] == index_path
        assert f"index:{index_path}:ro" in replica["volumes"]  # replicas only read it
        assert replica["environment"]["SEARCHSVC_PROXIES"] == "1"
        assert replica["depends_on"]["indexer"]["condition"] == "service_completed_successfully"
        assert "ports" not in replica  # reached through nginx only
    assert "index" in compose["volumes"]
    nginx = services["nginx"]
    assert "./deploy/nginx-compose.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert {n: c["condition"] for n, c in nginx["depends_on"].items()} == \
        {n: "service_healthy" for n in REPLICAS}
    # the image makes the volume's folder its user's, and serves on the exposed port
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"chown -R searchsvc:searchsvc .*" + re.escape(index_path), dockerfile)
    assert "PORT=8000" in dockerfile and services["replica1"]["expose"] == ["8000"]


RENDER = ["nginx-config", "--upstream", "replica1:8000", "--upstream", "replica2:8000",
          "--upstream", "replica3:8000", "--listen", "80", "--state", "/var/cache/nginx",
          "--pid", "/var/run/nginx.pid", "--error-log", "/dev/stderr",
          "--access-log", "/dev/stdout", "--user", "nginx"]


def test_compose_nginx_config_is_the_template_rendered_for_it(compose, monkeypatch):
    rendered = nginx.render(compose_site(compose))
    assert COMPOSE_NGINX.read_text(encoding="utf-8") == rendered, (
        "deploy/nginx-compose.conf is out of date: render it again with "
        f"`searchsvc {' '.join(RENDER)} > deploy/nginx-compose.conf`")
    for name in REPLICAS:
        assert f"server {name}:8000 max_fails=3 fail_timeout=5s;" in rendered
    # the command the message gives makes it, from the project folder
    monkeypatch.chdir(ROOT)
    made = CliRunner().invoke(cli.main, RENDER)
    assert made.exit_code == 0 and made.output == rendered
    missing = CliRunner().invoke(cli.main, ["nginx-config"])
    assert missing.exit_code == 2 and "--upstream" in missing.output
    # from any folder: the template is the package's, no source checkout needed
    monkeypatch.chdir(ROOT / "tests")
    elsewhere = CliRunner().invoke(cli.main, RENDER)
    assert elsewhere.exit_code == 0 and elsewhere.output == rendered
    missing = CliRunner().invoke(cli.main, [*RENDER, "--template", "no-such.j2"])
    assert missing.exit_code != 0 and "cannot read the nginx template" in missing.output
    assert "Traceback" not in missing.output


@pytest.mark.system
def test_nginx_accepts_the_compose_config(compose, tmp_path):
    """nginx -t on it, with the replicas' names resolving as compose's
    network would (a private /etc/hosts) and this machine's folders and user
    in place of the image's."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed to give nginx the replicas' host names")
    site = dataclasses.replace(compose_site(compose), state=str(tmp_path),
                               pid=str(tmp_path / "nginx.pid"), user=None,
                               error_log="stderr", access_log=str(tmp_path / "access.log"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx.render(site))
    hosts = tmp_path / "hosts"
    hosts.write_text("".join(f"127.0.0.1 {name}\n" for name in REPLICAS))
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f'mount --bind "{hosts}" /etc/hosts && exec "$@"', "sh",
         nginx.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf), "-e", "stderr"],
        capture_output=True, text=True)
    if "unshare failed" in done.stderr or "mount:" in done.stderr:
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"


def start_entrypoint(tmp_path, name, env_extra=None):
    """The image's entrypoint run as the container would run it, without
    Docker: /data is a folder of the test's; answers once /healthz does."""
    import os
    import sys
    import time

    from tests.conftest import fetch, free_port

    port = free_port()
    log = tmp_path / f"{name}.log"
    env = dict(os.environ, SEARCHSVC_DATA=str(tmp_path / "data"), SEARCHSVC_SAMPLE=str(ROOT / "corpus"),
               HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1",
               GUNICORN_ACCESSLOG="/dev/null", PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               **(env_extra or {}))
    for key in ("SEARCHSVC_CORPUS", "SEARCHSVC_INDEX"):
        env.pop(key, None)
    out = open(log, "wb")
    proc = subprocess.Popen(["sh", str(ENTRYPOINT)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if fetch(base, "/healthz")[0] in (200, 503):
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the entrypoint did not serve:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    return proc, base, log, env


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.server
def test_the_entrypoint_builds_serves_and_rebuilds_mounted_documents(tmp_path):
    import json

    from tests.conftest import fetch, write_corpus

    mounted = write_corpus(tmp_path / "data" / "corpus",
                           {"2024/gwr.txt": "政府工作报告\n新质生产力加快发展。"})
    (tmp_path / "data" / "index").mkdir()
    proc, base, log, env = start_entrypoint(tmp_path, "first")
    try:
        health = json.loads(fetch(base, "/healthz")[2])
        assert health["corpus"] == str(mounted.resolve()) and health["documents"] == 1
        hits = json.loads(fetch(base, "/api/search?q=" + quote("新质生产力"))[2])["hits"]
        assert hits[0]["doc_id"] == "2024-gwr"
        text = log.read_text(errors="replace")
        assert "indexing 1 documents" in text and "full rebuild: indexed 1 documents" in text
        # docker exec … searchsvc rebuild: a new report, served without a restart
        (mounted / "2025.txt").write_text("2025年报告\n人工智能加行动。", encoding="utf-8")
        run = subprocess.run(["searchsvc", "rebuild"], env=dict(
            env, SEARCHSVC_CORPUS=str(mounted), SEARCHSVC_INDEX=str(tmp_path / "data" / "index")),
            capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert json.loads(fetch(base, "/api/search?q=" + quote("人工智能"))[2])["total"] == 1
    finally:
        stop(proc)
    # a restart finds the index up to date
    proc, base, log, _ = start_entrypoint(tmp_path, "again")
    try:
        assert "nothing changed since the last rebuild" in log.read_text(errors="replace")
        assert json.loads(fetch(base, "/healthz")[2])["documents"] == 2
    finally:
        stop(proc)


@pytest.mark.server
def test_the_entrypoint_serves_the_sample_without_mounted_documents(tmp_path):
    import json

    from tests.conftest import fetch

    proc, base, log, _ = start_entrypoint(tmp_path, "sample")
    try:
        assert "no documents in" in log.read_text(errors="replace")
        assert json.loads(fetch(base, "/healthz")[2])["corpus"] == str((ROOT / "corpus").resolve())
    finally:
        stop(proc)


@pytest.mark.server
def test_the_entrypoint_runs_any_other_command_as_given(tmp_path):
    import os

    done = subprocess.run(["sh", str(ENTRYPOINT), "sh", "-c", "echo $SEARCHSVC_CORPUS"],
                          env=dict(os.environ, SEARCHSVC_DATA=str(tmp_path), SEARCHSVC_SAMPLE="/x"),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "/x"


SYSTEMD = ROOT / "deploy" / "systemd"


@pytest.mark.system
def test_systemd_units_are_accepted_by_systemd(tmp_path):
    """deploy/systemd as systemd reads it (systemd-analyze verify, from
    Debian's systemd, which `make test` installs when missing), with the
    checkout's path for /opt/searchsvc so the commands it names exist."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: `make test` installs Debian's systemd"
    units = sorted(SYSTEMD.iterdir())
    assert [u.name for u in units] == ["searchsvc-rebuild.path", "searchsvc-rebuild.service",
                                       "searchsvc-rebuild.timer", "searchsvc-watch.service",
                                       "searchsvc.service"]
    for unit in units:
        (tmp_path / unit.name).write_text(
            unit.read_text(encoding="utf-8").replace("/opt/searchsvc", str(ROOT)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    service = (SYSTEMD / "searchsvc.service").read_text(encoding="utf-8")
    assert "ExecStartPre=/opt/searchsvc/.venv/bin/searchsvc rebuild --if-missing" in service
    assert "HOST=127.0.0.1" in service  # behind nginx, never on a public address
    # a broken unit is refused: the check can fail
    (tmp_path / "searchsvc.service").write_text(service.replace("/opt/searchsvc", "/nowhere"),
                                               encoding="utf-8")
    broken = subprocess.run([analyze, "verify", str(tmp_path / "searchsvc.service")],
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode != 0


def test_a_copied_index_folder_serves_the_same_answers(tmp_path):
    """Backup and restore: the index folder copied as `cp -a` or rsync -a
    copies it (its `current` link with it) serves what the original did."""
    import json

    from searchsvc import create_app
    from tests.conftest import SEED, write_corpus

    corpus = write_corpus(tmp_path / "corpus", {SEED.name: SEED.read_text(encoding="utf-8")})
    assert CliRunner().invoke(cli.main, ["rebuild", "--corpus", str(corpus), "--index",
                                         str(tmp_path / "index")]).exit_code == 0
    subprocess.run(["cp", "-a", str(tmp_path / "index"), str(tmp_path / "restored")], check=True)
    answers = []
    for folder in ("index", "restored"):
        client = create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(tmp_path / folder),
                             "TESTING": True}).test_client()
        body = [json.loads(client.get(f"/api/search?q={quote(q)}").get_data(as_text=True))
                for q in ("营商环境", "罗湖 OR 深圳", "木头龙")]
        answers.append([{k: v for k, v in b.items() if k != "took_ms"} for b in body])
    assert answers[0] == answers[1]


def test_an_index_of_an_older_version_is_refused_then_rebuilt(tmp_path):
    import json

    from searchsvc import create_app
    from searchsvc.storage import layout
    from tests.conftest import write_corpus

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "标题\n营商环境。"})
    runner = CliRunner()
    assert runner.invoke(cli.main, ["rebuild", "--corpus", str(corpus), "--index",
                                    str(tmp_path / "index")]).exit_code == 0
    meta = layout.current_path(tmp_path / "index") / "meta.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        f'"format": {layout.FORMAT_VERSION}', '"format": 3'), encoding="utf-8")
    client = create_app({"CORPUS_DIR": str(corpus), "INDEX_DIR": str(tmp_path / "index"),
                         "TESTING": True}).test_client()
    health = client.get("/healthz")
    reason = json.loads(health.get_data(as_text=True))["reason"]
    assert health.status_code == 503 and "another version of searchsvc" in reason and "rebuild" in reason
    upgraded = runner.invoke(cli.main, ["rebuild", "--if-missing", "--corpus", str(corpus),
                                        "--index", str(tmp_path / "index")])
    assert "built by another version of searchsvc (or cannot be read): building it anew" in \
        upgraded.output and "full rebuild" in upgraded.output
    assert client.get("/healthz").status_code == 200
