"""One connection's lines are pipelined: its next ``say`` is read while the
last one is still on its way to the disk, so lines said in a row share a
commit, in the order said, each shown only once durable, and the flood
limits still count every one (issue 10, many small rooms)."""

from __future__ import annotations

import json
import uuid

from piratechat.interfaces import IChat, IHistory, IWriter
from tests.functional.test_join_race import app  # noqa: F401


def conversation(app, *messages: dict) -> list[dict]:  # noqa: F811
    """Send ``messages`` in one xhr_send, wait for the writer and the hub,
    and return what the server answered."""
    base = f"/sockjs/000/{uuid.uuid4().hex}"
    assert app.post(base + "/xhr").text == "o\n"
    app.post(base + "/xhr_send", json.dumps([json.dumps(m) for m in messages]),
             content_type="text/plain")
    registry = app.app.registry
    assert registry.getUtility(IWriter).drain(30)
    registry.getUtility(IChat).hub.drain()
    frame = app.post(base + "/xhr").text
    assert frame.startswith("a[")
    return [json.loads(m) for m in json.loads(frame[1:])]


def test_lines_said_in_a_row_share_commits_and_keep_their_order(app):  # noqa: F811
    writer = app.app.registry.getUtility(IWriter)
    texts = [f"Hello, friend {n}" for n in range(15)]
    commits = writer.commits
    answered = conversation(app, {"type": "join", "name": "Ann", "room": "deck"},
                            *({"type": "say", "text": text} for text in texts))
    assert answered[0]["type"] == "joined"
    lines = [message for message in answered[1:] if message["type"] == "line"]
    said = [message["seq"] for message in answered[1:] if message["type"] == "said"]
    assert len(answered) == 1 + 2 * len(texts)  # each line, and its said to its sender
    assert said == list(range(1, len(texts) + 1))
    assert [line["text"] for line in lines] == texts
    assert [line["seq"] for line in lines] == list(range(1, len(texts) + 1))
    assert writer.commits - commits < len(texts)  # not one commit per line
    stored = app.app.registry.getUtility(IHistory).after("deck", 0, 100)
    assert [line["text"] for line in stored] == texts


def test_the_flood_limit_still_counts_every_pipelined_line(app):  # noqa: F811
    burst = app.app.registry.getUtility(IChat).settings.burst
    texts = [f"line {n}" for n in range(burst + 3)]
    answered = conversation(app, {"type": "join", "name": "Ann", "room": "hold"},
                            *({"type": "say", "text": text} for text in texts))
    kinds = [message.get("code", message["type"]) for message in answered[1:]]
    assert kinds.count("flood") == 3
    assert [m["text"] for m in answered if m["type"] == "line"] == texts[:burst]
    assert len(app.app.registry.getUtility(IHistory).after("hold", 0, 100)) == burst


def test_a_repeat_in_the_same_pipeline_is_shown_once(app):  # noqa: F811
    answered = conversation(app, {"type": "join", "name": "Ann", "room": "brig"},
                            {"type": "say", "text": "Thank you", "client_id": "c-1"},
                            {"type": "say", "text": "Thank you", "client_id": "c-1"},
                            {"type": "say", "text": "Goodbye"})
    shown = [(m["text"], m["seq"]) for m in answered if m["type"] == "line" and "repeat" not in m]
    repeats = [(m["text"], m["seq"]) for m in answered if m.get("repeat")]
    assert shown == [("Thank you", 1), ("Goodbye", 2)]
    # the line reached the sender through the room: no second copy as the
    # repeat's answer (tests/functional/test_repeat_answer_once.py)
    assert repeats == []


def test_a_line_that_cannot_be_stored_is_answered_unavailable(app):  # noqa: F811
    history = app.app.registry.getUtility(IHistory)

    def broken(room, line, done):
        done(None, OSError("the disk is gone"))

    history.append_soon = broken
    answered = conversation(app, {"type": "join", "name": "Ann", "room": "cellar"},
                            {"type": "say", "text": "lost"})
    assert [m.get("code", m["type"]) for m in answered] == ["joined", "unavailable"]
