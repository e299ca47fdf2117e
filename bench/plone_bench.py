"""The chat's latency with Plone beside it, in each layout of the site.

``.venv/bin/python -m bench.plone_bench [--layout one|split|both]
[--pages-clients 20,50] [--chat-n 1000] [--rounds 1]`` (needs ``make plone`` and
``cd bench && npm ci``). The layouts (README, "The Plone site"; docs/deploy.md):

- ``one``: plone.ini, Plone and the chat in one gevent process (Plone on a pool
  of ``--threads`` threads);
- ``split``: ``make run-site``, Plone and the chat each in a process of its own
  behind one nginx (piratechat/cluster/site.py), the chat reached through nginx.

The reference is the chat alone: the split layout's chat process (site-chat.ini,
gunicorn) with no Plone anywhere, reached directly, measured at the start and
at the end of each round. For each layout, one site (made once by the site
script), started, its pages warmed, then the chat's load with Plone idle and
with each count of ``--pages-clients`` clients fetching the site's pages
(the front page, the blog, a forum) through the layout's front; and the pages
alone at the largest count, for the site's own throughput.

The chat's load: bench/loadgen.js, ``--chat-n`` raw WebSocket clients in the
lobby, ``--senders`` of them talking; a line's latency is from its sender to
every member. Per-address limits are lifted as in the main bench
(bench/servers.py PIRATECHAT_ENV); a refused or failed connection, a line lost
or a page error makes the run fail (exit 1, and the table says so) rather
than give figures for another load. Results: bench/results/plone.md and .json.
Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.servers import PIRATECHAT_ENV
from bench.together import run_together
from piratechat.cluster.processes import Service, chat_process, free_port
from piratechat.cluster.site import SiteLayout

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("/", "/blog", "/forums/general")
CHAT_PATH = "/chat/sockjs/websocket"
#: The goals (issue 24): the chat's p99 over the chat alone's, Plone idle and under 50
#: page clients.
GOAL_IDLE, GOAL_LOADED, GOAL_CLIENTS = 1.2, 2.0, 50


def make_site(folder: Path) -> Path:
    instance = folder / "plone"
    subprocess.run([sys.executable, "-m", "piratechat.plone.members", str(instance)],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    return instance


class Layout:
    """One way of running the site, started on ``instance``: ``url`` is its front."""

    def __init__(self, name: str, folder: Path, instance: Path, threads: int):
        self.name, self.folder, self.instance, self.threads = name, folder, instance, threads
        self.url = ""
        self._stop = lambda: None

    def start(self) -> Layout:
        folder = self.folder / f"{self.name}-{time.monotonic_ns()}"
        folder.mkdir(parents=True)
        chat_db = {"PIRATECHAT_ZODB_URI": f"file://{folder}/chat.fs"}
        threads = {"PIRATECHAT_PLONE_THREADS": str(self.threads)}
        if self.name == "one":
            port = free_port()
            service = Service("plone.ini", [
                sys.executable, "-m", "piratechat.cli", "serve", "--ini", str(ROOT / "plone.ini"),
                "--port", str(port)], port, str(folder / "server.log"),
                {"PIRATECHAT_PLONE_VAR": str(self.instance), **threads, **chat_db,
                 **PIRATECHAT_ENV}).start(timeout=600)
            self.url, self._stop = f"http://127.0.0.1:{port}", service.stop
        elif self.name == "split":
            site = SiteLayout(str(folder), str(self.instance),
                              chat_env={**chat_db, **PIRATECHAT_ENV},
                              plone_env={**threads, **PIRATECHAT_ENV}).start()
            self.url, self._stop = site.url, site.stop
        else:  # the chat alone: the split layout's chat process, no site, asked directly
            port = free_port()
            service = chat_process(port, str(folder), {
                **chat_db, **PIRATECHAT_ENV, "PIRATECHAT_MEMBER_NAMES_URL": "",
                "PIRATECHAT_TOKEN_SECRET": "bench"}, ini="site-chat.ini",
                paste_globals={"site_url": "http://127.0.0.1:9"}).start()
            self.url, self._stop = f"http://127.0.0.1:{port}", service.stop
        return self

    def stop(self) -> None:
        self._stop()

    def wait_for_members(self, timeout: float = 300) -> None:
        """Until the chat takes a join: it answers ``unavailable`` until it has the
        site's list of member names (fetched from Plone, which may take a while
        to answer when the machine is busy); measured before that, the chat's
        load would count those joins as failed connections."""
        import websocket

        deadline = time.monotonic() + timeout
        while True:
            ws = websocket.create_connection("ws" + self.url[len("http"):] + CHAT_PATH,
                                             timeout=30)
            try:
                ws.send(json.dumps({"type": "join", "name": "bench-probe", "room": "probe"}))
                while (answer := json.loads(ws.recv()))["type"] not in ("joined", "error"):
                    pass
            finally:
                ws.close()
            if answer["type"] == "joined":
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the chat ({self.name}) did not take a join: {answer}")
            time.sleep(1)  # polling the chat, bounded by the deadline


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
    return {"clients": clients, "pages": len(times), "errors": errors[0],
            "per_second": len(times) / wall,
            "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))] if times else None}


def chat_load(url: str, args) -> subprocess.Popen:
    ws = "ws" + url[len("http"):] + CHAT_PATH
    return subprocess.Popen(
        ["node", str(ROOT / "bench" / "loadgen.js"), "--url", ws, "--n", str(args.chat_n),
         "--senders", str(args.senders), "--lines", str(args.lines), "--interval",
         str(args.interval), "--procs", "1", "--max-seconds", "300"],
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
    if started is not None:
        started.set()  # whatever happened, nobody waits for it any longer
    return result


def chat_phase(url: str, args, pages_clients: int) -> dict:
    """The chat's load, with ``pages_clients`` page clients (0: none) while lines flow."""
    started = threading.Event()
    loadgen = chat_load(url, args)
    box: dict = {}
    reader = threading.Thread(target=lambda: box.update(chat_result(loadgen, started)))
    reader.start()
    pages = None
    if pages_clients:
        started.wait(300)
        pages = load_pages(url, pages_clients, args.lines * args.interval)
    reader.join()
    return {"pages_clients": pages_clients, "chat": box, "pages": pages}


def measure_layout(layout: Layout, args) -> list[dict]:
    """A started layout: the chat with Plone idle, under each page load; pages alone."""
    layout.start()
    try:
        top = max(args.pages_clients)
        load_pages(layout.url, top, args.warm)  # templates compiled, caches full
        layout.wait_for_members()
        phases = [chat_phase(layout.url, args, 0)]
        phases += [chat_phase(layout.url, args, clients) for clients in args.pages_clients]
        phases.append({"pages_clients": top, "chat": None,
                       "pages": load_pages(layout.url, top, args.seconds)})
        return phases
    finally:
        layout.stop()


def measure_alone(layout: Layout, args) -> dict:
    layout.start()
    try:
        return chat_phase(layout.url, args, 0)
    finally:
        layout.stop()


def p99(phase: dict | None) -> float | None:
    chat = (phase or {}).get("chat") or {}
    return (chat.get("latencyMs") or {}).get("p99")


def incomplete(args, rounds: list[dict]) -> list[str]:
    """What makes a run's figures not the ones asked for: refused or failed chat
    clients (the figures would be for fewer members), lost lines, page errors."""
    problems = []
    for n, one_round in enumerate(rounds, 1):
        phases = [(f"chat alone ({which})", p) for which, p in
                  (("first", one_round["alone_before"]), ("last", one_round["alone_after"]))]
        for name, layout_phases in one_round["layouts"].items():
            phases += [(f"{name}, {p['pages_clients']} page clients"
                        + ("" if p["chat"] is not None else ", pages alone"), p)
                       for p in layout_phases]
        for label, phase in phases:
            chat, pages = phase["chat"], phase["pages"]
            if chat is not None and not chat:
                problems.append(f"round {n}, {label}: the load generator gave no result")
            elif chat and (chat.get("failed") or chat.get("lost") or chat.get("closedDuringRun")
                           or chat.get("duplicated") or chat.get("errorsFromServer")):
                problems.append(f"round {n}, {label}: {chat.get('failed')} of {args.chat_n} "
                                f"connections failed ({chat.get('failReasons')}), "
                                f"{chat.get('closedDuringRun')} closed during the run, "
                                f"{chat.get('lost')} lines lost, "
                                f"{chat.get('duplicated')} doubled, "
                                f"{chat.get('errorsFromServer')} errors from the server")
            if pages and pages["errors"]:
                problems.append(f"round {n}, {label}: {pages['errors']} page errors")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=("one", "split", "both"), default="both")
    parser.add_argument("--pages-clients", default="20,50",
                        help="page clients while the chat runs, comma-separated (20,50)")
    parser.add_argument("--seconds", type=float, default=15, help="pages alone, seconds")
    parser.add_argument("--chat-n", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--lines", type=int, default=15)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=4, help="Plone's pool (4)")
    parser.add_argument("--warm", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=1,
                        help="each round: chat alone, the layouts, chat alone again")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "plone.md"))
    args = parser.parse_args(argv)
    args.pages_clients = [int(n) for n in args.pages_clients.split(",") if n]
    names = ("one", "split") if args.layout == "both" else (args.layout,)
    folder = Path(tempfile.mkdtemp(prefix="plone-bench-"))
    try:
        instance = make_site(folder)
        rounds: list[dict] = []
        for n in range(args.rounds):
            order = names if n % 2 == 0 else names[::-1]  # interleaved across rounds
            one_round = {"alone_before": measure_alone(Layout("alone", folder, instance, 0), args)}
            one_round["layouts"] = {name: measure_layout(Layout(name, folder, instance,
                                                                args.threads), args)
                                    for name in order}
            one_round["alone_after"] = measure_alone(Layout("alone", folder, instance, 0), args)
            rounds.append(one_round)
    except BaseException:
        print(f"the processes' logs are kept in {folder}", file=sys.stderr)
        raise
    report(args, rounds)
    short = incomplete(args, rounds)
    for problem in short:
        print(f"FAILED: {problem}", file=sys.stderr)
    if short:
        print(f"the processes' logs are kept in {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if short else 0


def _f(value, digits=1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report(args, rounds: list[dict]) -> None:
    load = os.getloadavg()
    rows = [
        "# The chat's latency with Plone beside it",
        "",
        f"`python -m bench.plone_bench --layout {args.layout} --pages-clients "
        f"{','.join(map(str, args.pages_clients))} --seconds {args.seconds} --chat-n "
        f"{args.chat_n} --senders {args.senders} --lines {args.lines} --interval "
        f"{args.interval} --threads {args.threads} --rounds {args.rounds}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load "
        f"average {load[0]:.1f} at the end (the machine is shared: compare ratios within a "
        "round, not absolute figures). Layouts: **one** is plone.ini (Plone on "
        f"{args.threads} threads and the chat, one gevent process); **split** is `make "
        "run-site` (Plone and the chat in processes of their own behind one nginx, the chat "
        "reached through nginx). **Chat alone**: the split layout's chat process with no "
        "Plone anywhere, reached directly, at the start and the end of each round; ratios "
        "are to the mean of the two. Chat: raw WebSocket clients in the lobby, each line's "
        "way from its sender to every member (bench/loadgen.js); page clients fetch the "
        "front page, the blog and a forum through the layout's front while lines flow.",
        "",
    ]
    goals = []
    for n, one_round in enumerate(rounds, 1):
        alone = [p99(one_round["alone_before"]), p99(one_round["alone_after"])]
        reference = statistics.mean(alone) if None not in alone else None
        rows += [
            f"## Round {n}" if len(rounds) > 1 else "## Results",
            "",
            "| layout | page clients | chat p50 (ms) | chat p99 (ms) | p99 / chat alone | "
            "pages/s | page p99 (ms) |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for which, phase in (("first", one_round["alone_before"]),
                             ("last", one_round["alone_after"])):
            rows.append(f"| chat alone ({which}) | 0 | "
                        f"{(phase['chat'].get('latencyMs') or {}).get('p50')} | "
                        f"{p99(phase)} | | | |")
        for name, phases in one_round["layouts"].items():
            for phase in phases:
                pages = phase["pages"] or {}
                if phase["chat"] is None:
                    rows.append(f"| {name} | {phase['pages_clients']} (pages alone) | | | | "
                                f"{_f(pages.get('per_second'))} | {_f(pages.get('p99_ms'), 0)} |")
                    continue
                ratio = p99(phase) / reference if p99(phase) and reference else None
                rows.append(
                    f"| {name} | {phase['pages_clients'] or 'idle'} | "
                    f"{(phase['chat'].get('latencyMs') or {}).get('p50')} | {p99(phase)} | "
                    f"{_f(ratio, 2)} | {_f(pages.get('per_second'))} | "
                    f"{_f(pages.get('p99_ms'), 0)} |")
                if phase["pages_clients"] in (0, GOAL_CLIENTS):
                    goal = GOAL_IDLE if phase["pages_clients"] == 0 else GOAL_LOADED
                    goals.append((n, name, phase["pages_clients"], ratio, goal))
        rows.append("")
    if goals:
        rows += ["## The goals (issue 24): chat p99 over the chat alone's", "",
                 "| round | layout | page clients | ratio | goal | met |",
                 "| --- | --- | --- | --- | --- | --- |"]
        if len(rounds) > 1:  # each layout's and load's mean over the rounds
            for name, clients, goal in dict.fromkeys((g[1], g[2], g[4]) for g in goals):
                ratios = [g[3] for g in goals if (g[1], g[2]) == (name, clients)]
                goals.append(("mean", name, clients, None if None in ratios
                              else statistics.mean(ratios), goal))
        rows += [f"| {n} | {name} | {clients or 'idle'} | {_f(ratio, 2)} | ≤ {goal} | "
                 f"{'yes' if ratio is not None and ratio <= goal else 'no'} |"
                 for n, name, clients, ratio, goal in goals]
        rows.append("")
    short = incomplete(args, rounds)
    if short:
        rows += ["**This run is incomplete: its figures are not for the load asked for.**", ""]
        rows += [f"- {problem}" for problem in short] + [""]
    Path(args.out).write_text("\n".join(rows))
    Path(args.out).with_suffix(".json").write_text(json.dumps(
        {"args": {k: v for k, v in vars(args).items() if k != "out"}, "rounds": rounds},
        indent=1, default=str))
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())
