"""The epoch evolve step on a database written by main before epochs (commit bb68348)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from piratechat.chat.core.messages import now
from piratechat.rooms import evolve as evolution
from piratechat.storage.database import open_database, reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer

OLD = Path(__file__).resolve().parents[1] / "data" / "Data-bb68348.fs"


@pytest.fixture
def old_db(tmp_path):
    path = tmp_path / "Data.fs"
    shutil.copy(OLD, path)
    db = open_database(f"file://{path}")
    yield db
    db.close()


def test_the_old_database_is_at_schema_one_without_epochs(old_db):
    with reading(old_db) as root:
        assert root.schema_version == 1
        assert root.epoch is None and all(room.epoch is None for room in root.rooms)


def test_evolving_gives_every_room_one_epoch_and_keeps_every_line(old_db):
    assert evolution.evolve(old_db) == list(range(2, evolution.LATEST + 1))
    history = ZODBHistory(old_db, Writer(old_db))
    epoch = history.epoch("deck")
    assert isinstance(epoch, str) and len(epoch) == 16
    assert {history.epoch(room) for room in ("lobby", "deck", "käpt-n-blaubär", "new")} == {epoch}
    lines = history.after("deck", 0, 100)
    assert [(line["seq"], line["text"], line["epoch"]) for line in lines] == [
        (n, f"deck line {n}", epoch) for n in range(1, 6)]
    said = {"author": "Bo", "text": "after", "translation": "arr", "translator": "pirate",
            "at": now()}
    assert history.append("deck", said)["seq"] == 6
    assert history.append("galley", said) == dict(said, type="line", seq=1, room="galley",
                                                  epoch=epoch)
    assert evolution.evolve(old_db) == []  # once is enough


def test_rooms_keep_their_numbers_and_times_off_the_room(old_db):
    with reading(old_db) as root:
        before = [room.__name__ for room in root.rooms.recently_active(10)]
        assert before == ["deck", "lobby", "käpt-n-blaubär"]  # by the time of their last line
    evolution.evolve(old_db)
    with reading(old_db) as root:
        assert [room.__name__ for room in root.rooms.recently_active(10)] == before
        deck = root.rooms.get("deck")
        assert deck.last_seq == 5 and "last_seq" not in deck.__dict__
        assert "last_active" not in deck.__dict__
    history = ZODBHistory(old_db, Writer(old_db))
    history.append("lobby", {"author": "Bo", "text": "back", "translation": "arr",
                             "translator": "pirate", "at": now()})
    with reading(old_db) as root:
        assert [room.__name__ for room in root.rooms.recently_active(1)] == ["lobby"]
        assert root.rooms.get("lobby").last_seq == 4


def test_a_new_database_gets_an_epoch_of_its_own(old_db, tmp_path):
    evolution.evolve(old_db)
    fresh = open_database(f"file://{tmp_path}/new/Data.fs")
    try:
        evolution.evolve(fresh)
        with reading(old_db) as old, reading(fresh) as new:
            assert new.epoch and new.epoch != old.epoch
            assert new.rooms.get("lobby").epoch == new.epoch
    finally:
        fresh.close()
