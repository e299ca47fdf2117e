"""What /proc says about a process (memory, CPU, children, environment) and about
the whole machine (busy or quiet)."""

from __future__ import annotations

import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_status_kb(pid: int, key: str) -> int | None:
    """One "key: N kB" line of /proc/PID/status (VmRSS, VmHWM...), in KB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_rss_kb(pid: int) -> int | None:
    return proc_status_kb(pid, "VmRSS")


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process, in seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat


def proc_environ(pid: int, prefix: str = "") -> dict[str, str]:
    """The environment a process runs with (its variables starting with prefix)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {k: v for k, _, v in pairs if k.startswith(prefix)}


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def busy_percent(before: tuple[float, float], after: tuple[float, float]) -> float | None:
    """CPU % of the whole machine between two machine_busy() readings (of 100 x cores)."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return 100 * os.cpu_count() * busy / total if total else None


def wait_quiet(threshold: float, max_wait: float) -> float:
    """Wait (at most max_wait s) until the machine is nearly idle before a run: other
    people's builds and tests share these 2 cores. Returns the last CPU % seen (of 200)."""
    deadline = time.monotonic() + max_wait
    while True:
        b0 = machine_busy()
        time.sleep(1.0)
        busy = busy_percent(b0, machine_busy()) or 0.0
        if busy <= threshold or time.monotonic() >= deadline:
            return busy
