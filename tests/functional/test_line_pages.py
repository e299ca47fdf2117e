"""Every line a page, and the search pages, through WebTest on a real FileStorage:
``/rooms/<slug>/lines/<seq>`` as HTML and JSON, 404 for numbers a room does not
have, ``/search`` and ``<room>/search`` newest first with links to the lines."""

from __future__ import annotations

import pytest
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IDatabase, IWriter


@pytest.fixture(scope="module")
def app(fresh_zodb_uri):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
        patch.setenv("PIRATECHAT_SEARCHES_PER_MINUTE", "6000")
        patch.setenv("PIRATECHAT_SEARCHES_BURST", "1000")
        application = main({})
    yield TestApp(application)
    application.registry.getUtility(IWriter).close()
    application.registry.getUtility(IDatabase).close()


@pytest.fixture(scope="module")
def chat(app):
    return app.app.registry.getUtility(IChat)


def test_a_line_has_a_page_with_who_when_its_parrot_and_ten_lines_either_side(app, chat):
    for n in range(1, 31):
        chat.say("mess", "Ann" if n % 2 else "Bo", f"mess line {n}")
    page = app.get("/rooms/mess/lines/15")
    html = page.html
    assert page.content_type == "text/html"
    assert html.find(id="line-text").text == "mess line 15"
    assert html.find(id="line-author").text == "Ann"
    assert html.find(id="line-translation").text.strip()
    assert html.find(id="line-time")["datetime"].endswith("Z")
    around = [int(li["data-seq"]) for li in html.find("ol", class_="around").find_all("li")]
    assert around == list(range(5, 26))
    assert html.find(id="join-here")["href"] == "http://localhost/rooms/mess/#line-15"
    first = app.get("/rooms/mess/lines/1").html.find("ol", class_="around").find_all("li")
    assert [int(li["data-seq"]) for li in first] == list(range(1, 12))


def test_a_line_as_json_by_format_or_accept(app, chat):
    chat.say("galley-json", "Ann", "a line to fetch")
    by_format = app.get("/rooms/galley-json/lines/1?format=json").json
    by_accept = app.get("/rooms/galley-json/lines/1",
                        headers={"Accept": "application/json"}).json
    assert by_format == by_accept
    assert by_format["line"]["text"] == "a line to fetch" and by_format["line"]["seq"] == 1
    assert by_format["line"]["url"] == "http://localhost/rooms/galley-json/lines/1"
    assert by_format["before"] == [] and by_format["after"] == []
    assert app.get("/rooms/galley-json/lines/1", headers={"Accept": "*/*"}
                   ).content_type == "text/html"


@pytest.mark.parametrize("number", ["2", "0", "99999999999999999999", "x", "01", "-1"])
def test_a_number_the_room_does_not_have_is_a_themed_404(app, chat, number):
    chat.say("brig-404", "Ann", "only one line")
    page = app.get(f"/rooms/brig-404/lines/{number}", status=404)
    assert page.html.find(id="problem") and "Traceback" not in page.text
    assert app.get(f"/rooms/brig-404/lines/{number}?format=json", status=404).json["error"]
    app.get("/rooms/never-used/lines/1", status=404)


def test_the_chat_page_says_where_its_lines_pages_are(app):
    chat = app.get("/rooms/mess/").html.find("main", id="chat")
    assert chat["data-lines-url"] == "http://localhost/rooms/mess/lines/"


def test_search_finds_words_newest_first_in_every_room_or_one(app, chat):
    chat.say("search-a", "Ann", "The Kraken wakes")
    chat.say("search-b", "Bo", "a KRÀKEN, sir!")
    chat.say("search-a", "Cy", "nothing to see")
    found = app.get("/search?q=kraken&format=json").json
    assert [(r["room"], r["author"]) for r in found["results"]] == [("search-b", "Bo"),
                                                                    ("search-a", "Ann")]
    first = found["results"][0]
    assert first["url"] == "http://localhost/rooms/search-b/lines/1" and first["at"]
    assert app.get(first["url"]).html.find(id="line-text").text == "a KRÀKEN, sir!"
    in_a = app.get("/rooms/search-a/search?q=kraken&format=json").json
    assert [r["text"] for r in in_a["results"]] == ["The Kraken wakes"]
    page = app.get("/search?q=kraken").html
    links = [a["href"] for a in page.find(id="results").find_all("a", class_="result-link")]
    assert links == ["http://localhost/rooms/search-b/lines/1",
                     "http://localhost/rooms/search-a/lines/1"]


def test_a_phrase_in_quotes_matches_as_a_phrase(app, chat):
    chat.say("phrases", "Ann", "walk the plank now")
    chat.say("phrases", "Bo", "the plank? walk it")
    found = app.get('/rooms/phrases/search?q="walk+the+plank"&format=json').json
    assert [r["author"] for r in found["results"]] == ["Ann"]
    both = app.get("/rooms/phrases/search?q=walk+plank&format=json").json
    assert [r["author"] for r in both["results"]] == ["Bo", "Ann"]


def test_search_pages_through_older_answers(app, chat):
    """Pages of 3, newest first, each line once; a page may hold more than 3 only to
    keep lines of one time (the cursor is a time; ``at`` counts milliseconds)."""
    for n in range(7):
        chat.say("pages", "Ann", f"doubloon {n}")
    pages, url = [], "/rooms/pages/search?q=doubloon&limit=3&format=json"
    while url is not None:
        answer = app.get(url).json
        pages.append([r["text"] for r in answer["results"]])
        url = answer["next"] and answer["next"] + "&format=json"
    assert [text for page in pages for text in page] == [f"doubloon {n}" for n in range(6, -1, -1)]
    assert len(pages) >= 2 and all(len(page) >= 3 for page in pages[:-1])


@pytest.mark.parametrize("query", ["q=", "q=%21%21", "q=" + "+".join(f"w{n}" for n in range(17)),
                                   "q=a&limit=0", "q=a&limit=51", "q=a&before=x"])
def test_bad_searches_are_400_with_a_reason(app, query):
    answer = app.get("/search?format=json&" + query, status=400)
    assert answer.json["error"]


def test_the_search_page_without_words_is_the_form(app):
    page = app.get("/search").html
    assert page.find("form", id="search") and not page.find(id="results")


@pytest.fixture(scope="module")
def stingy(fresh_zodb_uri):
    """An app whose addresses may search twice, then once a minute."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
        patch.setenv("PIRATECHAT_SEARCHES_PER_MINUTE", "1")
        patch.setenv("PIRATECHAT_SEARCHES_BURST", "2")
        application = main({})
    yield TestApp(application)
    application.registry.getUtility(IWriter).close()
    application.registry.getUtility(IDatabase).close()


def test_an_address_past_its_searches_gets_429_with_retry_after(stingy):
    for _ in range(2):
        stingy.get("/search?q=gold&format=json")
    refused = stingy.get("/search?q=gold&format=json", status=429)
    assert refused.json["error"] and int(refused.headers["Retry-After"]) >= 1
    page = stingy.get("/rooms/deck/search?q=gold", status=429)
    assert page.html.find(id="search-problem").text.startswith("Too many searches")
    other = stingy.get("/search?q=gold&format=json", extra_environ={"REMOTE_ADDR": "10.0.0.9"})
    assert other.json["results"] == []  # another address has its own budget


def test_a_line_taken_back_is_gone_from_its_page_and_the_search(app, chat):
    """Moderation meets search: the page answers 410, the search finds nothing,
    the neighbours' pages leave it out; the other lines stay as they were."""
    chat.say("taken-back", "Ann", "the doubloons are under the mast")
    chat.say("taken-back", "Bo", "the doubloons are mine")
    assert len(app.get("/rooms/taken-back/search?q=doubloons&format=json").json["results"]) == 2
    chat.history.retract("taken-back", 1, lambda line: None)
    assert app.get("/rooms/taken-back/lines/1", status=410).status_int == 410
    found = app.get("/rooms/taken-back/search?q=doubloons&format=json").json["results"]
    assert [r["seq"] for r in found] == [2]
    assert app.get("/search?q=mast&format=json").json["results"] == []
    assert app.get("/rooms/taken-back/lines/2?format=json").json["before"] == []
