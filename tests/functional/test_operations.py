"""What an operator uses (piratechat/health.py, metrics.py, logs.py,
commands/serve.py): /healthz and /readyz, Prometheus metrics at /metrics, log
lines that name their session, and `piratechat serve` outside the checkout."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
import uuid

import pytest
import websocket
from prometheus_client import generate_latest
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IDatabase, IMetrics, IWriter
from tests.functional.test_socket import SockJSClient, ws_url
from tests.support.server import LiveServer


@pytest.fixture
def app(fresh_zodb_uri, monkeypatch):
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
    application = main({})
    yield application
    from piratechat.shutdown import close_app

    close_app(application)


def test_healthz_answers_while_the_process_lives(app):
    response = TestApp(app).get("/healthz")
    assert (response.status_int, response.text) == (200, "ok\n")


def test_readyz_is_200_while_database_and_broker_are_usable(app):
    response = TestApp(app).get("/readyz")
    assert response.json == {"ready": True, "database": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_database_is_closed(app):
    app.registry.getUtility(IDatabase).close()
    response = TestApp(app).get("/readyz", status=503)
    assert response.json["ready"] is False and response.json["database"].startswith("unavail")
    assert response.json["broker"] == "ok"


def test_readyz_is_503_when_the_broker_is_unusable(app):
    broker = app.registry.getUtility(IChat).broker
    broker.healthy = lambda: False  # a Redis broker that lost its server says this
    response = TestApp(app).get("/readyz", status=503)
    assert response.json == {"ready": False, "database": "ok", "broker": "unavailable"}


def scrape(url: str) -> dict[str, float]:
    text = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_metrics_count_connections_lines_fanout_commits_and_queues(live_server):
    before = scrape(live_server)
    raw = websocket.create_connection(ws_url(live_server, "/sockjs/websocket"), timeout=10)
    framed = SockJSClient(live_server)
    try:
        room = "metrics-" + uuid.uuid4().hex[:8]
        raw.send(json.dumps({"type": "join", "name": "Ann", "room": room}))
        framed.join("Bob", room=room)
        for n in range(3):
            raw.send(json.dumps({"type": "say", "text": f"counted {n}"}))
        framed.line_saying("counted 2")
        during = scrape(live_server)
    finally:
        raw.close()
        framed.close()
    assert during['piratechat_connections{transport="raw_websocket"}'] >= 1
    assert during['piratechat_connections{transport="websocket"}'] >= 1
    assert "piratechat_connections{transport=\"http\"}" in during
    assert during["piratechat_lines_total"] - before["piratechat_lines_total"] == 3
    assert during["piratechat_fanout_seconds_count"] > before["piratechat_fanout_seconds_count"]
    assert during["piratechat_commit_seconds_count"] > before["piratechat_commit_seconds_count"]
    assert "piratechat_queue_bytes" in during


def test_the_served_process_keeps_its_start_up_heap_out_of_full_collections(live_server):
    """``piratechat serve`` freezes what building the app left (heap.py), and
    /metrics shows it, with the full passes since."""
    samples = scrape(live_server)
    assert samples["piratechat_gc_frozen_objects"] > 10_000
    assert samples["piratechat_gc_full_passes_total"] >= 0
    assert samples["piratechat_gc_full_pass_max_seconds"] >= 0


def test_commits_and_conflicts_are_counted(app):
    """A ConflictError (another connection, standing for another process, wrote
    the room's last chunk first) is counted, and the batch's second run too."""
    import transaction

    from piratechat.chat.core.messages import now
    from piratechat.storage.database import app_root
    from piratechat.storage.history import _append

    metrics = app.registry.getUtility(IMetrics)
    writer = app.registry.getUtility(IWriter)
    line = {"author": "Ann", "text": "hi", "translation": "ahoy", "translator": "pirate"}
    app.registry.getUtility(IChat).history.append("contested", dict(line, at=now()))
    rival_manager = transaction.TransactionManager()
    rival = app.registry.getUtility(IDatabase).open(transaction_manager=rival_manager)
    runs = []

    def contested(root):
        stored = _append("contested", dict(line, at=now()), root)
        runs.append(stored["seq"])
        if len(runs) == 1:  # the rival commits between our run and our commit
            _append("contested", dict(line, at=now()), app_root(rival))
            rival_manager.commit()
        return stored

    def sample(name: str) -> float:
        return metrics.get_sample_value(name) or 0.0

    before = {name: sample(name) for name in ("piratechat_commits_total",
                                               "piratechat_commit_conflicts_total")}
    try:
        writer.submit(contested)
    finally:
        rival.close()
    assert runs == [2, 3]  # run again on the rival's line
    assert sample("piratechat_commit_conflicts_total") - before[
        "piratechat_commit_conflicts_total"] == 1
    assert sample("piratechat_commits_total") - before["piratechat_commits_total"] == 1
    assert "piratechat_commit_splits_total" in generate_latest(metrics).decode()
    assert "piratechat_index_conflicts_total" in generate_latest(metrics).decode()


def test_translator_fallbacks_are_counted(app):
    chat = app.registry.getUtility(IChat)
    registry = app.registry.getUtility(IMetrics)
    chat.history.append("deck", {"type": "line", "author": "Ann", "text": "hi",
                                 "translation": "ahoy", "translator": "pirate",
                                 "at": "2026-11-30T00:00:00.000Z", "fallback": "remote"})
    assert registry.get_sample_value("piratechat_translator_fallbacks_total",
                                     {"translator": "remote"}) == 1


def test_log_lines_name_the_session_they_are_about(fresh_zodb_uri):
    server = LiveServer(env={"PIRATECHAT_ZODB_URI": fresh_zodb_uri()})
    url = server.start()
    try:
        session = uuid.uuid4().hex
        ws = websocket.create_connection(ws_url(url, f"/sockjs/000/{session}/websocket"),
                                         timeout=10)
        ws.recv()
        ws.send(json.dumps([json.dumps({"type": "join", "name": "Ann", "room": "logged"})]))
        ws.recv()
        ws.close()
    finally:
        server.stop()
    log = "".join(server.output)
    assert f"[session {session}] joined 'logged' as 'Ann'" in log, log
    assert "[session -]" in log, log  # records outside a session say so


def test_serve_outside_the_checkout_runs_on_the_built_in_defaults(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PIRATECHAT_ZODB_URI"}
    process = subprocess.Popen([sys.executable, "-m", "piratechat.cli", "serve", "--port", "0"],
                               cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    output = []
    try:
        for line in process.stdout:
            output.append(line)
            if "Serving on" in line:
                url = re.search(r"(http://\S+)", line).group(1)
                assert urllib.request.urlopen(url + "/healthz", timeout=10).status == 200
                break
        else:
            raise AssertionError("the server ended before serving:\n" + "".join(output))
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    assert "serving on the built-in defaults" in "".join(output)
    assert (tmp_path / "var" / "Data.fs").exists()  # the embedded FileStorage, here
    assert (tmp_path / "var" / "Data.fs.index").exists()  # and closed cleanly


def test_a_missing_ini_file_is_one_sentence(tmp_path):
    for command in ("serve", "history", "evolve"):
        args = [command, "lobby"] if command == "history" else [command]
        done = subprocess.run([sys.executable, "-m", "piratechat.cli", *args,
                               "--ini", "nowhere.ini"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip() == (f"piratechat {command}: no ini file 'nowhere.ini' (from "
                                       f"{tmp_path}); name one that exists, or leave --ini out "
                                       "to run on the built-in defaults")
