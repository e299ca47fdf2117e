"""Rooms on the web, through WebTest: the front page, room pages found by
traversal, the 400 page for names that cannot be rooms, the history endpoint."""

from urllib.parse import quote

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IDatabase, IWriter


@pytest.fixture(scope="module")
def app(fresh_zodb_uri):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
        patch.setenv("PIRATECHAT_RECENT_ROOMS", "3")
        application = main({})
    yield TestApp(application)
    application.registry.getUtility(IWriter).close()
    application.registry.getUtility(IDatabase).close()


@pytest.fixture(scope="module")
def chat(app):
    return app.app.registry.getUtility(IChat)


def test_the_front_page_is_the_lobby_with_a_form_for_your_own_room(app):
    page = app.get("/")
    assert page.html.title.text == "PirateChat"
    chat = page.html.find("main", id="chat")
    assert chat["data-room"] == "lobby"
    assert chat["data-history-url"] == "http://localhost/rooms/lobby/history"
    assert chat.find("input", id="line") and chat.find("button", id="send")
    form = page.html.find("form", id="new-room")
    assert form["method"] == "post" and form["action"] == "http://localhost/rooms/"
    assert form.find("input", id="room-name")["name"] == "room"


def test_a_typed_name_lands_in_its_own_room_at_a_clean_url(app):
    created = app.post("/rooms/", {"room": "  Käpt'n Blaubär's Deck "}, status=303)
    slug = "käpt-n-blaubär-s-deck"
    assert created.location == f"http://localhost/rooms/{quote(slug)}/"
    page = created.follow()
    assert page.html.find("main", id="chat")["data-room"] == slug
    assert page.html.find(id="room-title").text == "Käpt'n Blaubär's Deck"
    assert page.html.title.text == "Käpt'n Blaubär's Deck · PirateChat"
    assert page.html.find(id="room-url")["href"] == created.location
    again = app.post("/rooms/", {"room": "KÄPT'N blaubär’s deck"}, status=303)
    assert again.location == created.location  # one name, one room
    assert again.follow().html.find(id="room-title").text == "Käpt'n Blaubär's Deck"


def test_a_room_nobody_used_yet_has_a_working_page(app):
    page = app.get("/rooms/crows-nest/")
    assert page.html.find("main", id="chat")["data-room"] == "crows-nest"
    history = app.get("/rooms/crows-nest/history").json
    epoch = history.pop("epoch")  # the database's, which the room gets when first stored
    assert history == {"room": "crows-nest", "last": 0, "lines": []}
    assert isinstance(epoch, str) and len(epoch) == 16


@pytest.mark.parametrize(
    "name, reason",
    [
        ("", "empty"),
        ("../../etc/passwd", "not a path"),
        ("a/b", "not a path"),
        ("a%2Fb", "not a path"),
        ("bell\x07", "control character"),
        ("x" * 65, "limit is 64"),
        ("?!", "letter or digit"),
    ],
)
def test_names_that_cannot_be_rooms_get_a_clear_400_page(app, name, reason):
    page = app.post("/rooms/", {"room": name}, status=400)
    assert page.content_type == "text/html"
    assert reason in page.html.find(id="reason").text
    assert "Traceback" not in page.text


@pytest.mark.parametrize(
    "path, suggestion",
    [
        ("/rooms/Upper/", "http://localhost/rooms/upper/"),
        ("/rooms/two%20words/", "http://localhost/rooms/two-words/"),
        ("/rooms/%07/", None),
        ("/rooms/" + "x" * 65 + "/", None),
        ("/rooms/%2e%2e/", None),
        ("/rooms/lobby/../lobby/", None),
        ("/rooms/./lobby/", None),
        ("/rooms/a..b/history", "http://localhost/rooms/a-b/"),
    ],
)
def test_room_urls_that_are_not_slugs_get_a_clear_400_page(app, path, suggestion):
    page = app.get(path, status=400)
    assert page.html.find(id="reason").text
    link = page.html.find(id="suggestion")
    assert (link and link["href"]) == suggestion


def test_the_history_endpoint_serves_a_rooms_lines_by_sequence(app, chat):
    for n in range(1, 8):
        chat.say("galley", "Ann", f"line {n}")
    chat.say("brig", "Bob", "not in the galley")
    everything = app.get("/rooms/galley/history").json
    assert everything["room"] == "galley" and everything["last"] == 7
    assert [line["seq"] for line in everything["lines"]] == list(range(1, 8))
    line = everything["lines"][0]
    assert (line["type"], line["room"], line["author"], line["text"]) == (
        "line", "galley", "Ann", "line 1")
    assert line["translation"] and line["translator"] and line["at"].endswith("Z")
    page = app.get("/rooms/galley/history?after=3&limit=2").json
    assert [line["text"] for line in page["lines"]] == ["line 4", "line 5"]
    assert app.get("/rooms/galley/history?after=7").json["lines"] == []


@pytest.mark.parametrize("query", ["after=-1", "after=x", "limit=0", "limit=1001", "after=1.5"])
def test_bad_history_parameters_are_a_400_with_a_reason(app, query):
    answer = app.get("/rooms/galley/history?" + query, status=400)
    assert answer.content_type == "application/json" and answer.json["error"]


def test_the_front_page_lists_recently_active_rooms_newest_first(app, chat):
    for room in ["aft", "bow", "stern", "keel", "bow"]:
        chat.say(room, "Ann", "ahoy")
    chat.say("lobby", "Ann", "the lobby is the front page itself")
    links = app.get("/").html.find("ul", id="rooms").find_all("a")
    assert [a["data-room"] for a in links] == ["bow", "keel", "stern"]  # recent_rooms = 3
    assert links[0]["href"] == "http://localhost/rooms/bow/"


def test_rooms_index_leads_to_the_front_page(app):
    assert app.get("/rooms/", status=302).location == "http://localhost/"


def test_unknown_pages_are_404(app):
    app.get("/rooms/lobby/nothing-here", status=404)
    assert app.get("/favicon.ico").content_type == "image/x-icon"
