"""Evolve step 8 (moderation's rules and groups) on a database written by main at
e2d81ac (tests/data/make_e2d81ac.py: schema 6, lines in chunks, no moderation)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from piratechat.moderation import core
from piratechat.moderation.service import _effective
from piratechat.moderation.tree import Groups, Rules
from piratechat.rooms import evolve as evolution
from piratechat.storage.database import open_database, reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer

OLD = Path(__file__).resolve().parents[1] / "data" / "Data-e2d81ac.fs"


@pytest.fixture
def old_db(tmp_path):
    path = tmp_path / "Data.fs"
    shutil.copy(OLD, path)
    db = open_database(f"file://{path}")
    yield db
    db.close()


def test_the_old_database_has_no_moderation(old_db):
    with reading(old_db) as root:
        assert root.schema_version == 6
        rooms = root.rooms
        rooms._p_activate()
        assert "rules" not in rooms.__dict__ and "groups" not in rooms.__dict__


def test_evolving_gives_the_chat_its_rules_and_groups_and_keeps_every_line(old_db):
    history = ZODBHistory(old_db, Writer(old_db))
    before = {room: history.after(room, 0, 1000) for room in ("lobby", "deck")}
    assert evolution.evolve(old_db) == [7, 8]
    with reading(old_db) as root:
        assert isinstance(root.rooms.rules, Rules) and isinstance(root.rooms.groups, Groups)
        assert root.rooms.groups.__parent__ is root.rooms
        deck = root.rooms.get("deck")
        assert deck.rules is None and deck.group is None  # class defaults: nothing written
        assert _effective(root, "deck") == core.effective([("room", None), ("chat", Rules())])
    assert {room: history.after(room, 0, 1000) for room in before} == before
    assert evolution.evolve(old_db) == []  # once is enough


def test_after_evolving_old_lines_can_be_taken_back_and_rules_set(old_db):
    evolution.evolve(old_db)
    writer = Writer(old_db)
    history = ZODBHistory(old_db, writer)
    gone = history.retract("deck", 20, lambda line: None)
    assert gone["retracted"] and gone["text"] == "" and gone["seq"] == 20
    lines = history.after("deck", 18, 3)
    assert [line["text"] for line in lines] == ["deck line 19", "", "deck line 21"]
    assert history.append("deck", {"author": "Bo", "text": "new", "translation": "arr",
                                   "translator": "pirate",
                                   "at": "2026-12-07T13:00:00.000Z"})["seq"] == 41

    def slow(root):
        root.rooms.rules.slow = 30

    writer.submit(slow)
    with reading(old_db) as root:
        assert _effective(root, "deck").slow == 30
        assert _effective(root, "a-room-made-later").slow == 30
