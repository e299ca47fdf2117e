"""Evolve step 5 (lines into chunks) on a database written by main at 48bcfdc
(tests/data/make_48bcfdc.py: one persistent Line per line, schema 4)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.chat.core.messages import now
from piratechat.chat.core.senders import repeat_key, sender
from piratechat.interfaces import IDatabase, IHistory, IWriter
from piratechat.rooms import evolve as evolution
from piratechat.rooms.lines import Chunk, Chunks, StoredLine
from piratechat.storage.database import open_database, reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer
from tests.support.server import ROOT

OLD = Path(__file__).resolve().parents[1] / "data" / "Data-48bcfdc.fs"
ROOMS = {"lobby": 3, "deck": 40, "käpt-n-blaubär": 2}  # as make_48bcfdc.py wrote them


@pytest.fixture
def old_path(tmp_path):
    path = tmp_path / "Data.fs"
    shutil.copy(OLD, path)
    return path


@pytest.fixture
def old_db(old_path):
    db = open_database(f"file://{old_path}")
    yield db
    db.close()


def stored_before(db) -> tuple[str, dict[str, list[StoredLine]]]:
    """The database's epoch, and every room's lines read the way schema 4 kept them."""
    with reading(db) as root:
        rooms = {}
        for room in root.rooms:
            room._p_activate()
            rooms[room.__name__] = [line.stored() for line in room.__dict__["lines"].values()]
        return root.epoch, rooms


def said(text: str, **extra) -> dict:
    return dict({"author": "Bo", "text": text, "translation": "arr", "translator": "pirate",
                 "at": now()}, **extra)


def test_the_old_database_keeps_a_persistent_line_per_line(old_db):
    with reading(old_db) as root:
        assert root.schema_version == 4
    epoch, rooms = stored_before(old_db)
    assert isinstance(epoch, str) and {name: len(lines) for name, lines in rooms.items()} == ROOMS
    deck = rooms["deck"]
    assert [line.seq for line in deck] == list(range(1, 41))
    assert deck[2].repeat_key == "ann-3" and deck[1].fallback == "remote"  # the id itself


def test_evolving_keeps_every_line_its_number_and_the_epoch(old_db):
    epoch, before = stored_before(old_db)
    assert evolution.evolve(old_db) == [5, 6]
    history = ZODBHistory(old_db, Writer(old_db))
    for room, lines in before.items():
        assert history.epoch(room) == epoch
        assert history.after(room, 0, 1000) == [line.as_message(room, epoch) for line in lines]
        assert history.since(room, 0, 1000) == (len(lines), history.after(room, 0, 1000))
    with reading(old_db) as root:
        deck = root.rooms.get("deck")
        assert "lines" not in deck.__dict__ and isinstance(deck.chunks, Chunks)
        assert [chunk.first for chunk in deck.chunks.values()] == [1, 17, 33]
        assert all(isinstance(chunk, Chunk) for chunk in deck.chunks.values())
    assert evolution.evolve(old_db) == []  # once is enough


def key(name: str, client_id: str) -> str:
    """The repeat key of a client without a sender key, chatting as ``name``."""
    return repeat_key(sender(None, name), client_id)


def test_after_evolving_numbers_go_on_and_old_client_ids_are_still_their_senders_repeats(
        old_db):
    evolution.evolve(old_db)
    history = ZODBHistory(old_db, Writer(old_db))
    again = history.append("deck", said("deck line 3", repeat_key=key("Ann", "ann-3")))
    assert again["repeat"] and again["seq"] == 3 and again["text"] == "deck line 3"
    assert history.append("deck", said("new", repeat_key=key("Bo", "ann-5")))["seq"] == 41
    assert history.append("deck", said("new", repeat_key=key("Bo", "bo-1")))["seq"] == 42
    assert history.append("lobby", said("new"))["seq"] == 4
    assert history.append("galley", said("new"))["seq"] == 1
    assert history.append("deck", said("new", repeat_key=key("Bo", "bo-1")))["repeat"]
    assert [line["text"] for line in history.recent("deck", 3)] == ["deck line 40", "new", "new"]


def piratechat(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "piratechat.cli", *args, "--ini", str(ROOT / "development.ini")],
        cwd=ROOT, env=dict(os.environ, PIRATECHAT_ZODB_URI=f"file://{path}"),
        capture_output=True, text=True, timeout=60,
    )


def test_the_command_the_web_history_and_recent_lines_agree_after_evolving(old_path):
    db = open_database(f"file://{old_path}")
    epoch, before = stored_before(db)
    db.close()
    done = piratechat(old_path, "evolve")
    assert done.returncode == 0, done.stderr
    expected = [line.as_message("deck", epoch) for line in before["deck"]]
    done = piratechat(old_path, "history", "deck", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", f"file://{old_path}")
        application = main({})
    try:
        app = TestApp(application)
        page = app.get("/rooms/deck/history").json
        assert page["last"] == 40 and page["lines"] == expected
        assert application.registry.getUtility(IHistory).recent("deck", 50) == expected
    finally:
        application.registry.getUtility(IWriter).close()
        application.registry.getUtility(IDatabase).close()
