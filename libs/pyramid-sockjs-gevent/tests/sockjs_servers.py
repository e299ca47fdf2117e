"""Live SockJS test servers (``python -m pyramid_sockjs_gevent.testserver``) on
free loopback ports, and the same app in-process (``inproc``: requests go
through WebTest, for every test that needs no socket).

Tests that start a live server are marked ``live_server``; count them with
``pytest libs/pyramid-sockjs-gevent/tests --collect-only -q -m live_server``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import sockjs_client as client
from sockjs_client import GET

TESTSERVER = [sys.executable, "-m", "pyramid_sockjs_gevent.testserver", "--host", "127.0.0.1",
              "--port", "0"]


class LiveServer:
    """A server process that prints ``Serving on URL`` once it listens."""

    def __init__(self, command, env: dict | None = None, pattern: str = r"Serving on (http://\S+)"):
        self.command = command
        self.env = {**os.environ, **(env or {})}
        self.pattern = pattern
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self, timeout: float = 30) -> str:
        self.process = subprocess.Popen(
            self.command, env=self.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        found = threading.Event()

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                match = re.search(self.pattern, line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(timeout):
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.output))
        return self.url

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass
class Server:
    url: str
    live: LiveServer

    @property
    def echo(self) -> str:
        return self.url + "/echo"

    @property
    def close(self) -> str:
        return self.url + "/close"

    @property
    def wsoff(self) -> str:
        return self.url + "/disabled_websocket_echo"

    @property
    def cookie(self) -> str:
        return self.url + "/cookie_needed_echo"

    @property
    def pid(self) -> int:
        return self.live.process.pid

    def sessions(self) -> dict[str, int]:
        return json.loads(GET(self.url + "/sessions").body)

    def session(self, url: str) -> dict:
        """{"exists", "attached"} of the session a transport ``url`` names
        (``<base>/<endpoint>/<server>/<session>``)."""
        endpoint, _, session = url[len(self.url) + 1:].split("/")[:3]
        return json.loads(GET(f"{self.url}/session?endpoint={endpoint}&id={session}").body)

    def attached(self, url: str) -> bool:
        return self.session(url)["attached"]

    def alive(self) -> bool:
        return self.live.process.poll() is None


def _measured() -> dict[str, str]:
    """Under pytest-cov, the environment that makes the server process measure
    itself too (coverage's own startup hook), into files pytest-cov combines."""
    try:
        import coverage
    except ImportError:
        return {}
    current = coverage.Coverage.current()
    if current is None:
        return {}
    rc = Path(tempfile.mkdtemp(prefix="pyramid-sockjs-gevent-cov-")) / "coveragerc"
    rc.write_text("[run]\nparallel = true\nconcurrency = gevent\nsource = pyramid_sockjs_gevent\n"
                  f"data_file = {current.config.data_file}\n")
    return {"COVERAGE_PROCESS_START": str(rc)}


def _serve(*args: str):
    live = LiveServer(command=[*TESTSERVER, *args], env=_measured())
    url = live.start()
    try:
        yield Server(url, live)
    finally:
        live.stop()
        assert not any("Traceback" in line for line in live.output), "".join(live.output)


@pytest.fixture(scope="session")
def server():
    """The test server with the protocol's defaults (heartbeat 25 s, disconnect 5 s)."""
    yield from _serve()


@pytest.fixture(scope="session")
def fast():
    """The test server with short delays."""
    yield from _serve("--heartbeat-delay", "0.3", "--disconnect-delay", "0.5")


@pytest.fixture(scope="session")
def bounded():
    """The test server with a small queue (256K characters), a short write
    timeout (1 s), the protocol's disconnect delay (5 s: a loaded machine's polls
    still come before a cut session is reaped) and streams that never recycle."""
    yield from _serve("--max-queue", "262144", "--write-timeout", "1", "--disconnect-delay", "5",
                      "--response-limit", str(1 << 30))


LIVE = {"server", "fast", "bounded"}


def pytest_configure(config):
    config.addinivalue_line("markers", "live_server: starts a SockJS test server process")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if LIVE & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live_server)


@dataclass
class InProcess(Server):
    """The test app in this process, with the same URLs as a live server."""

    app: object = None

    def sessions(self) -> dict[str, int]:
        return {name: len(e.sessions) for name, e in self.app.endpoints.items()}


@pytest.fixture(scope="session")
def inproc():
    """The protocol's defaults, served in this process (no socket: no hang-up
    detection, so only for requests that answer at once)."""
    from pyramid_sockjs_gevent import testserver
    from webtest import TestApp

    wsgi = testserver.make_app()
    base = f"http://in-process-{id(wsgi)}.invalid"  # one per instance of the fixture
    client.IN_PROCESS[base] = TestApp(wsgi, lint=False)
    yield InProcess(base, None, wsgi)
    client.IN_PROCESS.pop(base)
