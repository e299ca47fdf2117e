"""The connection benchmark's driver: PirateChat beside its peers.

For every cell of the matrix (scenario x N x server) it starts the server
fresh on a free 127.0.0.1 port, runs bench/loadgen.js against it, reads the
server's memory and CPU from /proc, stops the server, and finally writes
bench/results/<tag>.{json,md,png}. Everything is bounded: each run has a
deadline, and the generator has its own.

    python -m bench --quick                    # ~2 minutes, N=1000, one room
    python -m bench                            # the full matrix (~30 minutes)
    python -m bench --scenarios single --n 1000,5000,10000
    python -m bench --servers piratechat --n 10000 --profile --tag profile
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_N = 19_500  # every server is one process, and one process may open 20,000 files here

# Lifts PirateChat's per-connection rate limit for the bench's senders.
PIRATECHAT_ENV = {"PIRATECHAT_LINES_PER_SECOND": "1000", "PIRATECHAT_BURST": "1000"}


# ------------------------------------------------------------------ servers
@dataclass
class Server:
    """How to start one server under test, and where its chat endpoint is."""

    name: str
    label: str
    mode: str  # "raw" or "sockjs" (framed)
    path: str  # URL path of the endpoint
    gunicorn: bool = False

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
        if self.name.startswith("ws"):
            return ["node", str(BENCH / "peers" / "ws_server.js"), str(port)]
        if self.name.startswith("websockets"):
            return [sys.executable, str(BENCH / "peers" / "websockets_server.py"), str(port)]
        if self.name.startswith("sockjs"):
            return ["node", str(BENCH / "peers" / "sockjs_server.js"), str(port)]
        raise ValueError(self.name)

    def env(self) -> dict[str, str]:
        return dict(PIRATECHAT_ENV) if self.gunicorn else {}


SERVERS = {
    s.name: s
    for s in [
        Server(
            "piratechat",
            "PirateChat (gunicorn+gevent, raw WS)",
            "raw",
            "/sockjs/websocket",
            gunicorn=True,
        ),
        Server("ws", "Node ws", "raw", "/"),
        Server("websockets", "Python websockets", "raw", "/"),
        Server("sockjs", "sockjs-node (raw WS)", "raw", "/sockjs/websocket"),
        # The SockJS framed WebSocket transport (o, a[...], h), as browsers use it.
        Server(
            "piratechat-framed", "PirateChat (SockJS framed WS)", "sockjs", "/sockjs", gunicorn=True
        ),
        Server("sockjs-framed", "sockjs-node (SockJS framed WS)", "sockjs", "/sockjs"),
    ]
}
DEFAULT_SERVERS = ["piratechat", "ws", "websockets", "sockjs"]


# ---------------------------------------------------------------- scenarios
@dataclass
class Cell:
    """One run: a scenario at one N against one server."""

    scenario: str
    n: int
    rooms: int
    senders: int
    interval: float
    lines: int
    server: str = ""

    @property
    def offered_lines_per_second(self) -> float:
        return self.senders / self.interval

    @property
    def offered_deliveries_per_second(self) -> float:
        return self.offered_lines_per_second * self.n / self.rooms


def scenario_cells(args) -> list[Cell]:
    """The matrix, in run order."""
    cells = []
    lines = max(1, round(args.duration / args.interval))
    for scenario in args.scenarios:
        if scenario == "single":  # 1:N fan-out: everyone in one room
            for n in args.n:
                cells.append(Cell("single", n, 1, args.senders, args.interval, lines))
        elif scenario == "rooms":  # 100 rooms of N/100, each as busy as the single room
            for n in args.n:
                rooms = min(100, n)
                senders = rooms  # one sender per room, saying as many lines/s as
                interval = args.interval / args.senders  # all senders of the single room
                cells.append(
                    Cell(
                        "rooms",
                        n,
                        rooms,
                        senders,
                        interval,
                        max(1, round(args.duration / interval)),
                    )
                )
        elif scenario == "overload":  # one room, offered lines/s stepped up past every server
            for rate in args.overload_rates:
                senders = 20
                interval = senders / rate
                cells.append(
                    Cell(
                        "overload",
                        args.overload_n,
                        1,
                        senders,
                        interval,
                        max(1, round(args.overload_duration / interval)),
                    )
                )
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    return cells


# --------------------------------------------------------------------- /proc
def proc_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process, in seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def wait_quiet(threshold: float, max_wait: float) -> float:
    """Wait (at most max_wait s) until the machine is nearly idle before a run: other
    people's builds and tests share these 2 cores. Returns the last CPU % seen (of 200)."""
    deadline = time.monotonic() + max_wait
    while True:
        b0 = machine_busy()
        time.sleep(1.0)
        b1 = machine_busy()
        busy = 100 * os.cpu_count() * (b1[0] - b0[0]) / max(1, b1[1] - b0[1])
        if busy <= threshold or time.monotonic() >= deadline:
            return busy


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- a server run
class Running:
    """A started server process (and, for gunicorn, its one worker)."""

    def __init__(self, server: Server, log_path: Path, tmp: Path, src: Path | None = None):
        self.server = server
        self.port = free_port()
        ini = None
        cwd = REPO
        env = dict(os.environ, **server.env())
        if server.gunicorn:
            # A copy of production.ini in a temp dir: the same settings, but any
            # history file it names relative to %(here)s lands in the temp dir.
            # A fresh folder per run: each server starts with an empty history.
            here = Path(tempfile.mkdtemp(prefix=f"run-{self.port}-", dir=tmp))
            ini = here / "production.ini"
            shutil.copy((src or REPO) / "production.ini", ini)
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
    machine_cpu_percent: float | None = None
    background_cpu_percent: float | None = None  # the machine just before the run, bench idle
    worker_restarted: bool = False
    log_findings: list[str] = field(default_factory=list)
    server_command: str = ""
    loadgen_command: str = ""
    result: dict = field(default_factory=dict)

    @property
    def rss_per_conn_kb(self) -> float | None:
        est = self.result.get("established")
        if not est or self.rss_before_kb is None or self.rss_after_kb is None:
            return None
        return (self.rss_after_kb - self.rss_before_kb) / est

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "cell"}
        d["cell"] = dict(self.cell.__dict__)
        d["rss_per_conn_kb"] = self.rss_per_conn_kb
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


LOG_ALARMS = (
    "WORKER TIMEOUT",
    "Too many open files",
    "Traceback",
    "Error",
    "slow consumer",
    "Booting worker",
    "MemoryError",
)


def run_cell(cell: Cell, server: Server, args, tmp: Path) -> Row:
    row = Row(cell, server.name)
    stamp = f"{cell.scenario}-{cell.n}-{cell.senders}x{cell.interval:g}-{server.name}"
    log_path = RESULTS / "logs" / f"{args.tag}-{stamp}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    procs = args.procs or max(2, -(-cell.n // 15000))
    source_addrs = (
        args.source_addrs
        if args.source_addrs is not None
        else (0 if cell.n <= 25000 else -(-cell.n // 25000))
    )
    loadgen_argv = None
    row.background_cpu_percent = wait_quiet(args.quiet_threshold, args.quiet_wait)
    run = Running(server, log_path, tmp, args.piratechat_src)
    row.server_command = (
        shlex.join(run.argv) + "   # env: " + " ".join(f"{k}={v}" for k, v in server.env().items())
        if server.env()
        else shlex.join(run.argv)
    )
    gen = None
    profiler: list[subprocess.Popen] = []
    deadline = time.monotonic() + args.run_timeout
    try:
        run.wait_ready()
        time.sleep(1.0)
        row.rss_before_kb = proc_rss_kb(run.pid)
        loadgen_argv = [
            "node",
            str(BENCH / "loadgen.js"),
            "--url",
            run.url,
            "--mode",
            server.mode,
            "--n",
            str(cell.n),
            "--rooms",
            str(cell.rooms),
            "--senders",
            str(cell.senders),
            "--interval",
            f"{cell.interval:g}",
            "--lines",
            str(cell.lines),
            "--procs",
            str(procs),
            "--source-addrs",
            str(source_addrs),
            "--drain-timeout",
            str(args.drain_timeout),
            "--drain-idle",
            "5",
            "--max-seconds",
            str(args.run_timeout),
            "--wait-go",
        ]
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
                print(
                    f"    connected {ev['established']}/{ev['attempted']} in "
                    f"{ev['seconds']:.1f}s"
                    + (f", failures {ev['failReasons']}" if ev["failed"] else ""),
                    flush=True,
                )
                time.sleep(args.settle + cell.n / 10000)
                row.rss_after_kb = proc_rss_kb(run.pid)
                cpu0, busy0, t0 = proc_cpu_seconds(run.pid), machine_busy(), time.monotonic()
                if args.profile and server.gunicorn:
                    profiler = start_profiler(run.pid, cell, args)
                gen.stdin.write("go\n")
                gen.stdin.flush()
            elif kind == "drained":
                cpu1, busy1, t1 = proc_cpu_seconds(run.pid), machine_busy(), time.monotonic()
                if cpu0 is not None and cpu1 is not None:
                    row.server_cpu_seconds = cpu1 - cpu0
                    row.server_cpu_percent = 100 * (cpu1 - cpu0) / (t1 - t0)
                db, dt = busy1[0] - busy0[0], busy1[1] - busy0[1]
                row.machine_cpu_percent = 100 * os.cpu_count() * db / dt if dt else None
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
        for p in profiler:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        if gen is not None and gen.poll() is None:
            try:
                gen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(gen.pid, signal.SIGKILL)
                gen.wait(5)
        run.stop()
    text = log_path.read_text(errors="replace")
    for alarm in LOG_ALARMS:
        count = text.count(alarm)
        if alarm == "Booting worker":
            count -= 1  # the first boot is expected
        if count > 0:
            row.log_findings.append(f"{alarm} x{count}")
    return row


def start_profiler(pid: int, cell: Cell, args) -> list[subprocess.Popen]:
    """py-spy on the gunicorn worker for the send phase: a flame graph and raw stacks."""
    spy = VENV_BIN / "py-spy"
    seconds = str(int(cell.lines * cell.interval + 2))
    base = RESULTS / f"profile-{cell.scenario}-{cell.n}"
    common = ["--pid", str(pid), "--duration", seconds, "--rate", "250", "--nonblocking"]
    return [
        subprocess.Popen(
            [str(spy), "record", "-o", str(RESULTS / "profile.svg"), *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [str(spy), "record", "--format", "raw", "--idle", "-o", f"{base}.txt", *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]


# ------------------------------------------------------------------ machine
def machine() -> dict:
    def run(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
        except OSError:
            return "?"

    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )

    def version(pkg):
        try:
            from importlib.metadata import version as v

            return v(pkg)
        except Exception:
            return "?"

    def npm_version(pkg):
        try:
            return json.loads((BENCH / "node_modules" / pkg / "package.json").read_text())[
                "version"
            ]
        except OSError:
            return "?"

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": run("node", "--version"),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
        "ip_local_port_range": Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split(),
        "packages": {
            "gunicorn": version("gunicorn"),
            "gevent": version("gevent"),
            "wsproto": version("wsproto"),
            "websockets": version("websockets"),
            "ws (npm)": npm_version("ws"),
            "sockjs (npm)": npm_version("sockjs"),
        },
    }


def snapshot(rev: str, dest: Path) -> Path:
    """The repository's files at rev, unpacked into dest (git archive: reads only)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def source_description(rev: str | None) -> str:
    """Which PirateChat code ran: a revision, or the work tree and how it differs from HEAD."""

    def git(*argv):
        return subprocess.run(
            ["git", "-C", str(REPO), *argv], capture_output=True, text=True
        ).stdout.strip()

    if rev:
        return f"git archive {rev} ({git('rev-parse', '--short', rev)})"
    dirty = git("status", "--short", "--", "piratechat", "production.ini", "gunicorn.conf.py")
    changed = len(dirty.splitlines())
    return f"work tree at {git('rev-parse', '--short', 'HEAD')}" + (
        f" with {changed} uncommitted file(s) under piratechat/" if changed else ""
    )


def piratechat_settings(src: Path | None) -> dict:
    """The chat's settings as the bench runs it (defaults + PIRATECHAT_* env), read by
    the same code the server runs; the field names tell which knobs exist (history...)."""
    code = (
        "import json, dataclasses, os; from piratechat.settings import Settings, parse; "
        "s = parse({}); print(json.dumps({f.name: repr(getattr(s, f.name)) "
        "for f in dataclasses.fields(Settings)}))"
    )
    env = dict(os.environ, **PIRATECHAT_ENV)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=src or REPO,
        timeout=60,
    )
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}


# --------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: N=1000, one room, 12 s per server (~2 minutes)",
    )
    p.add_argument(
        "--servers",
        default=",".join(DEFAULT_SERVERS),
        help=f"comma list from {','.join(SERVERS)} (default %(default)s)",
    )
    p.add_argument(
        "--framed",
        action="store_true",
        help="also run the SockJS framed WebSocket transport (piratechat-framed, sockjs-framed)",
    )
    p.add_argument(
        "--scenarios",
        default="single,rooms,overload",
        help="comma list from single, rooms, overload (default %(default)s)",
    )
    p.add_argument(
        "--n", default=f"1000,5000,10000,{MAX_N}", help="connection counts (default %(default)s)"
    )
    p.add_argument(
        "--senders", type=int, default=10, help="senders in the single room (default 10)"
    )
    p.add_argument(
        "--interval", type=float, default=2.0, help="seconds between one sender's lines (default 2)"
    )
    p.add_argument(
        "--duration", type=float, default=20.0, help="seconds of sending per run (default 20)"
    )
    p.add_argument("--overload-n", type=int, default=1000)
    p.add_argument(
        "--overload-rates",
        default="100,200,400",
        help="offered lines/s into the one room, stepped (default %(default)s)",
    )
    p.add_argument("--overload-duration", type=float, default=10.0)
    p.add_argument(
        "--procs", type=int, default=0, help="generator processes (default: max(2, N/15000))"
    )
    p.add_argument(
        "--source-addrs",
        type=int,
        default=None,
        help="spread clients over 127.0.0.2..(A+1) (default: only past 25,000 connections)",
    )
    p.add_argument("--settle", type=float, default=2.0, help="idle seconds before reading RSS")
    p.add_argument("--drain-timeout", type=float, default=60.0)
    p.add_argument(
        "--run-timeout", type=float, default=300.0, help="hard limit of one run, seconds"
    )
    p.add_argument(
        "--quiet-threshold",
        type=float,
        default=20.0,
        help="before each run wait until other processes use at most this CPU %% (of 200)",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="...but wait at most this many seconds (default %(default)s)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="py-spy the PirateChat worker during the send phase (results/profile*)",
    )
    p.add_argument(
        "--piratechat-rev",
        default=None,
        help="run PirateChat from `git archive REV` (e.g. HEAD) instead of the work tree",
    )
    p.add_argument("--tag", default="latest", help="results/<tag>.{md,json,png} (default latest)")
    args = p.parse_args(argv)
    args.servers = [s for s in args.servers.split(",") if s]
    if args.framed:
        args.servers += [s for s in ("piratechat-framed", "sockjs-framed") if s not in args.servers]
    for s in args.servers:
        if s not in SERVERS:
            p.error(f"unknown server {s!r}")
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.n = [min(int(x), MAX_N) if x != "max" else MAX_N for x in args.n.split(",") if x]
    args.overload_rates = [float(x) for x in args.overload_rates.split(",") if x]
    if args.quick:
        args.scenarios, args.n, args.duration = ["single"], [1000], 12.0
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # ulimit -n as high as allowed
    if not (BENCH / "node_modules" / "ws").is_dir():
        raise SystemExit(
            "bench/node_modules is missing: run `cd bench && npm ci` (make bench does)"
        )
    RESULTS.mkdir(exist_ok=True)
    cells = scenario_cells(args)
    info = {
        "machine": machine(),
        "argv": ["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)],
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    print(
        f"bench: {len(cells)} cells x {len(args.servers)} servers; machine {info['machine']}",
        flush=True,
    )
    rows: list[Row] = []
    out_json = RESULTS / f"{args.tag}.json"
    with tempfile.TemporaryDirectory(prefix="piratechat-bench-") as tmp:
        args.piratechat_src = None
        if args.piratechat_rev:
            args.piratechat_src = snapshot(args.piratechat_rev, Path(tmp) / "src")
        info["piratechat_source"] = source_description(args.piratechat_rev)
        info["piratechat_settings"] = piratechat_settings(args.piratechat_src)
        print(
            f"bench: PirateChat from {info['piratechat_source']}, settings "
            f"{info['piratechat_settings']}",
            flush=True,
        )
        for cell in cells:
            for name in args.servers:
                server = SERVERS[name]
                print(
                    f"[{len(rows) + 1}/{len(cells) * len(args.servers)}] "
                    f"{cell.scenario} N={cell.n} "
                    f"rooms={cell.rooms} {cell.senders}x every {cell.interval:g}s "
                    f"({cell.offered_deliveries_per_second:,.0f} deliveries/s offered) "
                    f"-> {name}",
                    flush=True,
                )
                row = run_cell(cell, server, args, Path(tmp))
                rows.append(row)
                print("    " + summary(row), flush=True)
                out_json.write_text(
                    json.dumps({"info": info, "rows": [r.to_json() for r in rows]}, indent=1)
                )
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    out_json.write_text(json.dumps({"info": info, "rows": [r.to_json() for r in rows]}, indent=1))
    from .report import write_report

    md, png = write_report(out_json)
    print(f"bench: wrote {md}, {png}, {out_json}", flush=True)
    return 0


def summary(row: Row) -> str:
    if not row.ok:
        return f"FAILED: {row.error}"
    r = row.result
    lat = r["latencyMs"]
    per = row.rss_per_conn_kb
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
            + (f", log: {row.log_findings}" if row.log_findings else "")
            + (" WORKER RESTARTED" if row.worker_restarted else "")
        )
    )
