"""gunicorn with ``workers = 2`` on one port (piratechat/cluster/workers.py):
refused without a broker, else WebSocket transports only, said in the log;
the chat still works across both workers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sockjs_client import POST

from piratechat.cluster.processes import Service, free_port, zeo_server
from piratechat.cluster.workers import Refused, check
from piratechat.settings import Settings
from tests.support.chat_clients import WebSocketClient
from tests.support.server import HIGH_LIMITS, ROOT

GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def gunicorn(port: int, workers: int, env: dict, log: str) -> Service:
    return Service("gunicorn", [GUNICORN, "--paste", str(ROOT / "production.ini"),
                                "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
                   port, log, env)


def test_check_refuses_what_would_break_silently():
    zeo = "zeo://127.0.0.1:8100"
    redis = "redis://127.0.0.1:6379/0"
    assert check(1, False, Settings()) is None
    with pytest.raises(Refused, match="broker_url"):
        check(2, False, Settings(zodb_uri=zeo))
    with pytest.raises(Refused, match="FileStorage"):
        check(2, False, Settings(broker_url=redis, zodb_uri="file:///tmp/Data.fs"))
    with pytest.raises(Refused, match="preload_app"):
        check(2, True, Settings(broker_url=redis, zodb_uri=zeo))
    environ = {}
    assert "WebSocket transports only" in check(2, False, Settings(broker_url=redis,
                                                                   zodb_uri=zeo), environ)
    assert environ == {"PIRATECHAT_WEBSOCKET_ONLY": "true"}


def test_two_workers_without_a_broker_do_not_start(tmp_path):
    completed = subprocess.run(
        [GUNICORN, "--paste", str(ROOT / "production.ini"), "--bind", f"127.0.0.1:{free_port()}",
         "--workers", "2"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PIRATECHAT_ZODB_URI": f"file://{tmp_path}/Data.fs"})
    assert completed.returncode != 0
    assert "refusing to start: workers = 2 need piratechat.broker_url" in completed.stderr


def test_two_workers_serve_websockets_only_and_say_so(tmp_path, redis_url, broker_prefix):
    zeo = zeo_server(free_port(), str(tmp_path)).start()
    server = gunicorn(free_port(), 2, {"PIRATECHAT_ZODB_URI": f"zeo://127.0.0.1:{zeo.port}",
                                       "PIRATECHAT_BROKER_URL": redis_url,
                                       "PIRATECHAT_BROKER_PREFIX": broker_prefix,
                                       **HIGH_LIMITS},
                      str(tmp_path / "gunicorn.log"))
    try:
        server.start()
        url = f"http://127.0.0.1:{server.port}"
        assert POST(f"{url}/sockjs/000/{uuid.uuid4().hex}/xhr").status == 404
        room = "workers-" + uuid.uuid4().hex[:8]
        clients = [WebSocketClient(url, timeout=30) for _ in range(6)]  # on either worker
        for number, client in enumerate(clients):  # names are unique in a room
            client.join(room, name=f"Tester {number}")
        clients[0].say_stored("one conversation")
        assert all(c.lines(1)[0]["text"] == "one conversation" for c in clients)
        assert "Serving WebSocket transports only" in server.output()
    finally:
        server.stop()
        zeo.stop()
