"""``piratechat history`` survives whatever a database already holds: lines
stored before text was checked (a lone surrogate, ESC sequences, a bidi
override) are written escaped, never raw and never as a crash half-way."""

from __future__ import annotations

import json

import pytest

from tests.functional.test_history_cli import database_with, piratechat

STORED = ["before", "lone \ud800 surrogate", "\x1b[2J\x1b]0;owned\x07 cleared", "\u202eevil",
          "after"]


@pytest.fixture(scope="module")
def uri(tmp_path_factory):
    """A database holding what the door now refuses, written directly."""
    return database_with(tmp_path_factory.mktemp("dirty"),
                         [("deck", "M\x1b[1mallory\udc80", text, text) for text in STORED])


def test_history_json_writes_every_stored_line_as_json_reading_back_the_same(uri):
    done = piratechat(uri, "history", "deck", "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stdout
    lines = json.loads(done.stdout)
    assert [line["text"] for line in lines] == STORED  # \ud800 read back as itself
    assert lines[0]["author"] == "M\x1b[1mallory\udc80"


def test_history_text_shows_controls_and_surrogates_escaped(uri):
    done = piratechat(uri, "history", "deck")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "lone \\ud800 surrogate" in out and "\\x1b[2J\\x1b]0;owned\\x07 cleared" in out
    assert "\\u202eevil" in out and "M\\x1b[1mallory\\udc80: after" in out
    assert len(out.splitlines()) == 2 * len(STORED)
