"""Stopping and starting on a FileStorage (piratechat/shutdown.py,
storage/problems.py): SIGTERM closes the database under `piratechat serve`,
pserve and gunicorn, so its index is current and the next start reads it
instead of scanning Data.fs; clients are told to reconnect (1001); a database
another process holds, or one with a zero-filled tail, is one sentence."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
import websocket
from ZODB.fsIndex import fsIndex

from piratechat.rooms.evolve import evolve
from piratechat.storage.database import open_database
from tests.functional.test_socket import SockJSClient, ws_url
from tests.support.server import ROOT, LiveServer


def serve_command(kind: str, tmp_path) -> tuple[list[str], str]:
    if kind == "piratechat serve":
        return ([sys.executable, "-m", "piratechat.cli", "serve", "--ini",
                 str(ROOT / "development.ini"), "--port", "0"], r"Serving on (http://\S+)")
    if kind == "pserve":
        ini = tmp_path / "pserve.ini"
        ini.write_text((ROOT / "development.ini").read_text().replace("port = 6543", "port = 0")
                       .replace("%(here)s/theme", str(ROOT / "theme")))
        return [str(ROOT / ".venv/bin/pserve"), str(ini)], r"Serving on (http://\S+)"
    return ([sys.executable, "-m", "gunicorn", "--paste", str(ROOT / "production.ini"),
             "--bind", "127.0.0.1:0"], r"Listening at: (http://\S+)")


def index_is_current(data_fs) -> bool:
    """FileStorage's saved index covers the whole file: a start reads it, no scan."""
    index = str(data_fs) + ".index"
    return os.path.exists(index) and fsIndex.load(index)["pos"] == os.path.getsize(data_fs)


@pytest.mark.parametrize("kind", ["piratechat serve", "pserve", "gunicorn"])
def test_sigterm_tells_clients_to_reconnect_and_closes_the_database(kind, tmp_path):
    data_fs = tmp_path / "var" / "Data.fs"
    command, pattern = serve_command(kind, tmp_path)
    server = LiveServer(command=command, pattern=pattern,
                        env={"PIRATECHAT_ZODB_URI": f"file://{data_fs}"})
    url = server.start()
    try:
        raw = websocket.create_connection(ws_url(url, "/sockjs/websocket"), timeout=10)
        framed = SockJSClient(url)
        room = "bye-" + uuid.uuid4().hex[:8]
        raw.send(json.dumps({"type": "join", "name": "Ann", "room": room}))
        framed.join("Bob", room=room)
        for n in range(20):
            raw.send(json.dumps({"type": "say", "text": f"line {n}"}))
        assert framed.line_saying("line 19")["seq"] == 20
        server.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionError) as closed:
            while True:
                framed.next()
        assert closed.value.args[0].startswith('c[1001,"Going away')
        opcode, data = raw.recv_data(control_frame=True)
        while opcode != websocket.ABNF.OPCODE_CLOSE:
            opcode, data = raw.recv_data(control_frame=True)
        assert int.from_bytes(data[:2], "big") == 1001
        assert server.process.wait(30) == 0
    finally:
        server.stop()
    log = "".join(server.output)
    assert "Traceback" not in log, log
    assert index_is_current(data_fs), log
    db = open_database(f"file://{data_fs}", read_only=True)
    try:
        assert evolve is not None and len(db.storage) > 0
    finally:
        db.close()


def piratechat(uri: str, *args: str, ini: str = "development.ini") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "piratechat.cli", *args, "--ini", str(ROOT / ini)],
        cwd=ROOT, env=dict(os.environ, PIRATECHAT_ZODB_URI=uri),
        capture_output=True, text=True, timeout=60,
    )


def test_a_database_in_use_is_one_sentence_naming_the_process(tmp_path):
    uri = f"file://{tmp_path}/Data.fs"
    server = LiveServer(env={"PIRATECHAT_ZODB_URI": uri})
    server.start()
    try:
        pid = server.process.pid
        evolving = piratechat(uri, "evolve")
        second = piratechat(uri, "serve", "--port", "0")
    finally:
        server.stop()
    for done in (evolving, second):
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"is in use by process {pid} (its lock file {tmp_path}/Data.fs.lock" in done.stderr
        assert "stop that process" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_zero_filled_tail_is_named_and_the_fix_it_gives_works(tmp_path):
    data_fs = tmp_path / "Data.fs"
    db = open_database(f"file://{data_fs}")
    evolve(db)
    db.close()
    end = os.path.getsize(data_fs)
    with open(data_fs, "ab") as f:
        f.write(b"\0" * 4096)
    os.remove(str(data_fs) + ".index")
    for command in (("serve", "--port", "0"), ("evolve",), ("history", "lobby")):
        done = piratechat(f"file://{data_fs}", *command)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "ends in 4,096 zero bytes after its last transaction" in done.stderr
        assert "zero-filled tail" in done.stderr and "deleted" not in done.stderr
        assert f"truncate -s {end} {data_fs}" in done.stderr
    os.truncate(data_fs, end)  # the fix the sentence gives
    assert piratechat(f"file://{data_fs}", "evolve", "--check").returncode == 0


@pytest.mark.parametrize("seed", range(6))
def test_a_tail_of_any_bytes_is_named_and_the_fix_it_gives_works(tmp_path, seed):
    """Random bytes after the last transaction: one sentence and its fix, never a
    UnicodeDecodeError nor a tail ZODB cuts off by itself (issue 25, finding 7)."""
    import random

    data_fs = tmp_path / "Data.fs"
    db = open_database(f"file://{data_fs}")
    evolve(db)
    db.close()
    end = os.path.getsize(data_fs)
    rng = random.Random(seed)
    tail = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000)))
    with open(data_fs, "ab") as f:
        f.write(tail)
    if seed % 2:
        os.remove(str(data_fs) + ".index")
    for command in (("serve", "--port", "0"), ("evolve",), ("history", "lobby")):
        done = piratechat(f"file://{data_fs}", *command)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"ends in {len(tail):,} bytes after its last transaction" in done.stderr
        assert f"truncate -s {end} {data_fs}" in done.stderr
    assert os.path.getsize(data_fs) == end + len(tail)  # nothing cut off silently
    os.truncate(data_fs, end)
    assert piratechat(f"file://{data_fs}", "evolve", "--check").returncode == 0
