"""WebSockets under production's server, ``gunicorn --paste production.ini``:
after the handshake the app owns the connection, and gunicorn must neither
read from it nor close it (hijack.py)."""

import json
import sys
import uuid
from pathlib import Path

import pytest
import websocket

from tests.functional.test_operations import scrape
from tests.functional.test_socket import SockJSClient, ws_url
from tests.support.server import LiveServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    data = tmp_path_factory.mktemp("gunicorn") / "Data.fs"
    server = LiveServer(
        command=[sys.executable, "-m", "gunicorn", "--paste", str(ROOT / "production.ini"),
                 "--bind", "127.0.0.1:0"],
        env={"PIRATECHAT_ZODB_URI": f"file://{data}", "PIRATECHAT_BURST": "100"},
        pattern=r"Listening at: (http://\S+)",
    )
    url = server.start()
    yield url
    server.stop()
    log = "".join(server.output)
    assert "Traceback" not in log and "ERROR" not in log, log


def test_the_worker_keeps_its_start_up_heap_out_of_full_collections(gunicorn):
    """gunicorn's worker freezes its heap once the app is built (heap.py,
    gunicorn_config.post_worker_init): full collections then skip it."""
    assert scrape(gunicorn)["piratechat_gc_frozen_objects"] > 10_000


def _raw(url: str):
    return websocket.create_connection(ws_url(url, "/sockjs/websocket"), timeout=10)


def test_the_first_message_right_after_the_handshake_is_not_lost(gunicorn):
    """A client that speaks the moment it is connected: gunicorn's keep-alive
    loop must not take those bytes for a next HTTP request."""
    room = "r" + uuid.uuid4().hex[:8]
    for n in range(20):
        ws = _raw(gunicorn)
        ws.send(json.dumps({"type": "join", "name": f"Quick {n}", "room": room}))
        assert json.loads(ws.recv())["type"] == "joined"
        ws.close()
        framed = SockJSClient(gunicorn)  # sends its join right after "o"
        assert framed.join(room=room)["room"] == room
        framed.close()


def test_idle_websockets_stay_connected_and_all_hear_a_line(gunicorn):
    room = "r" + uuid.uuid4().hex[:8]
    members = [_raw(gunicorn) for _ in range(50)]
    try:
        for n, ws in enumerate(members):
            ws.send(json.dumps({"type": "join", "name": f"m{n}", "room": room}))
            assert json.loads(ws.recv())["type"] == "joined"
        members[0].send(json.dumps({"type": "say", "text": "all hands"}))
        for ws in members:
            line = json.loads(ws.recv())
            if line["type"] == "said":  # the sender is also told the line was its own
                line = json.loads(ws.recv())
            assert (line["type"], line["text"]) == ("line", "all hands")
    finally:
        for ws in members:
            ws.close()
