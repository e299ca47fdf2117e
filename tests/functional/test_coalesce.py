"""Coalescing over a real server (chat/runtime/hub.py, ``coalesce_ms``): lines that
keep coming share ``a[...]`` frames (and sends) with the window on; the same
stream without it, for comparison. Every line still arrives, in order, once."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import websocket

from piratechat import main
from piratechat.interfaces import IChat, IDatabase, IWriter
from piratechat.settings import parse
from tests.support.server import LiveServer

LINES = 40
PAUSE = 0.002  # seconds between two lines said: a steady stream, not one burst


def test_the_window_is_a_setting_the_hub_gets(fresh_zodb_uri, monkeypatch):
    assert parse({}, environ={}).coalesce_ms == 5.0
    assert parse({"piratechat.coalesce_ms": "2.5"}, environ={}).coalesce_ms == 2.5
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
    monkeypatch.setenv("PIRATECHAT_COALESCE_MS", "0")
    app = main({"piratechat.coalesce_ms": "20"})  # the environment wins
    try:
        assert app.registry.getUtility(IChat).hub.window == 0
    finally:
        app.registry.getUtility(IWriter).close()
        app.registry.getUtility(IDatabase).close()


def framed_client(url: str):
    ws = websocket.create_connection(f"ws{url[4:]}/sockjs/000/{uuid.uuid4().hex}/websocket",
                                     timeout=20)
    assert ws.recv() == "o"
    return ws


def send(ws, message: dict) -> None:
    ws.send(json.dumps([json.dumps(message)]))


def frames_until(ws, count: int) -> list[list[dict]]:
    """The ``a[...]`` frames that bring the next ``count`` lines (other messages dropped)."""
    frames, seen = [], 0
    while seen < count:
        frame = ws.recv()
        if frame.startswith("a"):
            lines = [m for m in map(json.loads, json.loads(frame[1:])) if m["type"] == "line"]
            if lines:
                frames.append(lines)
                seen += len(lines)
    return frames


def join(ws, room: str, name: str = "Reader") -> None:
    send(ws, {"type": "join", "name": name, "room": room})
    while True:
        frame = ws.recv()
        if frame.startswith("a") and any(json.loads(m)["type"] == "joined"
                                         for m in json.loads(frame[1:])):
            return


@pytest.mark.parametrize("coalesce_ms", ["0", "5", "50"])  # off, the default, long
def test_a_stream_of_lines_shares_frames_with_the_window_on(coalesce_ms):
    live = LiveServer(env={"PIRATECHAT_COALESCE_MS": coalesce_ms,
                           "PIRATECHAT_LINES_PER_SECOND": "10000", "PIRATECHAT_BURST": "10000"})
    url = live.start()
    reader, sayer = framed_client(url), framed_client(url)
    try:
        room = "stream-" + uuid.uuid4().hex[:8]
        join(reader, room)
        join(sayer, room, "Sayer")
        for n in range(LINES):
            send(sayer, {"type": "say", "text": f"line {n}"})
            time.sleep(PAUSE)
        frames = frames_until(reader, LINES)
        got = [line["text"] for frame in frames for line in frame]
        assert got == [f"line {n}" for n in range(LINES)]  # all, in order, once
        print(f"coalesce_ms={coalesce_ms}: {len(frames)} frames for {LINES} lines "
              f"({len(frames) / LINES:.2f} sends per line)")
        if coalesce_ms == "50":  # 50 ms gathers many 2 ms apart, however slow the machine
            assert len(frames) < LINES / 2
    finally:
        reader.close()
        sayer.close()
        live.stop()
