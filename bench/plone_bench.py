"""Plone and the chat in one gevent process (plone.ini): does each slow the other?

``.venv/bin/python -m bench.plone_bench [--pages-clients 50] [--chat-n 1000]``
(needs ``make plone`` and ``cd bench && npm ci``). One server process, started
once on a site made by the site script; three phases against it, one after the
other:

1. Plone alone: ``--pages-clients`` concurrent clients fetch Plone pages (the
   front page, the blog, a forum) for ``--seconds``: pages per second.
2. The chat alone: bench/loadgen.js, ``--chat-n`` SockJS-less raw WebSocket
   clients in the lobby, ``--senders`` of them talking: the p99 of a line's way
   from its sender to every member.
3. Both at once: the same page clients while the same chat load runs.

Results, with ratios to the phase alone, go to bench/results/plone.md. Not a
test: numbers depend on the machine and its load (the table says it).
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
import urllib.request
from pathlib import Path

from bench.servers import PIRATECHAT_ENV
from bench.together import run_together

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("/", "/blog", "/forums/general")


def make_site() -> Path:
    instance = Path(tempfile.mkdtemp(prefix="plone-bench-"))
    subprocess.run([sys.executable, "-m", "piratechat.plone.members", str(instance)],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    return instance


def start_server(instance: Path, threads: int) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PIRATECHAT_PLONE_VAR=str(instance),
               PIRATECHAT_ZODB_URI=f"file://{instance}/chat-{threads}.fs",
               PIRATECHAT_PLONE_THREADS=str(threads), **PIRATECHAT_ENV)
    process = subprocess.Popen(
        [sys.executable, "-m", "piratechat.cli", "serve", "--ini", "plone.ini", "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 600
    for line in process.stdout:
        if line.startswith("Serving on "):
            url = line.split()[-1]
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, url
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError("the server did not start")


def load_pages(url: str, clients: int, seconds: float) -> dict:
    """``clients`` threads fetching pages in turn for ``seconds``: counts and times."""
    stop = time.monotonic() + seconds
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(n: int) -> None:
        i = n
        while time.monotonic() < stop:
            start = time.monotonic()
            try:
                with urllib.request.urlopen(url + PAGES[i % len(PAGES)], timeout=60) as r:
                    r.read()
                ok = r.status == 200
            except OSError:
                ok = False
            with lock:
                if ok:
                    times.append(time.monotonic() - start)
                else:
                    errors[0] += 1
            i += 1

    wall = run_together(client, [(n,) for n in range(clients)])
    times.sort()
    return {"pages": len(times), "errors": errors[0], "per_second": len(times) / wall,
            "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))] if times else None}


def chat_load(url: str, n: int, senders: int, lines: int, interval: float) -> subprocess.Popen:
    ws = "ws" + url[len("http"):] + "/chat/sockjs/websocket"
    return subprocess.Popen(
        ["node", str(ROOT / "bench" / "loadgen.js"), "--url", ws, "--n", str(n),
         "--senders", str(senders), "--lines", str(lines), "--interval", str(interval),
         "--procs", "1", "--max-seconds", "300"],
        stdout=subprocess.PIPE, text=True)


def chat_result(process: subprocess.Popen, started: threading.Event | None = None) -> dict:
    result = {}
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == "sending" and started is not None:
            started.set()
        if event["event"] == "result":
            result = event
    process.wait(timeout=360)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages-clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--chat-n", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warm", type=float, default=10)
    parser.add_argument("--hub", action=argparse.BooleanOptionalAction, default=True,
                        help="also Plone on the gevent hub (threads 0), before --threads")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "plone.md"))
    args = parser.parse_args(argv)
    instance = make_site()
    modes = (0, args.threads) if args.hub else (args.threads,)
    runs = {threads: measure(args, instance, threads) for threads in modes}
    report(args, runs)
    short = incomplete(args, runs)
    for problem in short:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if short else 0


def incomplete(args, runs) -> list[str]:
    """What makes a run's figures not the ones asked for: refused or failed chat
    clients (the figures would be for fewer members), lost lines, page errors."""
    problems = []
    for threads, (alone, both, chat_alone, chat_both) in runs.items():
        for phase, chat in (("chat alone", chat_alone), ("chat with pages", chat_both)):
            if not chat:
                problems.append(f"threads {threads}, {phase}: the load generator gave no result")
            elif chat.get("failed") or chat.get("lost") or chat.get("closedDuringRun"):
                problems.append(f"threads {threads}, {phase}: {chat.get('failed')} of "
                                f"{args.chat_n} connections failed, "
                                f"{chat.get('closedDuringRun')} closed during the run, "
                                f"{chat.get('lost')} lines lost")
        for phase, pages in (("pages alone", alone), ("pages with chat", both)):
            if pages["errors"]:
                problems.append(f"threads {threads}, {phase}: {pages['errors']} page errors")
    return problems


def measure(args, instance: Path, threads: int) -> tuple:
    """One server with Plone on the hub (``threads`` 0) or on a pool: the three phases."""
    process, url = start_server(instance, threads)
    try:
        load_pages(url, args.pages_clients, args.warm)  # templates compiled, caches full
        alone = load_pages(url, args.pages_clients, args.seconds)
        chat_alone = chat_result(chat_load(url, args.chat_n, args.senders, args.lines,
                                           args.interval))
        started = threading.Event()
        loadgen = chat_load(url, args.chat_n, args.senders, args.lines, args.interval)
        box: dict = {}
        reader = threading.Thread(target=lambda: box.update(chat_result(loadgen, started)))
        reader.start()
        started.wait(300)
        both = load_pages(url, args.pages_clients, min(args.seconds, args.lines * args.interval))
        reader.join()
        return alone, both, chat_alone, box
    finally:
        process.terminate()
        process.wait(30)


def report(args, runs) -> None:
    def lat(r, k):
        return (r.get("latencyMs") or {}).get(k)

    def ratio(a, b):
        return f"{a / b:.2f}" if a and b else "n/a"

    load = os.getloadavg()
    rows = [
        "# Plone and the chat in one gevent process",
        "",
        f"`python -m bench.plone_bench --pages-clients {args.pages_clients} --seconds "
        f"{args.seconds} --chat-n {args.chat_n} --senders {args.senders} --lines {args.lines}"
        f" --interval {args.interval} --threads {args.threads}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load "
        f"average {load[0]:.1f} at the end (the machine is shared with other work: compare "
        "ratios within a row, not absolute figures). One server process per mode: Plone on "
        f"the gevent hub (threads 0), then on a pool of {args.threads} threads (plone.ini). "
        "Chat: raw WebSocket clients in the lobby, each line's way from its sender to every "
        "member (bench/loadgen.js).",
        "",
    ]
    short = incomplete(args, runs)
    if short:  # refused or failed clients: the figures would be for another load
        rows += ["**FAILED: this run's figures are not for the load asked for, so none "
                 "are given.**", ""]
        rows += [f"- {problem}" for problem in short] + [""]
    for threads, (alone, both, chat_alone, chat_both) in runs.items():
        if short:
            break
        rows += [
            f"## Plone on {'the hub' if threads == 0 else f'{threads} threads'}",
            "",
            "| | alone | with the other load | ratio |",
            "| --- | --- | --- | --- |",
            f"| Plone pages/s ({args.pages_clients} clients) | {alone['per_second']:.1f} | "
            f"{both['per_second']:.1f} | {ratio(both['per_second'], alone['per_second'])} |",
            f"| Plone page p99 (ms) | {alone['p99_ms'] or 0:.0f} | {both['p99_ms'] or 0:.0f} | "
            f"{ratio(both['p99_ms'], alone['p99_ms'])} |",
            f"| chat line p99 (ms, {args.chat_n} connections) | {lat(chat_alone, 'p99')} | "
            f"{lat(chat_both, 'p99')} | {ratio(lat(chat_both, 'p99'), lat(chat_alone, 'p99'))} |",
            f"| chat line p50 (ms) | {lat(chat_alone, 'p50')} | {lat(chat_both, 'p50')} | "
            f"{ratio(lat(chat_both, 'p50'), lat(chat_alone, 'p50'))} |",
            f"| chat lines lost | {chat_alone.get('lost')} | {chat_both.get('lost')} | |",
            f"| chat connections failed | {chat_alone.get('failed')} | "
            f"{chat_both.get('failed')} | |",
            f"| page errors | {alone['errors']} | {both['errors']} | |",
            "",
        ]
    Path(args.out).write_text("\n".join(rows))
    Path(args.out).with_suffix(".json").write_text(json.dumps(
        {str(t): dict(zip(("pages_alone", "pages_with_chat", "chat_alone", "chat_with_pages"),
                          r, strict=True)) for t, r in runs.items()}, indent=1, default=str))
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())
