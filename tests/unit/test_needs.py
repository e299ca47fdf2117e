"""Each test is marked with what it needs (tests/support/needs.py), from what it
uses, so that ``make check`` (``-m "not browser and not services and not slow"``)
leaves out exactly the tests a machine without them could not run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.server import ROOT

#: Collects ``sys.argv[1:]`` in this process and prints {test id: its markers}.
COLLECT = """
import json, sys, pytest
class Marks:
    def pytest_collection_finish(self, session):
        self.marks = {i.nodeid: sorted({m.name for m in i.iter_markers()}) for i in session.items}
marks = Marks()
pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[marks])
print("MARKS " + json.dumps(marks.marks))
"""

FILES = ("tests/integration/test_broker_contract.py", "tests/integration/test_cluster_faults.py",
         "tests/integration/test_history.py", "tests/functional/test_request_bodies_servers.py",
         "tests/fuzz/test_http_fuzz.py", "tests/integration/test_cluster_epoch.py",
         "tests/plone/test_plone_robot.py", "tests/acceptance/test_gunicorn_transports.py")


@pytest.fixture(scope="module")
def marks() -> dict[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", COLLECT, *FILES], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("MARKS ")]
    return {test: set(names) for test, names in json.loads(line[6:]).items()}


def checked(marks: dict[str, set[str]], test: str) -> bool:
    """Would ``make check`` run it?"""
    return not marks[test] & {"browser", "services", "slow"}


def test_a_service_fixture_marks_the_test(marks):
    base = "tests/integration/test_broker_contract.py::"
    assert marks[base + "test_make_broker_by_url"] >= {"redis", "services"}  # redis_url
    assert checked(marks, base + "test_publish_neither_blocks_nor_raises_when_redis_is_down")


def test_a_helper_that_starts_a_service_marks_the_tests_that_call_it(marks):
    faults = [t for t in marks if t.startswith("tests/integration/test_cluster_faults.py")]
    assert faults and all(marks[t] >= {"redis", "zeo", "nginx", "services"} for t in faults)
    bodies = [t for t in marks if "test_request_bodies_servers" in t]  # nginx_server in a fixture
    assert bodies and all("nginx" in marks[t] for t in bodies)


def test_a_fixture_parametrized_by_a_service_marks_that_parameters_tests(marks):
    history = [t for t in marks if t.startswith("tests/integration/test_history.py")]
    for test in history:
        service = "zeo" if "[zeo" in test else "postgres" if "[postgres" in test else None
        assert checked(marks, test) == (service is None), test
        assert service is None or service in marks[test], test
    assert any("[memory" in t for t in history) and any("[zeo" in t for t in history)


def test_browsers_plone_and_minutes_are_left_out(marks):
    assert all("browser" in m for t, m in marks.items() if t.startswith("tests/acceptance/"))
    assert all(m >= {"browser", "plone", "services"}
               for t, m in marks.items() if t.startswith("tests/plone/"))
    epoch = {t: m for t, m in marks.items() if "test_cluster_epoch" in t}  # Selenium itself
    assert sum("browser" in m for m in epoch.values()) == 1
    assert sum(checked(marks, t) for t in epoch) == len(epoch) - 1
    (fuzz,) = [m for t, m in marks.items() if "test_http_fuzz" in t]
    assert "slow" in fuzz
