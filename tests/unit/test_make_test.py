"""`make test` ends with pytest-cov's coverage report of the piratechat package."""

import subprocess

from tests.support.server import ROOT


def test_make_test_runs_pytest_with_the_coverage_report():
    planned = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60).stdout
    (pytest_line,) = [line for line in planned.splitlines() if "bin/pytest" in line]
    assert "--cov=piratechat" in pytest_line and "--cov-report=term" in pytest_line
