"""The Robot Framework suites as unittest cases, through robotsuite.

One module serves both runners: ``test_suite()`` for zope-testrunner (with a
layer that starts the server) and ``robot_cases()`` for pytest
(test_robot.py). Results (log.html, report.html, output.xml, screenshots of
failures) are written under test-results/robot/.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import unittest

import robotsuite

from tests.support.server import ROOT, LiveServer

RESULTS = ROOT / "test-results" / "robot"
SUITES = ("piratechat.robot", "transports.robot", "rooms.robot", "theme.robot", "owners.robot",
          "moderation.robot", "readers.robot",
          "search.robot")

#: The servers' ini: development.ini with a stand-in for the site's member login.
INI = "tests/acceptance/robot.ini"

#: Signs the test server's member tokens (tests/support/member_site.py), and the
#: member their ``moderators`` setting names (moderation.robot's chat-wide
#: moderator: tests/acceptance/Moderator.py).
TOKEN_SECRET = "robot member tokens " + os.urandom(8).hex()
MODERATOR = "Chief Moderator"

#: Robot variables every case gets; filled in once the server is up.
VARIABLES: list[str] = []


def robot_cases(*files: str) -> list[unittest.TestCase]:
    """One unittest case per Robot test case in ``files``."""
    cases = []
    for name in files or SUITES:
        for case in robotsuite.RobotTestSuite(name, package="tests.acceptance"):
            case._variables = VARIABLES
            cases.append(case)
    return cases


class ServerLayer:
    """zope.testrunner layer: a live server, and results in the known folder."""

    server: LiveServer | None = None
    cwd = ""

    plain: LiveServer | None = None

    @classmethod
    def setUp(cls):
        cls.server = LiveServer(INI, env=acceptance_env())
        cls.plain = LiveServer(INI, env=acceptance_env(theme=False))
        VARIABLES[:] = ["APP_URL:" + cls.server.start(), "PLAIN_URL:" + cls.plain.start()]
        cls.cwd = os.getcwd()
        results = RESULTS / "zope-testrunner"
        results.mkdir(parents=True, exist_ok=True)
        os.chdir(results)

    @classmethod
    def tearDown(cls):
        os.chdir(cls.cwd)
        cls.server.stop()
        cls.plain.stop()


def acceptance_env(theme: bool = True) -> dict:
    """The server's environment: a fresh, throwaway Data.fs for every run; the
    Diazo theme on (APP_URL) or off (PLAIN_URL, the same pages unthemed)."""
    scratch = tempfile.mkdtemp(prefix="piratechat-robot-")
    atexit.register(shutil.rmtree, scratch, True)
    return {"PIRATECHAT_HEARTBEAT_DELAY": "5", "PIRATECHAT_BURST": "100",
            "PIRATECHAT_ZODB_URI": f"file://{scratch}/Data.fs",
            "PIRATECHAT_THEME": "on" if theme else "off",
            "PIRATECHAT_TOKEN_SECRET": TOKEN_SECRET, "PIRATECHAT_TOKEN_URL": "/test/chat-token",
            "PIRATECHAT_MODERATORS": MODERATOR}


def test_suite() -> unittest.TestSuite:
    suite = unittest.TestSuite(robot_cases())
    suite.layer = ServerLayer
    return suite
