"""What the Diazo theme costs: a room's page per second, themed and unthemed.

    .venv/bin/python -m bench.theme_bench [--requests 1500] [--clients 4] [--rounds 3]

Starts PirateChat twice as production runs it (gunicorn, one gevent worker,
production.ini: the compiled theme is kept), once with the theme on and once
with ``PIRATECHAT_THEME=off``, each on its own free loopback port with its own
throwaway database. Then, in turns (on, off, on, off, ...), ``--clients``
threads each fetch the same room's page over one keep-alive connection until
``--requests`` pages were served, and the pages per second of each turn are
kept. Two loads: the same room's page every time (what most requests are: the
themed page is kept, web/theming.py), and a different room every time, from
1,000 rooms, more than the filter keeps (every page themed afresh: Diazo's
full cost). The table (printed, and written to bench/results/theme.md) shows the
median of ``--rounds`` turns per server and the ratio themed / unthemed: both
measured in the same run, on the same machine, by the same client.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.servers import PIRATECHAT_ENV
from bench.together import run_together

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "theme.md"
ROOM_PAGE = "/rooms/bench-theme/"
ROOMS = 1000  # distinct pages in the "every page themed afresh" load


def same_room(n: int) -> str:
    return ROOM_PAGE


def another_room(n: int) -> str:
    return f"/rooms/bench-theme-{n % ROOMS}/"


LOADS = (("the same room's page", same_room), ("a different room's page each time", another_room))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """One gunicorn serving production.ini, the theme on or off."""

    def __init__(self, theme: bool):
        self.theme = theme
        self.port = free_port()
        self.scratch = tempfile.mkdtemp(prefix="piratechat-theme-bench-")
        env = dict(os.environ, **PIRATECHAT_ENV, PIRATECHAT_THEME="on" if theme else "off",
                   PIRATECHAT_ZODB_URI=f"file://{self.scratch}/Data.fs")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--paste", str(REPO / "production.ini"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--worker-class", "gevent"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{ROOM_PAGE}") as page:
                    body = page.read()
                assert (b'id="theme-header"' in body) == self.theme, "theme setting not applied"
                return
            except OSError:
                time.sleep(0.1)  # the server is still starting (a bench, not a test)
        raise RuntimeError(f"gunicorn on port {self.port} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.scratch, ignore_errors=True)


def pages_per_second(port: int, requests: int, clients: int, page=same_room) -> float:
    """``requests`` room pages fetched by ``clients`` keep-alive connections at once."""
    share = [requests // clients + (1 if n < requests % clients else 0) for n in range(clients)]
    errors: list[str] = []

    def client(first: int, count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for n in range(first, first + count):
                connection.request("GET", page(n))
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(str(response.status))
        finally:
            connection.close()

    firsts = [sum(share[:n]) for n in range(clients)]
    elapsed = run_together(client, zip(firsts, share, strict=True))
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed: {errors[:5]}")
    return requests / elapsed


def table(rates: dict, args) -> str:
    lines = [
        "# The Diazo theme's cost: room pages per second",
        "",
        f"`python -m bench.theme_bench --requests {args.requests} --clients {args.clients} "
        f"--rounds {args.rounds}` on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} CPUs), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "gunicorn, one gevent worker, production.ini (compiled theme kept); GET room pages "
        "over keep-alive connections; the client runs on the same machine. Load average "
        f"at the end: {os.getloadavg()[0]:.1f} (other work on the machine makes turns vary).",
        "",
        "| load | theme on, pages/s | theme off, pages/s | on / off | turns on; off |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, _ in LOADS:
        on, off = rates[(label, True)], rates[(label, False)]
        ratio = statistics.median(on) / statistics.median(off)
        turns = ", ".join(f"{r:.0f}" for r in on) + "; " + ", ".join(f"{r:.0f}" for r in off)
        lines.append(f"| {label} | {statistics.median(on):.0f} | {statistics.median(off):.0f} "
                     f"| **{ratio:.2f}x** | {turns} |")
    lines += ["", "Goal: themed at least 0.8x unthemed. The same room's page is what most "
              "requests are (the themed page is kept); a different room each time pays for "
              "the XSLT transform on every request.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="pages per turn")
    parser.add_argument("--clients", type=int, default=4, help="connections at once")
    parser.add_argument("--rounds", type=int, default=3, help="turns per server")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    servers = {True: Served(theme=True), False: Served(theme=False)}
    try:
        for served in servers.values():
            served.wait_ready()
        for served in servers.values():  # warm up: templates, the compiled theme, the pool
            pages_per_second(served.port, 100, args.clients)
        rates: dict[tuple[str, bool], list[float]] = {}
        for _ in range(args.rounds):
            for label, page in LOADS:
                for theme, served in servers.items():
                    rate = pages_per_second(served.port, args.requests, args.clients, page)
                    rates.setdefault((label, theme), []).append(rate)
    except RuntimeError as failure:  # refused or failed requests: a failed run, no figures
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        for served in servers.values():
            served.stop()
    report = table(rates, args)
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
