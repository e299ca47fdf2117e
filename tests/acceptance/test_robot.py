"""Runs the Robot Framework acceptance suite from pytest, one item per case.

pytest ignores unittest's ``load_tests``/``test_suite``, so each robotsuite
case is run explicitly here and its outcome asserted: a Robot failure is a
pytest failure (test_a_wrong_expectation_fails proves it).
"""

from __future__ import annotations

import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

import pytest

from tests.acceptance.robot_suite import (
    RESULTS,
    ROOT,
    VARIABLES,
    acceptance_env,
    robot_cases,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.acceptance
CASES = robot_cases()


@pytest.fixture(scope="module")
def robot_run(monkeypatch_module):
    server = LiveServer(env=acceptance_env())
    plain = LiveServer(env=acceptance_env(theme=False))  # the same pages, unthemed
    VARIABLES[:] = ["APP_URL:" + server.start(), "PLAIN_URL:" + plain.start()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    monkeypatch_module.chdir(RESULTS)
    yield server
    server.stop()
    plain.stop()
    (RESULTS / "server.log").write_text("".join(server.output))  # beside Robot's log
    (RESULTS / "server-unthemed.log").write_text("".join(plain.output))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def run_case(case: unittest.TestCase) -> unittest.TestResult:
    result = unittest.TestResult()
    case.run(result)
    return result


def assert_robot_case_passes(case: unittest.TestCase) -> None:
    """Run one Robot test; its failure, with the log's place, fails the pytest item."""
    result = run_case(case)
    problems = result.failures + result.errors
    assert result.testsRun == 1 and not problems, (
        "".join(p[1] for p in problems) + f"\nsee {RESULTS}/robot_log.html"
    )


def case_ids(cases: list[unittest.TestCase]) -> list[str]:
    return [c._robot_suite.tests[0].name for c in cases]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_robot_case(robot_run, case):
    assert_robot_case_passes(case)


def test_a_wrong_expectation_fails(robot_run):
    """A run whose expectation is wrong must fail, or the suite proves nothing."""
    (case,) = robot_cases("wrong_expectation.robot")
    result = run_case(case)
    assert len(result.failures) == 1, "the deliberately wrong robot test passed"
    assert "pyramid_sockjs is not cool at all" in result.failures[0][1]


def test_suite_runs_under_zope_testrunner():
    """The seed's other runner: zope-testrunner loads test_suite() with its layer."""
    completed = subprocess.run(
        [sys.executable, "-m", "zope.testrunner", "--test-path", str(ROOT),
         "--tests-pattern", "^acceptance$", "--test-file-pattern", "^robot_suite$",
         "-t", "User talks to a pirate parrot"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Ran 1 tests" in completed.stdout and "0 failures, 0 errors" in completed.stdout


def robot_statistics() -> tuple[int, int] | None:
    """Passed and failed counts from robotsuite's merged output.xml."""
    output = RESULTS / "robot_output.xml"
    if not output.exists():
        return None
    total = ET.parse(output).find("statistics/total/stat")
    return int(total.get("pass")), int(total.get("fail"))
