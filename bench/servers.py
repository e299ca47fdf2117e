"""The servers under test: how each one starts, where its chat endpoint is, and
one started server (Running) with the process the bench measures."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.server import HIGH_LIMITS

from .procfs import children

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV_BIN = Path(sys.executable).parent

# Lifts PirateChat's per-connection rate limit for the bench's senders.
# The load generator's thousands of clients share one address: the limits per
# address and per room (issue 13) are set out of the way, explicitly, with the
# tests' own list of them (one list to keep up when a limit is added).
PIRATECHAT_ENV = {"PIRATECHAT_LINES_PER_SECOND": "1000", "PIRATECHAT_BURST": "1000",
                  **HIGH_LIMITS}
# PirateChat's coalescing window, in ms (0: off; unset: the server's default).
WINDOW_VAR = "PIRATECHAT_COALESCE_MS"
NO_WINDOW = "-nowindow"  # suffix of the variants that run with the window off


@dataclass
class Server:
    """How to start one server under test, and where its chat endpoint is."""

    name: str
    label: str
    mode: str  # "raw" or "sockjs" (framed)
    path: str  # URL path of the endpoint
    program: str  # "gunicorn" (PirateChat), or the peer: "ws", "websockets", "sockjs"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: int = 0  # > 0: a cluster of that many behind nginx (piratechat/cluster/)
    zeo: bool = False  # one process on a ZEO server of its own (measured: worker + ZEO)
    cluster_options: dict = field(default_factory=dict)  # LocalCluster(**options)
    rev: str = ""  # its process(es) run this revision's piratechat/ ("base": HEAD's merge
    # base with main)

    @property
    def gunicorn(self) -> bool:
        return self.program == "gunicorn"

    def command(self, port: int, ini: Path | None = None) -> list[str]:
        if self.gunicorn:
            return [
                str(VENV_BIN / "gunicorn"),
                "--paste",
                str(ini),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "gevent",
            ]
        peer = {
            "ws": ["node", str(BENCH / "peers" / "ws_server.js")],
            "websockets": [sys.executable, str(BENCH / "peers" / "websockets_server.py")],
            "sockjs": ["node", str(BENCH / "peers" / "sockjs_server.js")],
        }
        return [*peer[self.program], str(port)]

    def env(self) -> dict[str, str]:
        """What the bench adds to its own environment for this server."""
        return {**(PIRATECHAT_ENV if self.gunicorn else {}), **self.extra_env}

    def without_window(self) -> Server:
        """The same PirateChat with its coalescing window off."""
        return dataclasses.replace(
            self,
            name=self.name + NO_WINDOW,
            label=self.label + ", coalescing window off",
            extra_env={**self.extra_env, WINDOW_VAR: "0"},
        )


_SERVERS = [
    Server(
        "piratechat",
        "PirateChat (gunicorn+gevent, raw WS)",
        "raw",
        "/sockjs/websocket",
        "gunicorn",
    ),
    # The same, its history in memory (memory://): what the say path costs without storage.
    Server("piratechat-memory", "PirateChat, memory:// storage (raw WS)", "raw",
           "/sockjs/websocket", "gunicorn", {"PIRATECHAT_ZODB_URI": "memory://"}),
    # The same, running the piratechat/ of the work tree's merge base with main (a git
    # archive): a branch's "before", interleaved with its "after" in one run.
    Server("piratechat-base", "PirateChat, the merge base's code (raw WS)", "raw",
           "/sockjs/websocket", "gunicorn", rev="base"),
    Server("ws", "Node ws", "raw", "/", "ws"),
    Server("websockets", "Python websockets", "raw", "/", "websockets"),
    Server("sockjs", "sockjs-node (raw WS)", "raw", "/sockjs/websocket", "sockjs"),
    # The SockJS framed WebSocket transport (o, a[...], h), as browsers use it.
    Server("piratechat-framed", "PirateChat (SockJS framed WS)", "sockjs", "/sockjs", "gunicorn"),
    Server("sockjs-framed", "sockjs-node (SockJS framed WS)", "sockjs", "/sockjs", "sockjs"),
    # One process with the Redis broker (the machine's Redis, a prefix of its own):
    # every line also goes to Redis and comes back (skipped as its own).
    Server("piratechat-redis", "PirateChat, Redis broker (1 process)", "raw", "/sockjs/websocket",
           "gunicorn", {"PIRATECHAT_BROKER_URL": "redis://127.0.0.1:6379/0",
                        "PIRATECHAT_BROKER_PREFIX": f"bench-{os.getpid()}:"}),
    # One process on a ZEO server of its own (the cluster's storage, one process):
    # the peer that isolates what the cluster adds. Measured: worker + runzeo.
    Server("piratechat-zeo", "PirateChat on ZEO (1 process)", "raw", "/sockjs/websocket",
           "gunicorn", zeo=True),
    # One process behind the same nginx, Redis and ZEO as the cluster: what the
    # second process adds, with the relay's cost on both sides of the ratio.
    Server("piratechat-cluster1", "PirateChat, 1 process + nginx + Redis (ZEO)", "raw",
           "/sockjs/websocket", "gunicorn", processes=1),
    # Two processes behind nginx, on ZEO and a Redis of their own (make cluster's
    # pieces); measured: both gunicorn workers + nginx's worker + redis-server + runzeo.
    Server("piratechat-cluster2", "PirateChat, 2 processes + nginx + Redis (ZEO)", "raw",
           "/sockjs/websocket", "gunicorn", processes=2),
    # The same cluster with the piratechat/ of the work tree's merge base with
    # main in its processes (nginx.conf, the bench and the tools of the work
    # tree): on a branch, the "before" of its change, interleaved with the
    # "after" in one run.
    Server("piratechat-cluster2-base", "PirateChat, 2 processes + nginx + Redis (ZEO), "
           "the merge base's code", "raw", "/sockjs/websocket", "gunicorn", processes=2,
           rev="base"),
    # The same, nginx reaching the processes on Unix sockets instead of loopback TCP.
    Server("piratechat-cluster2-unix", "PirateChat, 2 processes + nginx (Unix sockets) + Redis "
           "(ZEO)", "raw", "/sockjs/websocket", "gunicorn", processes=2,
           cluster_options={"unix_sockets": True}),
]
SERVERS = {s.name: s for s in _SERVERS + [s.without_window() for s in _SERVERS if s.gunicorn]}
DEFAULT_SERVERS = ["piratechat", "ws", "websockets", "sockjs"]
FRAMED_SERVERS = ["piratechat-framed", "sockjs-framed"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot_of(rev: str, tmp: Path) -> Path:
    """The repository at ``rev`` ("base": the work tree's merge base with main),
    unpacked in a folder of its own under ``tmp``."""
    from .source import snapshot

    if rev == "base":
        rev = subprocess.run(["git", "-C", str(REPO), "merge-base", "HEAD", "main"],
                             capture_output=True, text=True, check=True).stdout.strip()
    return snapshot(rev, Path(tempfile.mkdtemp(dir=tmp)) / "src")


class Running:
    """A started server process (and, for gunicorn, its one worker)."""

    def __new__(cls, server: Server, *args, **kwargs):
        if server.processes and cls is Running:
            return super().__new__(RunningCluster)
        if server.zeo and cls is Running:
            return super().__new__(RunningOnZeo)
        return super().__new__(cls)

    @property
    def parts(self) -> dict[str, list[int]]:
        """The processes whose CPU is the server's, by part (a cluster has several)."""
        return {"worker": [self.pid]}

    @property
    def measured(self) -> list[int]:
        return [pid for pids in self.parts.values() for pid in pids]

    def __init__(self, server: Server, log_path: Path, tmp: Path, src: Path | None = None,
                 more_env: dict | None = None):
        self.server = server
        self.port = free_port()
        self.metrics_port = self.port  # where /metrics is scraped (bench/run.py)
        ini = None
        cwd = REPO
        env = dict(os.environ, **server.env(), **(more_env or {}))
        if server.rev and src is None:
            src = snapshot_of(server.rev, tmp)
        if server.gunicorn:
            # A copy of production.ini in a temp dir: the same settings, but any
            # history file it names relative to %(here)s lands in the temp dir.
            # A fresh folder per run: each server starts with an empty history.
            here = Path(tempfile.mkdtemp(prefix=f"run-{self.port}-", dir=tmp))
            ini = here / "production.ini"
            shutil.copy((src or REPO) / "production.ini", ini)
            # The ini names its theme as %(here)s/theme: the copy points at the checkout's.
            (here / "theme").symlink_to((src or REPO) / "theme", target_is_directory=True)
            if src is not None:  # a snapshot of a git revision (--piratechat-rev)
                cwd = src
                env["PYTHONPATH"] = str(src)
        self.argv = server.command(self.port, ini)
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pid = self.proc.pid  # the process whose memory and CPU we measure
        self.url = f"ws://127.0.0.1:{self.port}{server.path}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until the server answers HTTP (any status), from its worker for gunicorn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.server.name} exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/sockjs/info", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{self.server.name} not ready after {timeout}s")
        if self.server.gunicorn:
            while time.monotonic() < deadline and not children(self.proc.pid):
                time.sleep(0.1)
            kids = children(self.proc.pid)
            if len(kids) != 1:
                raise RuntimeError(f"gunicorn has {len(kids)} workers, expected 1")
            self.pid = kids[0]

    def worker_restarted(self) -> bool:
        return self.server.gunicorn and children(self.proc.pid) != [self.pid]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own session, started above
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


class RunningOnZeo(Running):
    """One PirateChat process on a runzeo of its own (started first, stopped last)."""

    def __init__(self, server: Server, log_path: Path, tmp: Path, src: Path | None = None):
        from piratechat.cluster.processes import zeo_server

        folder = tempfile.mkdtemp(prefix="zeo-", dir=tmp)
        self.zeo = zeo_server(free_port(), folder).start()
        try:
            super().__init__(server, log_path, tmp, src, {
                "PIRATECHAT_ZODB_URI": f"zeo://127.0.0.1:{self.zeo.port}"})
        except BaseException:
            self.zeo.stop()
            raise

    @property
    def parts(self) -> dict[str, list[int]]:
        return {"worker": [self.pid], "zeo": [self.zeo.process.pid]}

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self.zeo.stop()


class RunningCluster(Running):
    """A local cluster (piratechat/cluster/local.py) as one server under test:
    ``proc`` is nginx, ``pid`` the first worker, ``parts`` every worker,
    nginx's worker, redis-server and runzeo."""

    def __init__(self, server: Server, log_path: Path, tmp: Path, src: Path | None = None):
        from piratechat.cluster.local import LocalCluster

        self.server = server
        self.log = open(log_path, "w")
        env = {**server.env(), **PIRATECHAT_ENV}
        if server.rev:
            src = snapshot_of(server.rev, tmp)
            # gunicorn puts its --chdir first on sys.path (else the work tree's)
            env.update(PYTHONPATH=str(src), GUNICORN_CMD_ARGS=f"--chdir {src}")
        self.cluster = LocalCluster(server.processes,
                                    tempfile.mkdtemp(prefix="cluster-", dir=tmp), env=env,
                                    **server.cluster_options)
        self.cluster.start()
        self.port = self.cluster.port
        # /metrics answers loopback only (metrics_addresses): behind nginx on Unix
        # sockets the process sees no address, so its own port is scraped.
        self.metrics_port = self.cluster.chats[0].port
        self.proc = self.cluster.nginx.process
        self.argv = ["piratechat", "cluster", "--processes", str(server.processes)] + (
            [f"# processes on git archive {server.rev}"] if server.rev else [])
        self.url = f"ws://127.0.0.1:{self.port}{server.path}"
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        self._parts = {}
        for number, chat in enumerate(self.cluster.chats, 1):
            while time.monotonic() < deadline and len(children(chat.process.pid)) != 1:
                time.sleep(0.1)
            self._parts[f"worker {number}"] = children(chat.process.pid)
        self._parts.update({"nginx": children(self.proc.pid),
                            "redis": [self.cluster.redis.process.pid],
                            "zeo": [self.cluster.zeo.process.pid]})
        self.pid = self._parts["worker 1"][0]

    @property
    def parts(self) -> dict[str, list[int]]:
        return self._parts

    def worker_restarted(self) -> bool:
        return False

    def stop(self) -> None:
        self.cluster.stop()
        self.log.write(self.cluster.logs(tail=None))
        self.log.close()
