import atexit
import os
import shutil
import tempfile

import pytest

from tests.support.server import HIGH_LIMITS, LiveServer

# Apps built inside this test process keep their lines in a throwaway
# database, never in the repo's var/Data.fs (a developer's server may hold its
# lock, and tests must not see each other's history). A test that needs a
# database of its own calls scratch_zodb_uri(); every LiveServer gets one.
_SCRATCH = tempfile.mkdtemp(prefix="piratechat-tests-")
atexit.register(shutil.rmtree, _SCRATCH, True)
os.environ["PIRATECHAT_ZODB_URI"] = f"file://{_SCRATCH}/Data.fs"
# Apps built here are not throttled either (see HIGH_LIMITS); tests of the limits
# set their own, in the environment (which wins over ini settings).
os.environ.update(HIGH_LIMITS)


def scratch_zodb_uri() -> str:
    """A file:// URI for a new, empty FileStorage, removed when the tests end."""
    folder = tempfile.mkdtemp(dir=_SCRATCH)
    return f"file://{folder}/Data.fs"


@pytest.fixture(scope="session")
def fresh_zodb_uri():
    """``fresh_zodb_uri()`` gives the URI of a new, empty FileStorage."""
    return scratch_zodb_uri


@pytest.fixture(scope="session")
def live_server():
    """The chat served by `piratechat serve` on a free loopback port, with its own database."""
    server = LiveServer(env={"PIRATECHAT_HEARTBEAT_DELAY": "2",
                             "PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    url = server.start()
    yield url
    server.stop()


def pytest_terminal_summary(terminalreporter):
    """Say how many Robot Framework tests really ran, from Robot's own output."""
    from tests.acceptance.test_robot import robot_statistics

    stats = robot_statistics()
    if stats is not None:
        passed, failed = stats
        terminalreporter.write_line(
            f"Robot Framework (test-results/robot/robot_log.html): {passed} robot tests passed, "
            f"{failed} failed (1 failure is the deliberate wrong expectation)"
        )
