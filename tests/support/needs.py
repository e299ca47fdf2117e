"""What a test needs besides Python and loopback sockets, read from what it uses.

tests/conftest.py marks every collected test with these (pyproject registers the
markers), so ``make check`` can leave out what needs a browser or a service
(``-m "not browser and not services and not slow"``) and a new test is marked by
the fixtures and helpers it uses, not by remembering to mark it:

- a fixture that gives a service (``redis_url``, ``zeo_server``, ...);
- a helper that starts one (``RedisServer``, ``LocalCluster``, ...), called by
  the test, by a fixture it uses, or by a function of the tests it calls;
- a fixture parametrized by a service's name (``params=["zeo", "postgres"]``):
  the test of each parameter needs that service;
- its folder: tests/acceptance drives a browser, tests/plone needs Plone.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Iterator

import pytest

#: Each service's marker; ``services`` is added to a test with any of them.
SERVICES = ("redis", "postgres", "zeo", "nginx", "plone")

#: Fixtures that give a test a service, and the markers each brings.
FIXTURES = {
    "redis_url": ("redis",),
    "zeo_server": ("zeo",),
    "postgres_admin_uri": ("postgres",),
    "site_setup": ("plone",),
}

#: Folders whose every test needs these.
FOLDERS = {
    "tests/acceptance/": ("browser",),  # Robot Framework suites in chromium
    "tests/plone/": ("plone",),  # Plone's site in the process under test
}

#: Test files left out of ``make check`` for their length alone (``make test`` runs them).
SLOW = {
    # minutes of fuzzing by design (issue 25: at least 5): PIRATECHAT_FUZZ_SECONDS
    "tests/fuzz/test_http_fuzz.py",
    # a new virtualenv and the library installed into it, then served (and pip's index)
    "libs/pyramid-sockjs-gevent/tests/test_fresh_venv.py",
}


@functools.cache
def _starters() -> dict[object, tuple[str, ...]]:
    """The helpers that start a service (or a browser) when called, and its markers."""
    from selenium import webdriver

    from piratechat.cluster import local, processes
    from tests.acceptance import test_robot
    from tests.support import redis_server, storage_servers

    return {
        redis_server.RedisServer: ("redis",),
        processes.redis_server: ("redis",),
        storage_servers.ZEOServer: ("zeo",),
        processes.zeo_server: ("zeo",),
        storage_servers.PostgresServer: ("postgres",),
        processes.nginx_server: ("nginx",),
        local.LocalCluster: ("redis", "zeo", "nginx"),
        test_robot.run_case: ("browser",),  # one Robot test case, in chromium
        webdriver: ("browser",),  # Selenium's chromium, driven by the test itself
    }


def _names(code: types.CodeType) -> Iterator[str]:
    """The global names ``code`` (and the functions defined in it) refer to."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


def _used(function, seen: set) -> Iterator[object]:
    """The objects ``function`` refers to by global name, following the functions
    and classes of the tests (tests.*) it calls, each once."""
    function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    if code is None or function in seen:
        return
    seen.add(function)
    scope = function.__globals__
    for name in _names(code):
        found = scope.get(name)
        if found is None:
            continue
        yield found
        if not getattr(found, "__module__", "").startswith("tests."):
            continue
        if inspect.isfunction(found):
            yield from _used(found, seen)
        elif inspect.isclass(found):
            for member in vars(found).values():
                yield from _used(getattr(member, "__func__", member), seen)


def needs(item: pytest.Item) -> set[str]:
    """The markers of what ``item`` needs (a subset of SERVICES, ``services``,
    ``browser``, ``slow``)."""
    found: set[str] = set()
    path = item.nodeid.split("::", 1)[0]  # from the repository's folder
    for folder, marks in FOLDERS.items():
        if path.startswith(folder):
            found.update(marks)
    if path in SLOW:
        found.add("slow")
    names = getattr(item, "fixturenames", ())
    for name in names:
        found.update(FIXTURES.get(name, ()))
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if isinstance(value, str) and value in SERVICES:
            found.add(value)
    starters = _starters()
    functions = [getattr(item, "function", None)]
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    functions += [defs[-1].func for name in names for defs in [definitions.get(name)] if defs]
    seen: set = set()
    for function in functions:
        for used in _used(function, seen) if function is not None else ():
            try:
                found.update(starters.get(used, ()))
            except TypeError:  # unhashable
                continue
    if found & set(SERVICES):
        found.add("services")
    return found
