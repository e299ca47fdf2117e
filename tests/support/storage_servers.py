"""Storage servers of a test's own, on free loopback ports: ZEO and PostgreSQL.

Fault tests stop and start these (never the machine's services). Each waits
for its server to answer, with a deadline, instead of sleeping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def _pg_bin() -> Path:
    """Debian's PostgreSQL server binaries (the newest installed), else those on PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda path: int(path.parent.parent.name) if path.parent.parent.name
                      .isdigit() else 0)
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
PG_USER = "postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, up: bool = True, timeout: float = 30) -> None:
    """Until a connection to ``port`` succeeds (``up``) or is refused (not ``up``)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                answered = True
        except OSError:
            answered = False
        if answered == up:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"port {port} did not go {'up' if up else 'down'}")
        time.sleep(0.05)


class ZEOServer:
    """``runzeo`` serving a FileStorage in a folder of its own."""

    def __init__(self, folder: str | None = None, port: int | None = None):
        self.folder = folder or tempfile.mkdtemp(prefix="piratechat-zeo-")
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"zeo://127.0.0.1:{self.port}"

    def start(self) -> ZEOServer:
        runzeo = Path(sys.executable).with_name("runzeo")
        self.process = subprocess.Popen(
            [str(runzeo), "-a", f"127.0.0.1:{self.port}", "-f",
             os.path.join(self.folder, "Data.fs")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                # seen once on a loaded CI machine: runzeo (traced by coverage) ignored
                # SIGTERM for 20 s; a killed FileStorage reopens cleanly, so kill it
                self.process.kill()
                self.process.wait()
        self.process = None
        wait_for_port(self.port, up=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres(*command: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the postgres user (initdb refuses root)."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", PG_USER, "--", *command)
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)


class PostgresServer:
    """A PostgreSQL cluster of its own (initdb), trust auth, on a free port."""

    def __init__(self, port: int | None = None):
        self.folder = tempfile.mkdtemp(prefix="piratechat-pg-")
        self.data = os.path.join(self.folder, "data")
        self.port = port or free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, PG_USER)
        _as_postgres(str(PG_BIN / "initdb"), "-D", self.data, "-U", PG_USER,
                     "--auth=trust", "-E", "UTF8", "--no-sync")

    def uri(self, database: str = "postgres") -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", self.data, "-w", "-t", "60",
                     "-l", os.path.join(self.folder, "log"),
                     "-o", f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=on",
                     "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", self.data, "-w", "-m", mode, "stop")
        wait_for_port(self.port, up=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def create_database(admin_uri: str, prefix: str = "piratechat_test") -> str:
    """A new, empty, uniquely named database on the server of ``admin_uri``; its name."""
    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(admin_uri.replace("postgres://", "postgresql://", 1))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return name


def drop_database(admin_uri: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(admin_uri.replace("postgres://", "postgresql://", 1))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def machine_postgres() -> str | None:
    """The machine's PostgreSQL (127.0.0.1:5432, user postgres) if it answers, else None."""
    uri = f"postgres://{PG_USER}@127.0.0.1:5432/postgres"
    try:
        import psycopg2

        psycopg2.connect(uri.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
    except Exception:
        return None
    return uri
