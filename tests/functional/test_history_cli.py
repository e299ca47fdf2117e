"""``piratechat history`` and ``piratechat evolve`` against a real FileStorage."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from piratechat.chat.core.messages import now
from piratechat.rooms import evolve as evolution
from piratechat.rooms.evolve import evolve
from piratechat.storage.database import open_database
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer
from tests.support.server import ROOT


def piratechat(uri: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "piratechat.cli", *args, "--ini", str(ROOT / "development.ini")],
        cwd=ROOT, env=dict(os.environ, PIRATECHAT_ZODB_URI=uri),
        capture_output=True, text=True, timeout=60,
    )


def database_with(folder, lines: list[tuple[str, str, str, str]]) -> str:
    """A new FileStorage in ``folder`` holding ``lines`` (room, author, text,
    translation), written directly, whatever the chat would accept; its URI."""
    uri = f"file://{folder}/Data.fs"
    db = open_database(uri)
    evolve(db)
    writer = Writer(db)
    history = ZODBHistory(db, writer)
    for room, author, text, translation in lines:
        history.append(room, {"author": author, "text": text, "translation": translation,
                              "translator": "pirate", "at": now()})
    writer.close()
    db.close()
    return uri


@pytest.fixture(scope="module")
def uri(tmp_path_factory):
    lines = [("deck", "Ann", f"line {n}", f"arr {n}") for n in range(1, 6)]
    return database_with(tmp_path_factory.mktemp("cli"),
                         [*lines, ("hold", "Bob", "elsewhere", "elsewhere")])


def test_history_prints_a_rooms_lines_with_who_and_when(uri):
    done = piratechat(uri, "history", "deck", "--after", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and lines[0].split()[0] == "4" and "Ann: line 4" in lines[0]
    assert lines[0].split()[1].endswith("Z") and "parrot (pirate): arr 4" in lines[1]


def test_history_json_is_the_protocols_line_messages(uri):
    done = piratechat(uri, "history", "deck", "--json", "--limit", "2")
    lines = json.loads(done.stdout)
    assert [(m["type"], m["seq"], m["room"], m["text"]) for m in lines] == [
        ("line", 1, "deck", "line 1"), ("line", 2, "deck", "line 2")]
    assert json.loads(piratechat(uri, "history", "deck", "--json", "--after", "5").stdout) == []


@pytest.mark.parametrize("room, status, says", [
    ("Deck", 2, "try 'deck'"), ("../deck", 2, "slugs"), ("galley", 1, "no room 'galley'")])
def test_history_of_a_room_that_is_not_there(uri, room, status, says):
    done = piratechat(uri, "history", room)
    assert done.returncode == status and says in done.stderr and not done.stdout


def test_history_and_evolve_without_a_database_say_so(tmp_path):
    missing = f"file://{tmp_path}/nothing/Data.fs"
    for command in (("history", "lobby"), ("evolve", "--check")):
        done = piratechat(missing, *command)
        assert done.returncode == 1 and "no database at" in done.stderr
    assert not (tmp_path / "nothing").exists()  # reading never creates one


def test_evolve_brings_a_new_database_to_the_latest_schema(tmp_path):
    fresh = f"file://{tmp_path}/var/Data.fs"
    assert "ran step 1" in piratechat(fresh, "evolve").stdout
    check = piratechat(fresh, "evolve", "--check")
    latest = evolution.LATEST
    assert check.returncode == 0 and f"stored {latest}, latest {latest}" in check.stdout
