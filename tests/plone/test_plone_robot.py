"""The Plone scenario (plone.robot) in headless Chromium, one pytest item per case,
against the one-process site of conftest.py."""

from __future__ import annotations

import pytest
import robotsuite

from tests.acceptance.test_robot import assert_robot_case_passes
from tests.plone import site_server
from tests.plone.conftest import MEMBERS
from tests.support.server import ROOT

RESULTS = ROOT / "test-results" / "robot-plone"
VARIABLES: list[str] = []


def cases():
    found = list(robotsuite.RobotTestSuite("plone.robot", package="tests.plone"))
    for case in found:
        case._variables = VARIABLES
    return found


CASES = cases()


@pytest.fixture(scope="module")
def robot_site(site_url, plone_server):
    site_server.SERVER = plone_server  # "Restart the site"
    user, password, fullname = MEMBERS[0]
    VARIABLES[:] = [f"SITE_URL:{site_url}", f"MEMBER:{user}", f"PASSWORD:{password}",
                    f"FULL_NAME:{fullname}", f"SCREENSHOTS:{RESULTS / 'screenshots'}"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(RESULTS)
        yield site_url


@pytest.mark.parametrize("case", CASES, ids=[c._robot_suite.tests[0].name for c in CASES])
def test_plone_robot_case(robot_site, case):
    assert_robot_case_passes(case)
