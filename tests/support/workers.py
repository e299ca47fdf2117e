"""How ``make test`` shares the tests among pytest-xdist's workers.

``--dist loadgroup`` sends each test to any free worker, except the tests that
carry one ``xdist_group``: those run one after the other on one worker. They are:

- tests sharing a module- or class-scoped fixture (most often a server their
  module starts): together, so it starts once;
- tests/acceptance: robotsuite merges every case's result into
  test-results/robot/robot_output.xml in the current folder, which two workers
  would overwrite (and the terminal summary counts from it);
- tests/plone: the Plone site is built per worker, and takes minutes.

The longest groups are sent first (``--no-loadscope-reorder`` keeps this order),
so the run does not end waiting on one of them: see LONGEST.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Folders (under tests/) that are one group each.
FOLDERS = ("acceptance", "plone")

#: The groups that take longest, longest first (from ``pytest --durations``): each
#: starts on a worker of its own at the beginning of the run.
LONGEST = (
    "fuzz/test_http_fuzz.py",  # PIRATECHAT_FUZZ_SECONDS, 300 s
    "acceptance",
    "plone",
)


def group(item: pytest.Item, tests: Path) -> str | None:
    """The xdist group of ``item`` (``tests`` is the tests folder), or None."""
    path = Path(item.path).relative_to(tests)
    if path.parts[0] in FOLDERS:
        return path.parts[0]
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for name in getattr(item, "fixturenames", ()):
        defs = definitions.get(name)
        if defs and defs[-1].scope in ("module", "class", "package"):
            return path.as_posix()
    return None


def rank(name: str | None) -> int:
    """Where a group is sent: LONGEST first, in its order, then the rest as collected."""
    return LONGEST.index(name) if name in LONGEST else len(LONGEST)
