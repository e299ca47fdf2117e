"""The server's send system calls, counted by the kernel: `perf stat` on the
syscalls:sys_enter_* tracepoints of the measured process, over the send + drain phase.

gevent and asyncio send with sendto (socket.send); Node's libuv with write and
writev; sendmsg covers the rest. A write to a file (a log line, PirateChat's
history) counts too: a few per second against thousands of deliveries.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

SEND_CALLS = ("sendto", "sendmsg", "write", "writev")


def _events() -> str:
    return ",".join(f"syscalls:sys_enter_{name}" for name in SEND_CALLS)


def _parse(text: str) -> dict[str, int] | None:
    """perf stat -x, output: "COUNT,UNIT,EVENT,..." per event; None if one was not supported."""
    counts = {}
    for line in text.splitlines():
        parts = line.split(",")
        if len(parts) < 3 or not parts[2].startswith("syscalls:sys_enter_"):
            continue
        name = parts[2].removeprefix("syscalls:sys_enter_")
        if parts[0] == "<not supported>":
            return None
        counts[name] = int(parts[0]) if parts[0].isdigit() else 0  # <not counted>: never ran
    return counts if set(counts) == set(SEND_CALLS) else None


def unavailable() -> str | None:
    """Why the counts cannot be taken here (no perf, no tracepoints, no permission),
    or None when they can: counts the writes of one `echo`."""
    if not shutil.which("perf"):
        return "no perf on PATH"
    try:
        done = subprocess.run(
            ["perf", "stat", "-x,", "-e", _events(), "--", "echo"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"perf stat failed: {e}"
    counts = _parse(done.stderr)
    if done.returncode or not counts or not counts["write"]:
        return (
            "perf stat cannot count syscall tracepoints: "
            + (done.stderr.strip().splitlines() or ["?"])[-1][:200]
        )
    return None


class SyscallCounter:
    """`perf stat -p PID` from start until stop(); counts() then holds the totals."""

    def __init__(self, pid: int):
        self._out = Path(tempfile.mkstemp(prefix="perf-stat-", suffix=".csv")[1])
        self._proc = subprocess.Popen(
            ["perf", "stat", "-x,", "-o", str(self._out), "-e", _events(), "-p", str(pid)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> dict[str, int] | None:
        """Ends the count (SIGINT: perf writes its totals) and returns them."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        try:
            return _parse(self._out.read_text())
        except OSError:
            return None
        finally:
            self._out.unlink(missing_ok=True)
