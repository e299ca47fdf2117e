"""Evolve step 7 (the search index) on a database written by main at e2d81ac
(tests/data/make_e2d81ac_scripts.py: schema 6, lines in several scripts): every line
already stored is found, and lines said after the upgrade are indexed too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from piratechat.chat.core.messages import now
from piratechat.rooms import evolve as evolution
from piratechat.search.service import ZODBSearch
from piratechat.storage.database import open_database, reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer

OLD = Path(__file__).resolve().parents[1] / "data" / "Data-e2d81ac-scripts.fs"


@pytest.fixture
def old_db(tmp_path):
    path = tmp_path / "Data.fs"
    shutil.copy(OLD, path)
    db = open_database(f"file://{path}")
    yield db
    db.close()


def test_the_old_database_is_at_schema_6_without_an_index(old_db):
    with reading(old_db) as root:
        assert root.schema_version == 6 and root.search_index is None


def test_step_7_indexes_every_line_already_stored(old_db):
    assert evolution.evolve(old_db) == [7]
    with reading(old_db) as root:
        index = root.search_index
        assert len(index) == 2 + 3 + 40
        assert dict(index.indexed) == {"lobby": 2, "käpt-n-blaubär": 3, "deck": 40}
    search = ZODBSearch(old_db, None)
    found = search.search("creme brulee")
    assert [(room, line.seq) for room, line in found.lines] == [("lobby", 2)]
    assert [line.text for _, line in search.search("東京").lines] == ["東京都に住んでいます"]
    assert [line.text for _, line in search.search("straße").lines] == ["STRASSE der Piraten"]
    deck = search.search("swab", room="deck", limit=50).lines
    assert [line.seq for _, line in deck] == list(range(40, 0, -1))  # newest first
    assert evolution.evolve(old_db) == []  # once


def test_lines_said_after_the_upgrade_join_the_index(old_db):
    evolution.evolve(old_db)
    history = ZODBHistory(old_db, Writer(old_db, later_every=0.05))
    try:
        history.append("deck", {"author": "Bo", "text": "swab it again", "translation": "x",
                                "translator": "pirate", "at": now()})
        assert history.writer.drain(30)
    finally:
        history.writer.close()
    with reading(old_db) as root:
        assert root.search_index.indexed["deck"] == 41
    found = ZODBSearch(old_db, None).search("swab", room="deck", limit=2).lines
    assert [(line.seq, line.author) for _, line in found] == [(41, "Bo"), (40, "Ann")]
