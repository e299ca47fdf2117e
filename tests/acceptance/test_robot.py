"""Runs the Robot Framework acceptance suite from pytest, one item per case.

pytest ignores unittest's ``load_tests``/``test_suite``, so each robotsuite
case is run explicitly here and its outcome asserted: a Robot failure is a
pytest failure (test_a_wrong_expectation_fails proves it).
"""

from __future__ import annotations

import shlex
import subprocess
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.acceptance.robot_suite import (
    INI,
    RESULTS,
    ROOT,
    VARIABLES,
    acceptance_env,
    robot_cases,
)
from tests.support.server import LiveServer

CASES = robot_cases()


@pytest.fixture(scope="module")
def robot_run(monkeypatch_module):
    server = LiveServer(INI, env=acceptance_env())
    plain = LiveServer(INI, env=acceptance_env(theme=False))  # the same pages, unthemed
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


def documented_command(program: str) -> list[str]:
    """The testing page's command line that starts with ``program``, as its words."""
    for line in (ROOT / "docs" / "testing.md").read_text().splitlines():
        if line.startswith(program + " "):
            return shlex.split(line)
    raise AssertionError(f"docs/testing.md shows no {program} command")


def test_the_documented_zope_testrunner_command_runs_the_suite():
    """The seed's other runner, started exactly as docs/testing.md says: zope-testrunner
    loads test_suite() with its layer and runs every Robot case."""
    command = documented_command(".venv/bin/zope-testrunner")
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    out = completed.stdout + completed.stderr
    assert completed.returncode == 0, out
    assert f"Ran {len(CASES)} tests" in out and "0 failures, 0 errors" in out, out


def robot_results(output: Path, since: float) -> list[tuple[str, str]] | None:
    """(test name, PASS/FAIL/SKIP) of every Robot test in robotsuite's merged
    ``output``, or None when that file was not written since ``since`` (it is an
    earlier run's: this run ran no Robot test)."""
    try:
        if output.stat().st_mtime < since:
            return None
    except FileNotFoundError:
        return None
    return [(test.get("name"), test.find("status").get("status"))
            for test in ET.parse(output).iter("test")]


def robot_summary(output: Path, since: float) -> str | None:
    """One line for the terminal: this run's Robot counts, the failures named."""
    results = robot_results(output, since)
    if results is None:
        return None
    passed = sum(status == "PASS" for _, status in results)
    failed = [name for name, status in results if status == "FAIL"]
    line = (f"Robot Framework ({output.parent}/robot_log.html): {len(results)} robot tests "
            f"ran in this run, {passed} passed, {len(failed)} failed")
    return line + (": " + "; ".join(failed) if failed else "")
