"""The probes of issue 13, finding 1, against a live server with its limits on
and with them lifted (what main did), in the same run:

* flood: 50 connections from one address each say 20 lines at once; how many
  are stored, how many refused;
* rooms: one address posts new rooms for 2 s; how many are created;
* bystander: F connections, each its own address (X-Forwarded-For from a
  trusted proxy), say lines at the per-connection limit (5/s) in one room
  whose parrot is the bard; a bystander alone in another room says a line
  every 250 ms and times its round trip (p50, p90).

    .venv/bin/python -m bench.limits_probe [--flooders 60] [--seconds 10]

Numbers are printed as limits on / lifted. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import websocket

REPO = Path(__file__).resolve().parent.parent
LIFTED = {
    "PIRATECHAT_ADDRESS_CONNECTIONS": "1000000",
    "PIRATECHAT_ADDRESS_LINES_PER_SECOND": "1000000", "PIRATECHAT_ADDRESS_BURST": "1000000",
    "PIRATECHAT_ROOM_LINES_PER_SECOND": "1000000", "PIRATECHAT_ROOM_BURST": "1000000",
    "PIRATECHAT_ROOMS_PER_MINUTE": "100000000", "PIRATECHAT_ROOMS_BURST": "1000000",
    "PIRATECHAT_TRANSLATION_SHARE": "1000", "PIRATECHAT_ROOM_TRANSLATIONS": "1000000",
    "PIRATECHAT_PROCESS_TRANSLATION_SHARE": "1000",
}


def start(env: dict) -> tuple[subprocess.Popen, str]:
    scratch = tempfile.mkdtemp(prefix="limits-probe-")
    process = subprocess.Popen(
        [sys.executable, "-m", "piratechat.cli", "serve", "--ini",
         str(REPO / "development.ini"), "--host", "127.0.0.1", "--port", "0"],
        cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PIRATECHAT_ZODB_URI": f"file://{scratch}/Data.fs",
             "PIRATECHAT_TRUSTED_PROXIES": "127.0.0.1", **env})
    for line in process.stdout:
        found = re.search(r"Serving on (http://\S+)", line)
        if found:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, found.group(1)
    raise RuntimeError("server did not start")


_names = itertools.count()


def connect(url: str, address: str, room: str) -> websocket.WebSocket:
    ws = websocket.create_connection("ws" + url[4:] + "/sockjs/websocket", timeout=30,
                                     header=[f"X-Forwarded-For: {address}"])
    # names are unique in a room
    ws.send(json.dumps({"type": "join", "name": f"p{next(_names)}", "room": room}))
    return ws


def flood(url: str) -> tuple[int, int]:
    clients = [connect(url, "192.0.2.1", "flood") for _ in range(50)]
    for ws in clients:
        for n in range(20):
            ws.send(json.dumps({"type": "say", "text": f"flood {n}"}))
    stored = refused = 0
    for ws in clients:  # each learns of its own lines (and others'); count the errors
        ws.settimeout(0.5)
        try:
            while True:
                message = json.loads(ws.recv())
                refused += message["type"] == "error"
        except (websocket.WebSocketException, OSError):
            pass
        ws.close()
    with urllib.request.urlopen(url + "/rooms/flood/history?limit=1", timeout=30) as answer:
        stored = json.load(answer)["last"]
    return stored, refused


def rooms(url: str, seconds: float = 2.0) -> int:
    created, end, n = 0, time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
        request = urllib.request.Request(url + "/rooms/", data=f"room=probe-{n}".encode(),
                                         headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                created += answer.status == 201
        except urllib.error.HTTPError:
            pass
    return created


def _flooder(url: str, index: int, seconds: float, ready, go) -> None:
    ws = connect(url, f"10.9.{index // 250}.{index % 250 + 1}", "bardroom")
    stop = time.monotonic() + seconds + 5

    def read():
        try:
            while time.monotonic() < stop:
                ws.recv()
        except Exception:
            pass

    threading.Thread(target=read, daemon=True).start()
    ready.release()
    go.wait()
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        ws.send(json.dumps({"type": "say", "text": f"Do you know what you have done {n}"}))
        time.sleep(0.2)


def flooders(url: str, count: int, seconds: float, go) -> None:
    ready = threading.Semaphore(0)
    threads = [threading.Thread(target=_flooder, args=(url, i, seconds, ready, go), daemon=True)
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def bystander(url: str, seconds: float, out) -> None:
    ws = connect(url, "198.51.100.9", "quiet")
    ws.recv()  # joined
    times, end, n = [], time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
        text = f"hello {n}"
        sent = time.perf_counter()
        ws.send(json.dumps({"type": "say", "text": text}))
        while True:
            message = json.loads(ws.recv())
            if message.get("text") == text or message["type"] == "error":
                break
        if message["type"] == "line":
            times.append((time.perf_counter() - sent) * 1000)
        time.sleep(0.25)  # 4 a second: under the per-connection limit
    out.put(times)


def starve(url: str, count: int, seconds: float) -> tuple[float, float]:
    urllib.request.urlopen(urllib.request.Request(
        url + "/rooms/", data=b"room=bardroom", headers={"X-Forwarded-For": "198.51.100.10"}),
        timeout=30).close()
    chooser = connect(url, "198.51.100.10", "bardroom")
    chooser.send(json.dumps({"type": "translator", "name": "bard"}))
    while json.loads(chooser.recv())["type"] != "translator":
        pass
    chooser.close()
    go = multiprocessing.Event()
    flood_process = multiprocessing.Process(target=flooders, args=(url, count, seconds, go))
    flood_process.start()
    time.sleep(3)  # let the flooders connect (a probe, not a test)
    go.set()
    out = multiprocessing.Queue()
    watch = multiprocessing.Process(target=bystander, args=(url, seconds, out))
    watch.start()
    times = out.get()
    watch.join()
    flood_process.join()
    cuts = statistics.quantiles(times, n=10)
    return statistics.median(times), cuts[8]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flooders", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    results = {}
    for label, env in (("limits on", {}), ("lifted", LIFTED)):
        process, url = start(env)
        try:
            results[label] = {"flood": flood(url), "rooms": rooms(url),
                              "starve": starve(url, args.flooders, args.seconds)}
        finally:
            process.terminate()
            process.wait()
    on, off = results["limits on"], results["lifted"]
    print(f"flood, 50 conns x 20 lines, one address: stored {on['flood'][0]} "
          f"(refused {on['flood'][1]}) vs {off['flood'][0]} (refused {off['flood'][1]})")
    print(f"rooms created by one address in 2 s: {on['rooms']} vs {off['rooms']}")
    print(f"bystander round trip with {args.flooders} bard flooders, p50/p90 ms: "
          f"{on['starve'][0]:.1f}/{on['starve'][1]:.1f} vs {off['starve'][0]:.1f}/"
          f"{off['starve'][1]:.1f} (ratio p50 {off['starve'][0] / on['starve'][0]:.1f}x)")


if __name__ == "__main__":
    main()
