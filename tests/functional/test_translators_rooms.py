"""Each room picks its parrot: over the protocol, kept on the room, shown in the page."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IWriter
from tests.support.chat_clients import WebSocketClient
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    zodb_uri = f"file://{tmp_path_factory.mktemp('rooms')}/Data.fs"
    server = LiveServer(env={"PIRATECHAT_ZODB_URI": zodb_uri})
    yield server.start()
    server.stop()


def a_room(url: str) -> str:
    """A new room, made as the front page's form makes one (a parrot is chosen
    only in a stored room: choosing does not create rooms)."""
    slug = "parrots-" + uuid.uuid4().hex[:10]
    request = urllib.request.Request(url + "/rooms/", data=f"room={slug}".encode(),
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.load(answer)["room"] == slug
    return slug


def test_joined_tells_the_room_translator_and_what_is_on_offer(server_url):
    ann = WebSocketClient(server_url)
    joined = ann.join(a_room(server_url), "Ann")
    assert joined["translator"] == "pirate"
    offers = {offer["name"]: offer["title"] for offer in joined["translators"]}
    assert offers["pirate"] == "Pirate" and offers["bard"] == "Shakespearean"
    assert joined["translators"][0]["name"] == "pirate"  # the default first
    ann.close()


def test_a_choice_is_told_to_the_room_and_translates_its_lines(server_url):
    room, elsewhere = a_room(server_url), a_room(server_url)
    ann, bob, cid = (WebSocketClient(server_url) for _ in range(3))
    ann.join(room, "Ann")
    bob.join(room, "Bob")
    cid.join(elsewhere, "Cid")
    notice = ann.choose("bard")
    assert notice == {
        "type": "translator",
        "room": room,
        "name": "bard",
        "title": "Shakespearean",
        "by": "Ann",
    }
    assert bob.next_of("translator") == notice
    line = bob.say_stored("Thank you, friend")
    assert (line["translation"], line["translator"]) == ("Thank thee, friend", "bard")
    assert ann.next_of("line")["translation"] == "Thank thee, friend"
    other = cid.say_stored("Thank you, friend")
    assert (other["translation"], other["translator"]) == ("Thank ye, mate", "pirate")
    for client in (ann, bob, cid):
        client.close()


def test_a_choice_is_kept_for_whoever_joins_later(server_url):
    room = a_room(server_url)
    ann = WebSocketClient(server_url)
    ann.join(room, "Ann")
    ann.choose("bard")
    ann.close()
    dan = WebSocketClient(server_url)
    assert dan.join(room, "Dan")["translator"] == "bard"
    dan.choose("pirate")
    assert dan.say_stored("Hello")["translator"] == "pirate"
    dan.close()


def test_a_choice_survives_a_restart(tmp_path):
    uri = f"file://{tmp_path}/Data.fs"
    first = LiveServer(env={"PIRATECHAT_ZODB_URI": uri})
    try:
        url = first.start()
        room = a_room(url)
        ann = WebSocketClient(url)
        ann.join(room, "Ann")
        ann.choose("bard")
        ann.close()
    finally:
        first.stop()
    second = LiveServer(env={"PIRATECHAT_ZODB_URI": uri})
    try:
        eve = WebSocketClient(second.start())
        assert eve.join(room, "Eve")["translator"] == "bard"
        assert eve.say_stored("I love you")["translation"] == "I love thee"
        eve.close()
    finally:
        second.stop()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"type": "translator", "name": "klingon"}, "unknown_translator"),
        ({"type": "translator", "name": 7}, "bad_message"),
        ({"type": "translator"}, "bad_message"),
    ],
)
def test_bad_choices_are_refused(server_url, message, code):
    ann = WebSocketClient(server_url)
    ann.join(a_room(server_url), "Ann")
    ann.send(message)
    error = ann.next_of("error")
    assert error["code"] == code
    if code == "unknown_translator":
        assert "offered: pirate, bard" in error["message"]
    assert ann.say_stored("Hello")["translator"] == "pirate"  # still usable, unchanged
    ann.close()


def test_choosing_before_joining_is_refused(server_url):
    ann = WebSocketClient(server_url)
    ann.send({"type": "translator", "name": "bard"})
    assert ann.next_of("error")["code"] == "not_joined"
    ann.close()


# --- the page ---------------------------------------------------------------


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", f"file://{tmp_path}/Data.fs")
    return TestApp(main({}))


def select_of(page) -> tuple[list[tuple[str, str]], list[str]]:
    select = page.html.find("select", id="translator")
    options = select.find_all("option")
    return (
        [(option["value"], option.text) for option in options],
        [option["value"] for option in options if option.has_attr("selected")],
    )


def test_the_page_offers_every_translator_with_the_default_selected(app):
    options, selected = select_of(app.get("/"))
    assert options[:2] == [("pirate", "Pirate"), ("bard", "Shakespearean")]
    assert selected == ["pirate"]


def test_a_room_page_shows_the_room_choice(app):
    chat = app.app.registry.getUtility(IChat)
    app.post("/rooms/", {"room": "globe"})
    chat.choose_translator("globe", "bard", "Will")
    assert select_of(app.get("/rooms/globe/"))[1] == ["bard"]
    assert select_of(app.get("/rooms/elsewhere/"))[1] == ["pirate"]


def test_a_choice_made_by_another_process_is_read_again_after_a_while(app):
    """Another process's choice reaches the database, not this process's memory;
    it is used once the reused reading is REUSE_SECONDS old (a clock we move)."""
    from functools import partial

    from piratechat.chat.runtime.choice import REUSE_SECONDS, RoomTranslators, _choose

    registry = app.app.registry
    now = [1000.0]
    rooms = RoomTranslators(registry, clock=lambda: now[0])
    assert rooms.lookup("globe").name == "pirate"
    app.post("/rooms/", {"room": "globe"})
    registry.getUtility(IWriter).submit(partial(_choose, "globe", "bard", None, None))
    assert rooms.lookup("globe").name == "pirate"
    now[0] += REUSE_SECONDS
    assert rooms.lookup("globe").name == "bard"
    rooms.choose("globe", "pirate")  # made here: used at once
    assert rooms.lookup("globe").name == "pirate"
