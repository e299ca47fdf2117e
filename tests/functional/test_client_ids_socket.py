"""The outbox's promise over a live server: a line resent with its ``client_id``
after a cut connection is in the room once (docs/protocol.md)."""

from __future__ import annotations

import json
import urllib.request

from tests.functional.test_rooms_socket import clients, fresh_room  # noqa: F401


def history(live_server: str, room: str) -> dict:
    with urllib.request.urlopen(f"{live_server}/rooms/{room}/history") as response:
        return json.load(response)


def test_a_line_resent_after_its_echo_was_cut_off_is_stored_once(clients, live_server):  # noqa: F811
    room = fresh_room()
    watcher = clients()
    watcher.join("Watcher", room=room)
    sender = clients()
    sender.join("Ann", room=room)
    sender.send({"type": "say", "text": "Hello, friend", "client_id": "ann-1"})
    sender.close()  # cut: its echo never arrives
    stored = watcher.line_saying("Hello, friend")  # the line is stored (published once kept)
    assert stored["seq"] == 1 and "client_id" not in stored  # the sender's business only

    again = clients()  # the page reconnects, catches up, then empties its outbox
    again.join("Ann", room=room, after=0)
    assert again.line_saying("Hello, friend")["seq"] == 1  # caught up from the history
    again.send({"type": "say", "text": "Hello, friend", "client_id": "ann-1"})
    # stored once, and not shown twice: the catch-up's line was its answer
    # (tests/functional/test_repeat_answer_once.py)
    again.send({"type": "say", "text": "the beer", "client_id": "ann-2"})
    assert again.next_of("line")["text"] == "the beer"
    assert watcher.next_of("line")["text"] == "the beer"  # nothing in between: no second copy
    page = history(live_server, room)
    assert page["last"] == 2
    assert [line["text"] for line in page["lines"]] == ["Hello, friend", "the beer"]


def test_a_bad_client_id_is_refused_and_nothing_is_stored(clients, live_server):  # noqa: F811
    room = fresh_room()
    ann = clients()
    ann.join("Ann", room=room)
    for bad in (5, "", "x" * 65, "new\nline", "é"):
        ann.send({"type": "say", "text": "Hello", "client_id": bad})
        error = ann.next_of("error")
        assert error["code"] == "bad_message" and "client_id" in error["message"]
    assert history(live_server, room)["last"] == 0
