"""The pieces of a cluster as child processes: start one, wait until its
port answers, stop it (politely, or with SIGKILL to play a crash)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import nginx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the process that started it
    dies (Linux), so a killed test run leaves no cluster behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Service:
    """One child process listening on ``port``; its output goes to ``log``."""

    def __init__(self, name: str, command: list[str], port: int, log: str,
                 env: dict | None = None):
        self.name, self.command, self.port, self.log = name, command, port, log
        self.env = dict(os.environ, **(env or {}))
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Service:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start on port {self.port}; "
                                   f"see {self.log}:\n" + self.output()[-3000:])
            time.sleep(0.05)  # polling for the port, bounded by the deadline
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def output(self) -> str:
        try:
            return Path(self.log).read_text(errors="replace")
        except OSError:
            return ""


def redis_server(port: int, folder: str) -> Service:
    return Service("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", folder],
                   port, os.path.join(folder, "redis.log"))


def zeo_server(port: int, folder: str) -> Service:
    """runzeo (ZEO's own server script) over a FileStorage in ``folder``."""
    runzeo = os.path.join(os.path.dirname(sys.executable), "runzeo")
    return Service("zeo", [runzeo, "-a", f"127.0.0.1:{port}", "-f",
                           os.path.join(folder, "Data.fs")],
                   port, os.path.join(folder, "zeo.log"))


def chat_process(port: int, folder: str, env: dict, ini: str = "production.ini",
                 unix: str = "", paste_globals: dict | None = None) -> Service:
    """One PirateChat process: gunicorn, one gevent worker, the ini's settings
    overridden by ``env`` (PIRATECHAT_ZODB_URI, PIRATECHAT_BROKER_URL, ...).
    ``unix``: a Unix socket's path it listens on too (besides ``port``);
    ``paste_globals``: the ini's ``%(name)s`` variables (site-chat.ini's site_url)."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    binds = ["--bind", f"127.0.0.1:{port}"] + (["--bind", f"unix:{unix}"] if unix else [])
    variables = [f"--paste-global={name}={value}"
                 for name, value in (paste_globals or {}).items()]
    return Service(f"piratechat:{port}",
                   [gunicorn, "--paste", str(ROOT / ini), *variables, *binds, "--workers", "1"],
                   port, os.path.join(folder, f"piratechat-{port}.log"), env)


def nginx_server(port: int, backends: list[int | str], folder: str, **options) -> Service:
    folder = os.path.join(folder, "nginx")
    return Service("nginx", nginx.command(port, backends, folder, **options), port,
                   os.path.join(folder, "nginx.out"))
