"""How ``make test`` shares the tests among pytest-xdist's workers.

Each work unit runs on one worker, its tests one after the other: a test file
(so a server its module starts, or a module-scoped fixture, starts once), or a
whole folder of FOLDERS, whose files share more than a module:

- tests/acceptance: robotsuite merges every case's result into
  test-results/robot/robot_output.xml in the current folder, which two workers
  would overwrite (and the terminal summary counts from it);
- tests/plone: the Plone site is built once per worker that runs its tests, in minutes.

Units are sent longest first (LONGEST, then as collected: ``--no-loadscope-reorder``),
so the run does not end waiting on a long one. pytest-xdist's own ``xdist_group``
mark is not used: with pytest 9.2 it is silently ignored (pytest-xdist issue 1386).
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

#: Folders whose tests are one unit each.
FOLDERS = ("tests/acceptance/", "tests/plone/")

#: The units that take longest, longest first (from ``pytest --durations``): each
#: starts on a worker of its own at the beginning of the run.
LONGEST = (
    "tests/fuzz/test_http_fuzz.py",  # PIRATECHAT_FUZZ_SECONDS, 300 s
    "tests/acceptance/",  # the Robot suites, then again under zope-testrunner: 7 min
    "tests/plone/",  # the site built, then served
    "libs/pyramid-sockjs-gevent/tests/test_fresh_venv.py",  # a virtualenv, pip install
)


def unit(nodeid: str) -> str:
    """The work unit of the test ``nodeid``: its folder in FOLDERS, else its file."""
    path = nodeid.split("::", 1)[0]
    for folder in FOLDERS:
        if path.startswith(folder):
            return folder
    return path


def rank(nodeid: str) -> int:
    """Where a test's unit is sent: LONGEST first, in its order, then the rest as collected."""
    name = unit(nodeid)
    return LONGEST.index(name) if name in LONGEST else len(LONGEST)


class UnitScheduling(LoadFileScheduling):
    """``--dist loadfile``, with FOLDERS as one file each."""

    def _split_scope(self, nodeid: str) -> str:
        return unit(nodeid)
