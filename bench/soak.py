"""Soak and churn of one `piratechat serve` process (issue 13, "Measured").

    .venv/bin/python -m bench.soak soak --n 10000 --minutes 10
    .venv/bin/python -m bench.soak churn --cycles 100000

``soak``: N raw-WebSocket clients (bench/loadgen.js) in one room each of
``--rooms``, ``--senders`` of them saying a line every ``--interval`` s for
``--minutes``; the server's RSS is sampled every 10 s. ``churn``: ``--cycles``
connect/join/disconnect cycles (``--parallel`` at once), then the server's
open file descriptors and RSS against the baseline taken before (after the
server settles: disconnects are noticed, sessions reaped). Prints Markdown;
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


def start_server() -> LiveServer:
    scratch = tempfile.mkdtemp(prefix="piratechat-soak-")
    server = LiveServer(env={"PIRATECHAT_ZODB_URI": f"file://{scratch}/Data.fs",
                             "PIRATECHAT_LINES_PER_SECOND": "100", "PIRATECHAT_BURST": "100",
                             "PIRATECHAT_DISCONNECT_DELAY": "1"})
    server.start(timeout=60)
    return server


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def soak(args) -> None:
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
    print(f"## Soak: {args.n} connections, {args.senders} senders, a line each every "
          f"{args.interval} s, {args.minutes} min\n")
    print("| t (s) | RSS (MB) | open fds |\n| ---: | ---: | ---: |")
    for t, rss, fd in samples:
        print(f"| {t:.0f} | {rss / 1024:.1f} | {fd} |")
    if result:
        r = result[0]
        keys = ["connected", "failed", "sent", "delivered", "expected", "lost", "duplicated"]
        print("\nloadgen: " + ", ".join(f"{k} {r.get(k)}" for k in keys if k in r))
        if "latency_ms" in r:
            print(f"latency (ms): {r['latency_ms']}")
    else:
        print("\nloadgen said:\n```\n" + done.stdout[-2000:] + done.stderr[-2000:] + "\n```")


def churn(args) -> None:
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
        print(f"| {done} | {seconds:.0f} | {ok / seconds:.0f} | {ok} | {end_fds} | "
              f"{end_fds / base_fds:.2f} | {end_rss / 1024:.1f} | {end_rss / base_rss:.2f} |",
              flush=True)
    server.stop()


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
    args = p.parse_args(argv)
    (soak if args.what == "soak" else churn)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
