"""nginx in front of replicas: the config from the package's Jinja2
template (``render``, for ``searchsvc nginx-config``) and nginx run on it
(``start_nginx``, for the loopback cluster and its tests).

The template (``templates/nginx.conf.j2``, shipped in the package) is
filled from an ``NginxSite``; a name it uses that the site does not give
is an error (StrictUndefined), so the two cannot drift apart silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).parent / "templates" / "nginx.conf.j2"
START_SECONDS = 30


class NginxError(Exception):
    """nginx is missing, rejects its config or does not start; the message says why."""


@dataclass
class NginxSite:
    """The fields of the template. ``state`` is nginx's folder for its
    temporary files and caches; the loopback cluster puts everything under
    one folder (``loopback``), a container uses the image's own places."""

    listen: str
    upstreams: list[str]
    state: str
    pid: str
    error_log: str
    access_log: str
    user: str | None = None
    cache: bool = True
    cache_size: str = "256m"
    rate: int = 20          # requests per second per client address; 0: no limit
    burst: int = 40
    max_fails: int = 3
    fail_timeout: int = 5   # seconds a failing replica is left out
    worker_processes: str = "auto"
    log_client_ip: bool = False

    @classmethod
    def loopback(cls, folder: Path, listen: str, upstreams: list[str], **kw) -> NginxSite:
        folder = Path(folder).resolve()
        user = None
        if os.geteuid() == 0:  # nginx's workers would become nobody, who cannot read folder
            import pwd

            user = pwd.getpwuid(os.stat(folder).st_uid).pw_name
        return cls(listen=listen, upstreams=upstreams, state=str(folder), user=user,
                   pid=str(folder / "nginx.pid"), error_log=str(folder / "error.log"),
                   access_log=str(folder / "access.log"), **kw)

    def fields(self) -> dict:
        """What the template reads."""
        if not self.upstreams:
            raise ValueError("at least one replica (host:port) is needed")
        return {
            "user": self.user, "worker_processes": self.worker_processes,
            "pid": self.pid, "error_log": self.error_log, "access_log": self.access_log,
            "state": self.state.rstrip("/") or "/", "listen": self.listen,
            "upstreams": self.upstreams, "max_fails": self.max_fails,
            "fail_timeout": self.fail_timeout, "cache_size": self.cache_size,
            "rate": self.rate, "burst": self.burst, "cache": self.cache,
            "log_client_ip": self.log_client_ip,
        }


def render(site: NginxSite, template: Path = TEMPLATE) -> str:
    """The template filled from ``site``; a name it does not give is an error."""
    import jinja2

    try:
        text = Path(template).read_text(encoding="utf-8")
    except OSError as exc:
        raise NginxError(f"cannot read the nginx template {template}: {exc.strerror}") from None
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    try:
        return env.from_string(text).render(site.fields())
    except jinja2.UndefinedError as exc:
        raise NginxError(f"{template}: {exc.message}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise NginxError(f"{template}, line {exc.lineno}: {exc.message}") from None


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise NginxError("nginx is not installed (Debian package nginx; `make cluster` "
                           "installs it)")
    return found


def check_config(conf: Path, prefix: Path) -> None:
    """``nginx -t``: the config parses and its folders can be made."""
    done = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(prefix), "-c", str(conf),
                           "-e", "stderr"], capture_output=True, text=True)
    if done.returncode != 0:
        raise NginxError(f"nginx rejects {conf}:\n{done.stderr.strip()}")


def start_nginx(site: NginxSite, template: Path = TEMPLATE) -> subprocess.Popen:
    """nginx in the foreground with ``site`` rendered into its state folder
    (``NginxSite.loopback``), once it accepts connections."""
    folder = Path(site.state)
    conf = folder / "nginx.conf"
    conf.write_text(render(site, template), encoding="utf-8")
    check_config(conf, folder)
    proc = subprocess.Popen(
        [nginx_binary(), "-p", str(folder), "-c", str(conf), "-e", site.error_log,
         "-g", "daemon off;"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    host, _, port = site.listen.rpartition(":")
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=1).close()
            return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log = Path(site.error_log)
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise NginxError(f"nginx did not start on {site.listen}:\n{tail}")
        time.sleep(0.05)
