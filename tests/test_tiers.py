"""The markers that put a test in a tier are held to what it starts
(tests/tiers.py): a test cannot slip into `make check` by omission."""

import sys

from tests.tiers import needs

pytest_plugins = ["pytester"]


def test_each_program_asks_its_marker():
    assert needs(["/usr/bin/chromium", "--headless"]) == {"browser"}
    assert needs(["node", "/x/playwright/driver/package/cli.js", "run-driver"]) == {"browser"}
    assert needs([sys.executable, "-m", "gunicorn", "-c", "conf"]) == {"server"}
    assert needs(["sh", "deploy/docker-entrypoint.sh"]) == {"server"}
    assert needs(["make", "-C", "/p", "run", "PORT=1"]) == {"server"}
    assert needs(["/usr/sbin/nginx", "-t"]) == {"system"}
    assert needs(["rsync", "-a", "a", "b"]) == {"system"}
    assert needs(["git", "status"]) == set() and needs("ls") == set()


def test_an_unmarked_test_that_starts_a_marked_program_fails(pytester):
    pytester.makeconftest('pytest_plugins = ["tests.tiers"]')
    pytester.makepyfile(test_x="""
        import subprocess
        import pytest

        def test_unmarked():
            subprocess.run(["rsync", "--version"], capture_output=True)

        @pytest.mark.system
        def test_marked():
            try:
                subprocess.run(["rsync", "--version"], capture_output=True)
            except FileNotFoundError:
                pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_unmarked starts rsync but is not marked system*"])
