"""A real PirateChat server on a free loopback port, in its own process."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The limits of issue 13, set high for tests and benchmarks: their clients all
#: come from 127.0.0.1 and would otherwise be throttled as one address. Tests
#: of the limits set their own.
HIGH_LIMITS = {
    "PIRATECHAT_ADDRESS_CONNECTIONS": "100000",
    "PIRATECHAT_ADDRESS_LINES_PER_SECOND": "100000",
    "PIRATECHAT_ADDRESS_BURST": "100000",
    "PIRATECHAT_ROOMS_PER_MINUTE": "1000000",
    "PIRATECHAT_ROOMS_BURST": "100000",
    "PIRATECHAT_ROOM_LINES_PER_SECOND": "100000",
    "PIRATECHAT_ROOM_BURST": "100000",
    "PIRATECHAT_TRANSLATION_SHARE": "1000",
    "PIRATECHAT_ROOM_TRANSLATIONS": "100000",
    "PIRATECHAT_TRANSLATOR_CHANGES_PER_MINUTE": "1000000",
    "PIRATECHAT_PROCESS_TRANSLATION_SHARE": "1000",
    "PIRATECHAT_WRONG_KEYS_PER_MINUTE": "1000000",
    "PIRATECHAT_READ_BYTES_PER_SECOND": "1000000000",
    "PIRATECHAT_READ_BURST": "1000000000",
    "PIRATECHAT_JOINS_PER_MINUTE": "1000000",
    "PIRATECHAT_JOINS_BURST": "100000",
}


class LiveServer:
    """Runs ``piratechat serve`` (or any command printing its URL: ``pattern``
    finds it, e.g. gunicorn's ``r"Listening at: (http://\\S+)"``)."""

    def __init__(
        self,
        ini: str = "development.ini",
        env: dict | None = None,
        command=None,
        pattern: str = r"Serving on (http://\S+)",
        cwd: str | Path = ROOT,
    ):
        self.command = command or [
            sys.executable, "-m", "piratechat.cli", "serve",
            "--ini", str(ROOT / ini), "--host", "127.0.0.1", "--port", "0",
        ]
        self.env = {**os.environ, **HIGH_LIMITS, **(env or {})}
        if "PIRATECHAT_ZODB_URI" not in (env or {}):
            # Each server keeps its lines in its own throwaway database.
            scratch = tempfile.mkdtemp(prefix="piratechat-server-")
            atexit.register(shutil.rmtree, scratch, True)
            self.env["PIRATECHAT_ZODB_URI"] = f"file://{scratch}/Data.fs"
        self.pattern = pattern
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self, timeout: float = 30) -> str:
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, text=True,
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
