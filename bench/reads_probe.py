"""The probes of issue 25, findings 4 and 7 (reads, /metrics, many rooms' parrots),
against a live server with its budgets on and with them lifted (what main did),
in the same run. Each probe runs while a bystander, alone in a quiet room, says
a line every 250 ms and times its echo (p50, max):

* history: 4 clients (from one address, or each its own: ``--addresses 4``) ask a 1,000-line room's
  ``history?limit=1000`` as fast as they can; answers 200 and 429, MB/s sent;
* rejoin: 4 connections (from one address, or each its own) join that room with
  ``after=0`` again and again; MB/s of backlog sent;
* metrics: 4 clients from a non-loopback address ask ``/metrics``; 200s and 403s;
* bard: 15 addresses in 15 rooms on the bard parrot say a 2,000-character line
  every 20 ms; lines the bard answered and lines the pirate stood in for, and
  how long the last line's echo took to come once they stopped (drain_s_max).

    .venv/bin/python -m bench.reads_probe [--seconds 5] [--probes history,bard] [--addresses 4]

Numbers are printed as budgets on / lifted. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid

import websocket

from .limits_probe import start

#: Both runs: lines and connections are not what is probed here.
COMMON = {
    "PIRATECHAT_LINES_PER_SECOND": "1000", "PIRATECHAT_BURST": "2000",
    "PIRATECHAT_ADDRESS_LINES_PER_SECOND": "1000", "PIRATECHAT_ADDRESS_BURST": "2000",
    "PIRATECHAT_ROOM_LINES_PER_SECOND": "1000", "PIRATECHAT_ROOM_BURST": "2000",
}
LIFTED = {
    "PIRATECHAT_READ_BYTES_PER_SECOND": "1000000000000", "PIRATECHAT_READ_BURST": "1000000000",
    "PIRATECHAT_JOINS_PER_MINUTE": "100000000", "PIRATECHAT_JOINS_BURST": "1000000",
    "PIRATECHAT_PROCESS_TRANSLATION_SHARE": "1000", "PIRATECHAT_TRANSLATION_SHARE": "1000",
    "PIRATECHAT_METRICS_ADDRESSES": "0.0.0.0/0 ::/0",
}
BIG = "reads-big"
ADDRESSES = 1  # addresses the 4 clients of history, rejoin and metrics come from (--addresses)
LONG = ('"no" ' * 400)[:1990]  # ~2.8 ms of the bard (0.04 ms of the pirate)


def connect(url: str, address: str) -> websocket.WebSocket:
    return websocket.create_connection("ws" + url[4:] + "/sockjs/websocket", timeout=30,
                                       header=[f"X-Forwarded-For: {address}"])


def join(ws, room: str, name: str, **extra) -> None:
    ws.send(json.dumps({"type": "join", "name": name, "room": room, **extra}))
    while json.loads(ws.recv())["type"] not in ("joined", "error"):
        pass


def fill(url: str) -> None:
    """The 1,000-line room."""
    ws = connect(url, "198.51.100.1")
    join(ws, BIG, "filler")
    for n in range(1000):
        ws.send(json.dumps({"type": "say", "text": f"line {n} of the big room, ahoy"}))
    while json.loads(ws.recv()).get("seq") != 1000:
        pass
    ws.close()


def bystander(url: str, seconds: float, out) -> None:
    ws = connect(url, "198.51.100.9")
    me = uuid.uuid4().hex[:8]  # a room of its own: no earlier bystander's lines
    join(ws, f"reads-quiet-{me}", "bystander")
    times, end, n = [], time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
        text, sent = f"hello {me} {n}", time.perf_counter()
        ws.send(json.dumps({"type": "say", "text": text}))
        while True:
            message = json.loads(ws.recv())
            if message.get("text") == text:
                break
            if message["type"] == "error":
                raise RuntimeError(f"the bystander was refused: {message}")
        times.append((time.perf_counter() - sent) * 1000)
        time.sleep(0.25)
    out.put(times)


def history_reader(url: str, index: int, seconds: float, out) -> None:
    counts, end = {"200": 0, "429": 0, "bytes": 0}, time.monotonic() + seconds
    request = urllib.request.Request(f"{url}/rooms/{BIG}/history?limit=1000",
                                     headers={"X-Forwarded-For": f"10.1.0.{index % ADDRESSES + 1}"})
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                counts["bytes"] += len(answer.read())
                counts["200"] += 1
        except urllib.error.HTTPError as error:
            error.read()
            counts[str(error.code)] = counts.get(str(error.code), 0) + 1
    out.put(counts)


def rejoiner(url: str, index: int, seconds: float, out) -> None:
    ws = connect(url, f"10.2.0.{index % ADDRESSES + 1}")
    counts, end, n = {"joins": 0, "refused": 0, "bytes": 0}, time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
        ws.send(json.dumps({"type": "join", "name": f"r{index}-{n}", "room": BIG, "after": 0}))
        while True:
            frame = ws.recv()
            message = json.loads(frame)
            if message["type"] == "error":
                counts["refused"] += 1
                time.sleep(0.05)
                break
            if message["type"] == "line":
                counts["bytes"] += len(frame)
                if message["seq"] == 1000:
                    counts["joins"] += 1
                    break
    out.put(counts)


def metrics_reader(url: str, index: int, seconds: float, out) -> None:
    counts, end = {}, time.monotonic() + seconds
    request = urllib.request.Request(url + "/metrics",
                                     headers={"X-Forwarded-For": f"10.3.0.{index % ADDRESSES + 1}"})
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        counts[str(status)] = counts.get(str(status), 0) + 1
    out.put(counts)


def bard_speaker(url: str, index: int, seconds: float, out) -> None:
    room, address = f"reads-bard-{index}", f"10.4.0.{index + 1}"
    urllib.request.urlopen(urllib.request.Request(
        url + "/rooms/", data=f"room={room}".encode(), headers={"X-Forwarded-For": address}),
        timeout=30).close()
    ws = connect(url, address)
    join(ws, room, f"bard{index}")
    ws.send(json.dumps({"type": "translator", "name": "bard"}))
    while json.loads(ws.recv())["type"] not in ("translator", "error"):
        pass
    counts, end, n = {"bard": 0, "pirate": 0}, time.monotonic() + seconds, 0
    lines = []

    def read():  # the echoes, counted by the parrot that answered
        while True:
            message = json.loads(ws.recv())
            if message["type"] == "line":
                counts[message["translator"]] = counts.get(message["translator"], 0) + 1
                lines.append(message["text"])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while time.monotonic() < end:
        n += 1
        ws.send(json.dumps({"type": "say", "text": f"{n} " + LONG}))
        time.sleep(0.02)
    stopped, last = time.monotonic(), f"{n} " + LONG
    while last not in lines[-5:] and time.monotonic() < stopped + 120:
        time.sleep(0.05)
    counts["drain_s_max"] = round(time.monotonic() - stopped, 1)  # summed: see main()
    out.put(counts)


def idle(url: str, index: int, seconds: float, out) -> None:
    """No load: the bystander alone."""
    out.put({})


def probe(url: str, worker, count: int, seconds: float) -> tuple[dict, float, float]:
    """``count`` workers for ``seconds`` beside the bystander: their summed counts,
    and the bystander's p50 and max in ms."""
    results, watched = multiprocessing.Queue(), multiprocessing.Queue()
    workers = [multiprocessing.Process(target=worker, args=(url, i, seconds, results))
               for i in range(count)]
    for process in workers:
        process.start()
    watch = multiprocessing.Process(target=bystander, args=(url, seconds, watched))
    watch.start()
    times = watched.get()
    totals: dict = {}
    for _ in workers:
        for key, value in results.get().items():
            if key.endswith("_max"):
                totals[key] = max(totals.get(key, 0), value)
            else:
                totals[key] = totals.get(key, 0) + value
    for process in [*workers, watch]:
        process.join()
    return totals, statistics.median(times), max(times)


#: name -> (worker, how many)
PROBES = {"quiet": (idle, 1), "history": (history_reader, 4), "rejoin": (rejoiner, 4),
          "metrics": (metrics_reader, 4), "bard": (bard_speaker, 15)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--probes", default=",".join(PROBES),
                        help="which probes, separated by commas (default: all)")
    parser.add_argument("--addresses", type=int, default=1,
                        help="addresses the 4 clients of history, rejoin and metrics come "
                             "from (1: one machine, as the issue's probe; 4: one each)")
    args = parser.parse_args()
    seconds, names = args.seconds, args.probes.split(",")
    global ADDRESSES
    ADDRESSES = args.addresses
    results = {}
    for label, env in (("on", COMMON), ("lifted", {**COMMON, **LIFTED})):
        process, url = start(env)
        try:
            fill(url)
            results[label] = {name: probe(url, PROBES[name][0], PROBES[name][1], seconds)
                              for name in names}
        finally:
            process.terminate()
            process.wait()
    for name in names:
        for label in ("on", "lifted"):
            totals, p50, worst = results[label][name]
            rates = {k: (f"{v / seconds / 1e6:.2f} MB/s" if k == "bytes" else v)
                     for k, v in totals.items()}
            print(f"{name:8} {label:7} bystander p50 {p50:7.1f} ms max {worst:7.1f} ms  {rates}")


if __name__ == "__main__":
    main()
