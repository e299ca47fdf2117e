"""What the bench ran on: cores, memory, kernel, and the versions of the software
under test (Python and npm packages), for the report."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
from importlib.metadata import version as dist_version
from pathlib import Path

from .servers import BENCH


def _output(*argv: str) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
    except OSError:
        return "?"


def _version(pkg: str) -> str:
    try:
        return dist_version(pkg)
    except Exception:
        return "?"


def _npm_version(pkg: str) -> str:
    try:
        return json.loads((BENCH / "node_modules" / pkg / "package.json").read_text())["version"]
    except OSError:
        return "?"


def machine() -> dict:
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": _output("node", "--version"),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
        "ip_local_port_range": Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split(),
        "packages": {
            "gunicorn": _version("gunicorn"),
            "gevent": _version("gevent"),
            "wsproto": _version("wsproto"),
            "websockets": _version("websockets"),
            "ws (npm)": _npm_version("ws"),
            "sockjs (npm)": _npm_version("sockjs"),
        },
    }
