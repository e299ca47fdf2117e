"""The transports suite in a browser again, under production's server:
``gunicorn --paste production.ini`` with its gevent worker (test_robot.py
runs it under ``piratechat serve``)."""

from __future__ import annotations

import sys

import pytest

from tests.acceptance.robot_suite import RESULTS, ROOT, VARIABLES, acceptance_env, robot_cases
from tests.acceptance.test_robot import assert_robot_case_passes, case_ids
from tests.support.server import LiveServer

CASES = robot_cases("transports.robot")


@pytest.fixture(scope="module")
def gunicorn():
    server = LiveServer(
        command=[sys.executable, "-m", "gunicorn", "--paste", str(ROOT / "production.ini"),
                 "--bind", "127.0.0.1:0"],
        env=acceptance_env(),
        pattern=r"Listening at: (http://\S+)",
    )
    VARIABLES[:] = ["APP_URL:" + server.start()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(RESULTS)
        yield server
    server.stop()
    log = "".join(server.output)
    assert "Traceback" not in log and "ERROR" not in log, log


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_transport_under_gunicorn(gunicorn, case):
    assert_robot_case_passes(case)
