"""One run of the matrix: one server started fresh, the load generator against it,
the generator's events read as they come, the server measured from /proc (and perf),
the server stopped. The result is a Row."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .cells import Cell
from .procfs import (
    busy_percent,
    machine_busy,
    proc_cpu_seconds,
    proc_environ,
    proc_rss_kb,
    proc_status_kb,
    wait_quiet,
)
from .servers import BENCH, VENV_BIN, Running, Server
from .syscalls import SyscallCounter

RESULTS = BENCH / "results"

LOG_ALARMS = (
    "WORKER TIMEOUT",
    "Too many open files",
    "Traceback",
    "Error",
    "slow consumer",
    "Booting worker",
    "MemoryError",
    "publishing failed",  # the Redis broker dropped a batch (cluster)
    "failed (",  # a presence call failed (cluster)
)


@dataclass
class Row:
    cell: Cell
    server: str
    ok: bool = True
    error: str = ""
    rss_before_kb: int | None = None
    rss_after_kb: int | None = None
    rss_end_kb: int | None = None
    hwm_kb: int | None = None
    server_cpu_percent: float | None = None
    server_cpu_seconds: float | None = None
    server_cpu_parts: dict = field(default_factory=dict)  # part -> CPU seconds (cluster, ZEO)
    machine_cpu_percent: float | None = None
    background_cpu_percent: float | None = None  # the machine just before the run, bench idle
    worker_restarted: bool = False
    log_findings: list[str] = field(default_factory=list)
    server_command: str = ""
    server_env: dict = field(default_factory=dict)  # what the bench set for the server
    worker_env: dict = field(default_factory=dict)  # PIRATECHAT_* in the measured process
    syscalls: dict | None = None  # send syscalls of the measured process, send + drain phase
    gc: dict | None = None  # PirateChat's full GC passes in the send + drain phase (heap.py)
    join_cpu_seconds: float | None = None  # server CPU from the first connect to the last joined
    join_seconds: float | None = None  # wall time of the same (the generator's)
    join_gc: dict | None = None  # PirateChat's full GC passes in the same (heap.py)
    loadgen_command: str = ""
    result: dict = field(default_factory=dict)

    @property
    def rss_per_conn_kb(self) -> float | None:
        est = self.result.get("established")
        if not est or self.rss_before_kb is None or self.rss_after_kb is None:
            return None
        return (self.rss_after_kb - self.rss_before_kb) / est

    def per_line(self, count: float | None) -> float | None:
        """count / unique deliveries (a line delivered to one member)."""
        delivered = self.result.get("delivered")
        return count / delivered if count is not None and delivered else None

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "cell"}
        d["cell"] = dict(self.cell.__dict__)
        d["rss_per_conn_kb"] = self.rss_per_conn_kb
        transport = self.result.get("transport") or {}
        d["reads_per_line"] = self.per_line(transport.get("reads"))
        d["frames_per_line"] = self.per_line(transport.get("lineFrames"))
        d["send_syscalls_per_line"] = self.per_line(
            sum(self.syscalls.values()) if self.syscalls else None
        )
        return d


def read_events(stream, out: queue.Queue) -> None:
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            out.put(json.loads(line))
        except ValueError:
            out.put({"event": "noise", "line": line})
    out.put({"event": "eof"})


def loadgen_command(url: str, mode: str, cell: Cell, args) -> list[str]:
    procs = args.procs or max(2, -(-cell.n // 15000))
    source_addrs = (
        args.source_addrs
        if args.source_addrs is not None
        else (0 if cell.n <= 25000 else -(-cell.n // 25000))
    )
    options = {
        "url": url,
        "mode": mode,
        "n": cell.n,
        "rooms": cell.rooms,
        "senders": cell.senders,
        "interval": f"{cell.interval:g}",
        "lines": cell.lines,
        "procs": procs,
        "source-addrs": source_addrs,
        "drain-timeout": args.drain_timeout,
        "drain-idle": 5,
        "max-seconds": args.run_timeout,
    }
    if cell.read_as:
        options["read-as"] = cell.read_as
    argv = ["node", str(BENCH / "loadgen.js")]
    for name, value in options.items():
        argv += [f"--{name}", str(value)]
    return [*argv, "--wait-go"]


def cpu_parts(run: Running) -> dict[str, float | None]:
    """CPU time of each part of the server (a cluster has several)."""
    parts = {}
    for name, pids in run.parts.items():
        times = [proc_cpu_seconds(pid) for pid in pids]
        parts[name] = None if None in times else sum(times)
    return parts


def cpu_seconds(parts: dict[str, float | None]) -> float | None:
    return None if None in parts.values() else sum(parts.values())


def run_cell(cell: Cell, server: Server, args, tmp: Path) -> Row:
    row = Row(cell, server.name)
    stamp = f"{cell.scenario}-{cell.n}-{cell.senders}x{cell.interval:g}-{server.name}"
    log_path = RESULTS / "logs" / f"{args.tag}-{stamp}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    row.background_cpu_percent = wait_quiet(args.quiet_threshold, args.quiet_wait)
    run = Running(server, log_path, tmp, args.piratechat_src)
    row.server_env = server.env()
    row.server_command = shlex.join(run.argv) + (
        "   # env: " + " ".join(f"{k}={v}" for k, v in row.server_env.items())
        if row.server_env
        else ""
    )
    gen = None
    profiler: list[subprocess.Popen] = []
    counter: SyscallCounter | None = None
    deadline = time.monotonic() + args.run_timeout
    try:
        run.wait_ready()
        row.worker_env = proc_environ(run.pid, "PIRATECHAT_")
        time.sleep(1.0)
        row.rss_before_kb = proc_rss_kb(run.pid)
        join_cpu0 = cpu_seconds(cpu_parts(run))
        join_gc0 = gc_passes(run.metrics_port) if server.name.startswith("piratechat") else None
        if getattr(args, "profile_joins", False) and server.gunicorn:
            profiler = [join_profiler(run.pid, cell)]
        loadgen_argv = loadgen_command(run.url, server.mode, cell, args)
        row.loadgen_command = shlex.join(loadgen_argv)
        gen = subprocess.Popen(
            loadgen_argv,
            cwd=BENCH,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
            start_new_session=True,
        )
        events: queue.Queue = queue.Queue()
        threading.Thread(target=read_events, args=(gen.stdout, events), daemon=True).start()
        cpu0 = busy0 = t0 = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("run timed out")
            try:
                ev = events.get(timeout=min(left, 5))
            except queue.Empty:
                if run.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {run.proc.returncode}") from None
                continue
            kind = ev.get("event")
            if kind == "connected":
                join_cpu1 = cpu_seconds(cpu_parts(run))
                if join_cpu0 is not None and join_cpu1 is not None:
                    row.join_cpu_seconds = join_cpu1 - join_cpu0
                row.join_seconds = ev["seconds"]
                join_gc1 = gc_passes(run.metrics_port) if join_gc0 else None
                if join_gc0 and join_gc1:
                    row.join_gc = {"passes": join_gc1[0] - join_gc0[0],
                                   "seconds": join_gc1[1] - join_gc0[1],
                                   "longest_ms": 1000 * join_gc1[2],
                                   "most_cpu_ms": None if join_gc1[3] is None
                                   else 1000 * join_gc1[3]}
                for p in profiler:  # py-spy writes what it has on SIGINT
                    p.send_signal(signal.SIGINT)
                    p.wait(timeout=60)
                profiler = []
                print(
                    f"    connected {ev['established']}/{ev['attempted']} in "
                    f"{ev['seconds']:.1f}s"
                    + (f", failures {ev['failReasons']}" if ev["failed"] else "")
                    + (f", server CPU {row.join_cpu_seconds:.2f}s"
                       if row.join_cpu_seconds is not None else "")
                    + (f", {row.join_gc['passes']:.0f} full GC passes "
                       f"({1000 * row.join_gc['seconds']:.0f} ms, longest so far "
                       f"{row.join_gc['longest_ms']:.0f} ms)" if row.join_gc else ""),
                    flush=True,
                )
                if ev["failed"]:  # refused or failed clients: no figures for fewer members
                    raise RuntimeError(f"{ev['failed']} of {ev['attempted']} connections failed: "
                                       f"{ev['failReasons']}")
                time.sleep(args.settle + cell.n / 10000)
                row.rss_after_kb = proc_rss_kb(run.pid)
                if args.syscalls:  # attaches within the generator's 0.5 s start delay
                    counter = SyscallCounter(run.pid)
                gc0 = gc_passes(run.metrics_port) if server.name.startswith("piratechat") else None
                parts0, busy0, t0 = cpu_parts(run), machine_busy(), time.monotonic()
                cpu0 = cpu_seconds(parts0)
                if args.profile and server.gunicorn:
                    profiler = start_profiler(run.pid, cell, args)
                gen.stdin.write("go\n")
                gen.stdin.flush()
            elif kind == "drained":
                parts1, busy1, t1 = cpu_parts(run), machine_busy(), time.monotonic()
                cpu1 = cpu_seconds(parts1)
                if counter is not None:
                    row.syscalls = counter.stop()
                if cpu0 is not None and cpu1 is not None:
                    row.server_cpu_seconds = cpu1 - cpu0
                    row.server_cpu_percent = 100 * (cpu1 - cpu0) / (t1 - t0)
                    row.server_cpu_parts = {name: round(parts1[name] - parts0[name], 3)
                                            for name in parts0}
                row.machine_cpu_percent = busy_percent(busy0, busy1)
                gc1 = gc_passes(run.metrics_port) if gc0 else None
                if gc0 and gc1:
                    row.gc = {"passes": gc1[0] - gc0[0], "seconds": gc1[1] - gc0[1],
                              "longest_ms": 1000 * gc1[2],
                              "most_cpu_ms": None if gc1[3] is None else 1000 * gc1[3]}
                row.rss_end_kb = proc_rss_kb(run.pid)
                row.hwm_kb = proc_status_kb(run.pid, "VmHWM")
            elif kind == "result":
                row.result = ev
                break
            elif kind == "error":
                raise RuntimeError(f"loadgen: {ev.get('message')}")
            elif kind == "eof":
                raise RuntimeError("loadgen ended without a result")
        row.worker_restarted = run.worker_restarted()
    except Exception as e:  # a failed run is a result too
        row.ok = False
        row.error = str(e).splitlines()[0][:300]
    finally:
        if counter is not None:
            counter.stop()  # a run that failed before "drained"
        for p in profiler:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        if gen is not None and gen.poll() is None and not row.ok:
            os.killpg(gen.pid, signal.SIGKILL)  # e.g. waiting for "go" after refused clients
            gen.wait(5)
        if gen is not None and gen.poll() is None:
            try:
                gen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(gen.pid, signal.SIGKILL)
                gen.wait(5)
        run.stop()
    row.log_findings = log_findings(log_path.read_text(errors="replace"), max(1, server.processes))
    return row


def gc_passes(port: int) -> tuple[float, float, float, float | None] | None:
    """PirateChat's full GC passes so far, their seconds, the longest and the most
    CPU one took (/metrics, heap.py; None: this PirateChat does not say); None if it
    does not say. In a cluster: its first process's."""
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                      timeout=5).read().decode()
    except OSError:
        return None
    found = dict(line.rsplit(" ", 1) for line in text.splitlines()
                 if line.startswith("piratechat_gc_full_pass"))
    try:
        cpu = found.get("piratechat_gc_full_pass_max_cpu_seconds")
        return (float(found["piratechat_gc_full_passes_total"]),
                float(found["piratechat_gc_full_pass_seconds_total"]),
                float(found["piratechat_gc_full_pass_max_seconds"]),
                None if cpu is None else float(cpu))
    except (KeyError, ValueError):
        return None


def log_findings(text: str, boots: int = 1) -> list[str]:
    """The alarms in a server's output, counted ("WORKER TIMEOUT x2"); ``boots``:
    the workers that boot once each (a cluster's processes)."""
    found = []
    for alarm in LOG_ALARMS:
        count = text.count(alarm)
        if alarm == "Booting worker":
            count -= boots  # the first boot of each is expected
        if count > 0:
            found.append(f"{alarm} x{count}")
    return found


def start_profiler(pid: int, cell: Cell, args) -> list[subprocess.Popen]:
    """py-spy on the gunicorn worker for the send phase: a flame graph and raw stacks."""
    spy = VENV_BIN / "py-spy"
    seconds = str(int(cell.lines * cell.interval + 2))
    base = RESULTS / f"profile-{cell.scenario}-{cell.n}"
    common = ["--pid", str(pid), "--duration", seconds, "--rate", "250", "--nonblocking"]
    return [
        subprocess.Popen(
            [str(spy), "record", *output, *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for output in (
            ["-o", str(RESULTS / "profile.svg")],
            ["--format", "raw", "--idle", "-o", f"{base}.txt"],
        )
    ]


def join_profiler(pid: int, cell: Cell) -> subprocess.Popen:
    """py-spy on the gunicorn worker from the first connect to the last joined
    (raw stacks, results/profile-joins-N.txt; stopped with SIGINT)."""
    return subprocess.Popen(
        [str(VENV_BIN / "py-spy"), "record", "--format", "raw", "--pid", str(pid),
         "--rate", "250", "--nonblocking", "--duration", "600",
         "-o", str(RESULTS / f"profile-joins-{cell.n}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _per_line(x: float | None, what: str) -> str:
    return f", {x:.2f} {what}/line" if x is not None else ""


def summary(row: Row) -> str:
    """One line for the console."""
    if not row.ok:
        return f"FAILED: {row.error}"
    r = row.result
    lat = r["latencyMs"]
    per = row.rss_per_conn_kb
    numbers = row.to_json()
    return (
        f"ok {r['established']}/{r['attempted']}, "
        + (f"{per:.1f} KB/conn, " if per is not None else "")
        + (
            f"{r['deliveredPerSecond']:,.0f} deliveries/s, p50 {lat['p50']} p99 {lat['p99']} "
            f"max {lat['max'] and round(lat['max'], 1)} ms, lost {r['lost']} dup {r['duplicated']} "
            f"misrouted {r['misrouted']}, server CPU {row.server_cpu_percent or 0:.0f}%, "
            f"generator CPU {r['generator']['totalCpuPercent']:.0f}% "
            f"(per proc {', '.join(f'{x:.0f}' for x in r['generator']['workerCpuPercent'])}), "
            f"machine {row.machine_cpu_percent or 0:.0f}%"
            + _per_line(numbers["reads_per_line"], "reads")
            + _per_line(numbers["frames_per_line"], "frames")
            + _per_line(numbers["send_syscalls_per_line"], "send syscalls")
            + (f", {row.gc['passes']:.0f} full GC passes ({1000 * row.gc['seconds']:.0f} ms; "
               f"longest so far {row.gc['longest_ms']:.0f} ms"
               + (f", {row.gc['most_cpu_ms']:.0f} ms CPU" if row.gc["most_cpu_ms"] is not None
                  else "") + ")" if row.gc else "")
            + (f", log: {row.log_findings}" if row.log_findings else "")
            + (" WORKER RESTARTED" if row.worker_restarted else "")
        )
    )
