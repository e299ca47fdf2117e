"""`make test` runs every test on pytest-xdist's workers, ends with pytest-cov's
coverage report and fails when a covered package is under 95%; `make check`
leaves out what needs a browser, a service or minutes."""

import subprocess

from tests.support.server import ROOT


def planned(target: str) -> list[str]:
    """The commands ``make -n target`` prints, a command continued with \\ as one line."""
    out = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                         timeout=60).stdout
    return out.replace("\\\n", " ").splitlines()


def test_make_test_runs_pytest_with_the_coverage_report_and_its_floor():
    lines = planned("test")
    (pytest_line,) = [line for line in lines if "bin/pytest" in line]
    assert "--cov=piratechat" in pytest_line and "--cov-report=term" in pytest_line
    assert " -n " in pytest_line and " -m " not in pytest_line
    (floor,) = [line for line in lines if "coverage report" in line]
    assert "--fail-under=95" in floor and "piratechat" in floor


def test_make_check_leaves_out_browsers_services_and_minutes():
    (pytest_line,) = [line for line in planned("check") if "bin/pytest" in line]
    assert '-m "not browser and not services and not slow"' in pytest_line
    assert "--cov" not in pytest_line
