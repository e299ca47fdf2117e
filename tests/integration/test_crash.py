"""Nothing lost: the server is killed (SIGKILL) while clients talk, and comes back.

Every line a client was sent back as a ``line`` message was committed (fsync'ed)
before anyone saw it, so after the restart it must be in the history, under the
same number, whole; the numbers have no gaps; the Data.fs checks clean.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime

from ZODB.FileStorage import FileStorage
from ZODB.scripts.fstest import check

from tests.functional.test_socket import SockJSClient
from tests.support.server import ROOT, LiveServer

ROOM = "crash"
TALKERS = 4


def talk(url: str, name: str, seen: dict, lock: threading.Lock, stop: threading.Event):
    """Say lines as fast as the server takes them; record every line message received."""
    client = SockJSClient(url)
    client.join(name, room=ROOM)

    def say_forever():
        count = 0
        try:
            while not stop.is_set():
                client.send({"type": "say", "text": f"{name} line {count}"})
                count += 1
        except Exception:
            pass  # the server is gone

    threading.Thread(target=say_forever, daemon=True).start()
    try:
        while True:
            message = client.next()
            if message["type"] == "line":
                with lock:
                    seen.setdefault(message["seq"], []).append(message)
    except Exception:
        pass  # the server was killed
    finally:
        stop.set()


def stored_lines(env: dict) -> list[dict]:
    """The room's history, through ``piratechat history --json`` (read-only)."""
    completed = subprocess.run(
        [sys.executable, "-m", "piratechat.cli", "history", ROOM, "--json",
         "--ini", str(ROOT / "development.ini")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_a_killed_server_loses_no_line_anyone_saw(tmp_path):
    data_fs = tmp_path / "var" / "Data.fs"
    env = {"PIRATECHAT_ZODB_URI": f"file://{data_fs}", "PIRATECHAT_BURST": "1000000",
           "PIRATECHAT_LINES_PER_SECOND": "1000000"}
    server = LiveServer(env=env)
    url = server.start()
    seen: dict[int, list[dict]] = {}
    lock, stop = threading.Lock(), threading.Event()
    talkers = [threading.Thread(target=talk, args=(url, f"P{n}", seen, lock, stop))
               for n in range(TALKERS)]
    for talker in talkers:
        talker.start()
    deadline = time.monotonic() + 60
    while len(seen) < 400 and time.monotonic() < deadline and not stop.is_set():
        time.sleep(0.01)  # waiting for traffic, not asserting on time
    server.stop(signal.SIGKILL)  # mid-stream: lines are still being said
    stop.set()
    for talker in talkers:
        talker.join(30)
    assert len(seen) >= 400, "".join(server.output)

    restarted = LiveServer(env=env)
    url = restarted.start()  # the Data.fs opens after the crash
    try:
        stored = stored_lines(restarted.env)
        seqs = [line["seq"] for line in stored]
        assert seqs == list(range(1, len(stored) + 1))  # no gaps, nothing twice
        by_seq = {line["seq"]: line for line in stored}
        for seq, copies in seen.items():  # every acknowledged line is kept, as it was seen
            assert all(copy == copies[0] for copy in copies)
            assert by_seq.get(seq) == copies[0], seq
        texts = [line["text"] for line in stored]
        assert len(set(texts)) == len(texts)
        for line in stored:  # whole lines only
            assert re.fullmatch(r"P\d line \d+", line["text"]) and line["author"] in line["text"]
            assert line["translation"] and line["translator"] == "pirate" and line["room"] == ROOM
            assert datetime.fromisoformat(line["at"]).tzinfo is not None
        client = SockJSClient(url)  # and the room goes on from there
        client.join("After", room=ROOM, after=len(stored))
        client.send({"type": "say", "text": "still afloat"})
        assert client.line_saying("still afloat")["seq"] == len(stored) + 1
        client.close()
    finally:
        restarted.stop()
    check(str(data_fs))  # fstest: every transaction and record well-formed
    storage = FileStorage(str(data_fs), read_only=True)
    try:
        transactions = sum(1 for _ in storage.iterator())
        assert transactions > 1 and storage.lastTransaction()
    finally:
        storage.close()
