"""Soak and churn of one `piratechat serve` process (issue 13, "Measured").

    .venv/bin/python -m bench.soak soak --n 10000 --minutes 10
    .venv/bin/python -m bench.soak churn --cycles 100000
    .venv/bin/python -m bench.soak cycles --cycles 60000 [--probe]

``soak``: N raw-WebSocket clients (bench/loadgen.js) in one room each of
``--rooms``, ``--senders`` of them saying a line every ``--interval`` s for
``--minutes``; the server's RSS is sampled every 10 s. ``churn``: ``--cycles``
connect/join/disconnect cycles (``--parallel`` at once), then the server's
open file descriptors and RSS against the baseline taken before (after the
server settles: disconnects are noticed, sessions reaped). ``cycles``: the
memory check of issue 25 (see ``cycles``); it exits 1 if memory did not come
back or a client failed. Prints Markdown;
the results go to bench/results/soak.md by hand, with the command.
The server's limits are set here, explicitly (rates high enough for the load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.procfs import proc_rss_kb
from tests.support.server import LiveServer

ROOT = Path(__file__).resolve().parents[1]


def start_server(probe: Path | None = None, trace: bool = False, query: str = "") -> LiveServer:
    """One ``piratechat serve`` with development.ini; ``probe``: run through
    bench/memprobe.py, answering in that folder (``trace``: with tracemalloc);
    ``query``: zodburi options for its database's URI (``connection_cache_size_bytes=1MB``)."""
    scratch = tempfile.mkdtemp(prefix="piratechat-soak-")
    command = None
    if probe is not None:
        command = [sys.executable, "-m", "bench.memprobe", str(probe),
                   *(["--tracemalloc"] if trace else []), "--", "serve", "--ini",
                   str(ROOT / "development.ini"), "--host", "127.0.0.1", "--port", "0"]
    uri = f"file://{scratch}/Data.fs" + (f"?{query}" if query else "")
    server = LiveServer(command=command, env={"PIRATECHAT_ZODB_URI": uri,
                             "PIRATECHAT_LINES_PER_SECOND": "100", "PIRATECHAT_BURST": "100",
                             "PIRATECHAT_DISCONNECT_DELAY": "1"})
    server.start(timeout=60)
    return server


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def soak(args) -> int:
    server = start_server()
    pid = server.process.pid
    samples: list[tuple[float, int, int]] = []
    stop = threading.Event()

    def sample():
        started = time.monotonic()
        while not stop.is_set():
            samples.append((time.monotonic() - started, proc_rss_kb(pid) or 0, fds(pid)))
            stop.wait(10)

    lines = max(1, int(args.minutes * 60 / args.interval))
    ws = server.url.replace("http", "ws", 1) + "/sockjs/websocket"
    command = ["node", str(ROOT / "bench" / "loadgen.js"), "--url", ws, "--n", str(args.n),
               "--rooms", str(args.rooms), "--senders", str(args.senders), "--interval",
               str(args.interval), "--lines", str(lines), "--procs", "2",
               "--max-seconds", str(args.minutes * 60 + 300)]
    threading.Thread(target=sample, daemon=True).start()
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=args.minutes * 60 + 400)
    finally:
        stop.set()
        server.stop()
    result = [json.loads(line) for line in done.stdout.splitlines() if '"result"' in line]
    short = refused(result[0] if result else None)
    if short:  # figures for fewer clients than asked, or none at all: no figures
        print(f"FAILED: {short}\n\nloadgen said:\n```\n" + done.stdout[-2000:]
              + done.stderr[-2000:] + "\n```")
        return 1
    r = result[0]
    print(f"## Soak: {args.n} connections, {args.senders} senders, a line each every "
          f"{args.interval} s, {args.minutes} min\n")
    print("| t (s) | RSS (MB) | open fds |\n| ---: | ---: | ---: |")
    for t, rss, fd in samples:
        print(f"| {t:.0f} | {rss / 1024:.1f} | {fd} |")
    keys = ["established", "failed", "linesSent", "delivered", "expected", "lost", "duplicated"]
    print("\nloadgen: " + ", ".join(f"{k} {r.get(k)}" for k in keys if k in r))
    print(f"latency (ms): {r['latencyMs']}")
    return 0


def refused(result: dict | None) -> str:
    """Why a load generator's result is not for the load asked for ('' if it is):
    refused or failed clients (the per-address limits are lifted, LiveServer's
    HIGH_LIMITS, so any is a failure), clients closed during the run, lost lines."""
    if result is None:
        return "the load generator gave no result"
    if result.get("failed") or result.get("closedDuringRun") or result.get("lost"):
        return (f"{result.get('failed')} of {result.get('attempted')} connections failed "
                f"({result.get('failReasons')}), {result.get('closedDuringRun')} closed during "
                f"the run, {result.get('lost')} lines lost")
    return ""


def churn(args) -> int:
    from gevent import monkey

    monkey.patch_all()
    import gevent.pool
    import websocket

    server = start_server()
    pid = server.process.pid
    ws = server.url.replace("http", "ws", 1) + "/sockjs/websocket"

    def cycle(n: int) -> bool:
        try:
            conn = websocket.create_connection(ws, timeout=30)
            conn.send(json.dumps({"type": "join", "name": f"c{n}", "room": f"churn-{n % 50}"}))
            conn.recv()
            conn.close()
            return True
        except Exception:
            return False

    def settle() -> None:
        """Wait (bounded) until the server's fds stop changing."""
        last, deadline = fds(pid), time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(2)
            now = fds(pid)
            if now == last:
                return
            last = now

    for n in range(200):  # warm up: imports, caches, the lobby of each room
        cycle(n)
    settle()
    base_fds, base_rss = fds(pid), proc_rss_kb(pid)
    print(f"## Churn: {args.cycles} connect/join/disconnect cycles in {args.rounds} rounds, "
          f"{args.parallel} at once\n")
    print("| after cycles | s | cycles/s | ok | open fds | fds / baseline | RSS (MB) | "
          "RSS / baseline |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| 0 (baseline) | | | | {base_fds} | 1.00 | {base_rss / 1024:.1f} | 1.00 |")
    pool = gevent.pool.Pool(args.parallel)
    per_round, done = args.cycles // args.rounds, 0
    for _ in range(args.rounds):
        started = time.monotonic()
        ok = sum(pool.imap_unordered(cycle, range(done, done + per_round)))
        seconds = time.monotonic() - started
        done += per_round
        settle()
        end_fds, end_rss = fds(pid), proc_rss_kb(pid)
        if ok < per_round:  # a refused or failed cycle: the figures are not for this load
            server.stop()
            print(f"FAILED: {per_round - ok} of {per_round} cycles failed or were refused")
            return 1
        print(f"| {done} | {seconds:.0f} | {ok / seconds:.0f} | {ok} | {end_fds} | "
              f"{end_fds / base_fds:.2f} | {end_rss / 1024:.1f} | {end_rss / base_rss:.2f} |",
              flush=True)
    server.stop()
    return 0


#: The cycles after which the soak's reference RSS is taken (issue 25's rule).
REFERENCE_CYCLES = 10_000


def cycles(args) -> int:
    """Issue 25's memory check: ``--cycles`` of connect, join, say one line and
    leave (``--clients`` at once), each under a new name, in one of ``--rooms``
    rooms, from one of ``--addresses`` loopback addresses (127.0.0.0/8 all
    reach the server, so per-address tables see that many clients). The
    server's RSS after every ``--every`` cycles, then every 10 s of a quiet
    ``--quiet`` seconds. Returns 1, saying why, if the RSS at the end is more
    than ``--allowed`` above the RSS after the first 10,000 cycles (memory
    that does not come back), or if any cycle failed or was refused."""
    from gevent import monkey

    monkey.patch_all()
    import socket

    import gevent.pool
    import websocket

    probe = Path(tempfile.mkdtemp(prefix="piratechat-probe-")) if args.probe else None
    if probe:
        print(f"(the probe answers in {probe})", file=sys.stderr)
    server = start_server(probe, args.tracemalloc, args.zodb_query)
    pid = server.process.pid
    host, port = server.url.split("//", 1)[1].rsplit(":", 1)
    ws = server.url.replace("http", "ws", 1) + "/sockjs/websocket"
    failures: list[str] = []

    def until(conn, wanted) -> dict:
        while True:
            message = json.loads(conn.recv())
            if message.get("type") == "error":
                raise RuntimeError(f"{message.get('code')}: {message.get('message')}")
            if wanted(message):
                return message

    def cycle(n: int) -> bool:
        name, address = f"cycler{n}", loopback(n % args.addresses)
        try:
            sock = socket.create_connection((host, int(port)), timeout=30,
                                            source_address=(address, 0))
            conn = websocket.create_connection(ws, socket=sock, timeout=30)
            try:
                conn.send(json.dumps({"type": "join", "name": name,
                                      "room": f"cycles-{n % args.rooms}"}))
                until(conn, lambda m: m.get("type") == "joined")
                conn.send(json.dumps({"type": "say", "text": f"line {n}",
                                      "client_id": f"c{n}"}))
                until(conn, lambda m: m.get("type") == "line" and m.get("author") == name)
            finally:
                conn.close()
            return True
        except Exception as error:
            failures.append(f"cycle {n} from {address}: {error!r}")
            return False

    print(f"## Cycles: {args.cycles:,} of connect, join, say, leave; {args.clients} clients "
          f"at once from {args.addresses} addresses, {args.rooms} rooms\n")
    probed = (" | gc objects | txn loggers | ZODB cached | (MB est.) | index"
              " | pymalloc MB used/held | malloc MB used/held") if probe else ""
    print(f"| after cycles | s | cycles/s | failed | RSS (MB) | RSS / at 10,000 | open fds"
          f"{probed} |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          + ("| ---: " * 7 if probe else "") + "|", flush=True)
    reference: list[int] = []

    def row(label: str, seconds: str, rate: str, failed: int) -> int:
        rss = proc_rss_kb(pid) or 0
        if label == f"{min(REFERENCE_CYCLES, args.cycles):,}":
            reference.append(rss)
        ratio = f"{rss / reference[0]:.2f}" if reference else ""
        extra = ""
        if probe:
            found = ask(probe)
            caches = max(found["zodb"], key=lambda db: db["cached"], default={})
            extra = (f" | {found['gc_objects']:,} | {found['txn_loggers']:,} | "
                     f"{caches.get('cached', 0):,} | "
                     f"{caches.get('estimated_bytes', 0) / 2**20:.1f} | "
                     f"{caches.get('storage_index') or 0:,} | "
                     f"{held(found.get('pymalloc', {}), 'arena_bytes')} | "
                     f"{held(found.get('malloc', {}), 'heap_bytes')}")
            if args.tracemalloc:
                print("<!-- " + "\n".join(found.get("grown", [])) + " -->", file=sys.stderr)
        print(f"| {label} | {seconds} | {rate} | {failed} | {rss / 1024:.1f} | {ratio} | "
              f"{fds(pid)}{extra} |", flush=True)
        return rss

    pool = gevent.pool.Pool(args.clients)
    marks = sorted({*range(args.every, args.cycles + 1, args.every),
                    min(REFERENCE_CYCLES, args.cycles), args.cycles})
    done = 0
    try:
        for mark in marks:
            started = time.monotonic()
            ok = sum(pool.imap_unordered(cycle, range(done, mark)))
            seconds = time.monotonic() - started
            final = row(f"{mark:,}", f"{seconds:.0f}", f"{ok / seconds:.0f}", mark - done - ok)
            done = mark
        quiet_start = time.monotonic()
        while (left := args.quiet - (time.monotonic() - quiet_start)) > 0:
            time.sleep(min(10, left))
            final = row(f"quiet +{time.monotonic() - quiet_start:.0f} s", "", "", 0)
        if probe:
            trim = ask(probe, trim=True).get("rss_after_trim_kb")
            if trim:
                print(f"\n(probe: after that, glibc's malloc_trim(0) took the RSS to "
                      f"{trim / 1024:.1f} MB)")
    finally:
        server.stop()
    ratio = final / reference[0]
    print(f"\nRSS after the first {min(REFERENCE_CYCLES, args.cycles):,} cycles "
          f"{reference[0] / 1024:.1f} MB; after {args.cycles:,} and {args.quiet:.0f} s quiet "
          f"{final / 1024:.1f} MB ({ratio:.2f} times); {len(failures)} cycles failed.")
    verdict = []
    if ratio > 1 + args.allowed:
        verdict.append(f"FAIL: the RSS ended {ratio - 1:.0%} above its value after "
                       f"{min(REFERENCE_CYCLES, args.cycles):,} cycles (allowed: "
                       f"{args.allowed:.0%}): memory does not come back.")
    if failures:
        verdict.append(f"FAIL: {len(failures)} cycles failed or were refused, e.g. "
                       + "; ".join(failures[:3]))
    print("\n".join(verdict) or f"PASS: within {args.allowed:.0%}, every cycle succeeded.")
    return 1 if verdict else 0


def held(figures: dict, held_key: str) -> str:
    """``used/held`` in MB, from one allocator's figures (bench/memprobe.py)."""
    if not figures:
        return ""
    return f"{figures['used_bytes'] / 2**20:.1f}/{figures[held_key] / 2**20:.1f}"


def loopback(n: int) -> str:
    """The ``n``-th loopback address: 127.0.0.1, 127.0.0.2, ... (all of 127.0.0.0/8
    reach a server listening on 127.0.0.1)."""
    return f"127.{n // 65_025 % 255}.{n // 255 % 255}.{n % 255 + 1}"


def ask(folder: Path, timeout: float = 120, trim: bool = False) -> dict:
    """The server's own counts (bench/memprobe.py), asked through ``folder``;
    ``trim``: and its RSS after ``malloc_trim(0)``."""
    n = len(list(folder.glob("ask-*.json")))
    (folder / f"ask-{n}").write_text("trim" if trim else "")
    answer, deadline = folder / f"ask-{n}.json", time.monotonic() + timeout
    while not answer.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server's probe did not answer in {timeout} s")
        time.sleep(0.1)
    return json.loads(answer.read_text())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("soak")
    s.add_argument("--n", type=int, default=10000)
    s.add_argument("--rooms", type=int, default=100)
    s.add_argument("--senders", type=int, default=100)
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("--minutes", type=float, default=10)
    c = sub.add_parser("churn")
    c.add_argument("--cycles", type=int, default=100000)
    c.add_argument("--parallel", type=int, default=50)
    c.add_argument("--rounds", type=int, default=5, help="RSS and fds measured after each")
    y = sub.add_parser("cycles", help="connect/join/say/leave; exits 1 if memory stays")
    y.add_argument("--cycles", type=int, default=60000)
    y.add_argument("--clients", type=int, default=8, help="cycles at once")
    y.add_argument("--addresses", type=int, default=1000, help="loopback addresses used")
    y.add_argument("--rooms", type=int, default=1000)
    y.add_argument("--every", type=int, default=5000, help="cycles between RSS samples")
    y.add_argument("--quiet", type=float, default=60, help="seconds without load at the end")
    y.add_argument("--allowed", type=float, default=0.20,
                   help="RSS growth allowed over its value after 10,000 cycles")
    y.add_argument("--probe", action="store_true",
                   help="count objects, loggers and ZODB caches in the server (bench/memprobe.py)")
    y.add_argument("--tracemalloc", action="store_true",
                   help="with --probe: the lines whose allocations grew, to stderr")
    y.add_argument("--zodb-query", default="",
                   help="zodburi options for the server's database URI, e.g. "
                        "connection_cache_size_bytes=4MB")
    args = p.parse_args(argv)
    return {"soak": soak, "churn": churn, "cycles": cycles}[args.what](args) or 0


if __name__ == "__main__":
    sys.exit(main())
