import atexit
import os
import shutil
import tempfile
import time

import pytest

from tests.support import needs, workers
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
def redis_url():
    """The machine's Redis at 127.0.0.1:6379 when it answers, else one of our own."""
    from tests.support.redis_server import RedisServer, answers

    if answers(6379):
        yield "redis://127.0.0.1:6379/0"
        return
    server = RedisServer()
    yield server.start()
    server.remove()


@pytest.fixture
def broker_prefix():
    """Keys and channels of this test alone (others share the machine's Redis)."""
    import uuid

    return f"piratechat-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture(scope="session")
def live_server():
    """The chat served by `piratechat serve` on a free loopback port, with its own database."""
    server = LiveServer(env={"PIRATECHAT_HEARTBEAT_DELAY": "2",
                             "PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    url = server.start()
    yield url
    server.stop()


def pytest_collection_modifyitems(config, items):
    """Mark each test with what it needs (tests/support/needs.py); the longest work
    units first (tests/support/workers.py)."""
    for item in items:
        for name in sorted(needs.needs(item)):
            item.add_marker(name)
    items.sort(key=lambda item: workers.rank(item.nodeid))


def pytest_xdist_make_scheduler(config, log):
    """With ``-n`` and ``--dist loadfile`` (pyproject's addopts): files, and the
    folders that share more, each on one worker (tests/support/workers.py)."""
    if config.getoption("dist") == "loadfile":
        return workers.UnitScheduling(config, log)
    return None


#: When this pytest run started: Robot output older than this is an earlier run's.
_STARTED = time.time()


def pytest_terminal_summary(terminalreporter):
    """Say how many Robot Framework tests ran in this pytest run, from Robot's own output."""
    from tests.acceptance.robot_suite import RESULTS
    from tests.acceptance.test_robot import robot_summary

    summary = robot_summary(RESULTS / "robot_output.xml", since=_STARTED)
    if summary is not None:
        terminalreporter.write_line(summary)
