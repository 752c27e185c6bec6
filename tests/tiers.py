"""Test tiers: what a test needs beyond Python, declared by its markers
and held to them.

``make check`` runs the tests that need no server, browser or Debian
program (``-m "not server and not browser and not system"``); ``make
test`` runs every one. A marker a test lacks would put it in the wrong
tier silently, so every program a test starts is looked at here: a test
that starts Chromium unmarked ``browser``, gunicorn unmarked ``server`` or
nginx, rsync, systemd-analyze or wrk unmarked ``system`` fails, saying
which marker it needs.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

MARKERS = {
    "server": "starts a real server process (gunicorn, the image's entrypoint, make run)",
    "browser": "drives or prints with Chromium (Playwright, --print-to-pdf)",
    "system": "runs a Debian program make installs (nginx, rsync, systemd-analyze, wrk)",
}
SYSTEM = {"nginx", "rsync", "systemd-analyze", "wrk"}
_current: list[pytest.Item] = []  # the test being set up, run or torn down


def needs(argv) -> set[str]:
    """The markers a program started with ``argv`` asks of its test."""
    args = [str(a) for a in (argv if isinstance(argv, (list, tuple)) else [argv])]
    if not args:
        return set()
    name = Path(args[0]).name
    found = set()
    if name in ("chromium", "chrome", "chromium-browser") or any(
            "playwright" in a and "driver" in a for a in args):
        found.add("browser")
    if name in SYSTEM:
        found.add("system")
    if any(Path(a).name in ("gunicorn", "docker-entrypoint.sh") for a in args) or \
            (name == "make" and "run" in args):
        found.add("server")
    return found


def pytest_configure(config):
    for name, why in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {why}")
    original = subprocess.Popen.__init__
    if getattr(original, "tiers_checked", False):  # a pytester run inside this one
        return

    def checked(self, args, *rest, **kwargs):
        if _current:
            item = _current[-1]
            missing = sorted(m for m in needs(args) if item.get_closest_marker(m) is None)
            if missing:
                program = Path(str(args[0] if isinstance(args, (list, tuple)) else args)).name
                pytest.fail(f"{item.nodeid} starts {program} but is not marked "
                            f"{', '.join(missing)}: add "
                            + " ".join(f"@pytest.mark.{m}" for m in missing), pytrace=False)
        original(self, args, *rest, **kwargs)

    checked.tiers_checked = True
    subprocess.Popen.__init__ = checked


@contextmanager
def _running(item: pytest.Item):
    _current.append(item)
    try:
        yield
    finally:
        _current.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    with _running(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with _running(item):
        return (yield)
