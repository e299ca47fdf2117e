"""The SockJS session adapter (chat/runtime/session.py) in a real app, in process, over xhr:
the answers the rules' unit tests cannot show, because they need a connection.

A join asking for presence gets ``joined`` then the room's ``presence``; the
flood limit covers translator choices as well as lines; an unknown translator
is refused and the connection goes on.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.shutdown import close_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    old = os.environ.get("PIRATECHAT_ZODB_URI")
    os.environ["PIRATECHAT_ZODB_URI"] = f"file://{tmp_path_factory.mktemp('session')}/Data.fs"
    try:
        application = main({}, **{"piratechat.burst": "3", "piratechat.lines_per_second": "0.001"})
    finally:
        if old is None:
            del os.environ["PIRATECHAT_ZODB_URI"]
        else:
            os.environ["PIRATECHAT_ZODB_URI"] = old
    yield TestApp(application)
    close_app(application)


class Conversation:
    """One SockJS xhr session: ``send`` messages, ``until`` a message comes."""

    def __init__(self, app: TestApp):
        self.app = app
        self.base = f"/sockjs/000/{uuid.uuid4().hex}"
        assert app.post(self.base + "/xhr").text == "o\n"
        self.got: list[dict] = []

    def send(self, *messages: dict) -> None:
        body = json.dumps([json.dumps(m) for m in messages])
        self.app.post(self.base + "/xhr_send", body, content_type="text/plain")

    def until(self, done, seconds: float = 10) -> list[dict]:
        deadline = time.monotonic() + seconds
        while not done(self.got):
            assert time.monotonic() < deadline, self.got
            frame = self.app.post(self.base + "/xhr").text
            if frame.startswith("a["):
                self.got += [json.loads(m) for m in json.loads(frame[1:])]
        return self.got


def types(messages: list[dict]) -> list[str]:
    return [m["type"] if m["type"] != "error" else m["code"] for m in messages]


def test_a_join_asking_for_presence_is_told_who_is_here(app):
    room = "session-" + uuid.uuid4().hex[:8]
    ann = Conversation(app)
    ann.send({"type": "join", "name": "Ann", "room": room, "presence": True})
    got = ann.until(lambda got: "presence" in types(got))
    assert types(got)[:2] == ["joined", "presence"]
    assert got[1]["count"] == 1 and [m["name"] for m in got[1]["members"]] == ["Ann"]
    bob = Conversation(app)
    bob.send({"type": "join", "name": "Bob", "room": room})  # no presence: not listed to him
    assert "presence" not in types(bob.until(lambda got: "joined" in types(got)))
    entered = lambda got: [m["name"] for m in got if m["type"] == "enter"]  # noqa: E731
    # Ann is in her own list: no enter of herself after it (docs/protocol.md, Presence)
    assert entered(ann.until(lambda got: "Bob" in entered(got))) == ["Bob"]


def test_translator_choices_count_against_the_flood_limit(app):
    room = "session-" + uuid.uuid4().hex[:8]
    cid = Conversation(app)
    cid.send({"type": "join", "name": "Cid", "room": room},
             *[{"type": "translator", "name": "no-such-parrot"}] * 4)
    got = cid.until(lambda got: types(got).count("flood") + types(got).count(
        "unknown_translator") == 4)
    assert types(got) == ["joined", "unknown_translator", "unknown_translator",
                          "unknown_translator", "flood"]
    assert "too fast" in got[-1]["message"]
