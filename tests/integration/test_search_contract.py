"""ISearch's contract on the index kept by the writer, run on a real FileStorage, a
real ZEO server and RelStorage on a real PostgreSQL: words case- and accent-blind
in any script, phrases, rooms, newest first, paging, lines found as soon as they
are stored and once indexed, by another process's database too, and ``unindex``."""

from __future__ import annotations

import gevent
import pytest

from piratechat.chat.core.messages import now
from piratechat.rooms import evolve as evolution
from piratechat.search.service import ZODBSearch
from piratechat.search.words import BadQuery
from piratechat.storage.database import open_database, reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer


def said(text: str, author: str = "Ann") -> dict:
    return {"type": "line", "author": author, "text": text, "translation": text.upper(),
            "translator": "shout", "at": now()}


class Storage:
    """One storage as two processes see it: the ``history`` that writes (and
    indexes) and ``other``, the search of a second database on the same storage
    (the same database for FileStorage, which one process holds)."""

    def __init__(self, uri: str, second: bool):
        self.db = open_database(uri)
        evolution.evolve(self.db)
        self.history = ZODBHistory(self.db, Writer(self.db, later_every=0.05))
        self.search = ZODBSearch(self.db, self.history.writer)
        self.other_db = open_database(uri) if second else None
        self.other = ZODBSearch(self.other_db or self.db, None)

    def say(self, room: str, text: str, author: str = "Ann") -> dict:
        return self.history.append(room, said(text, author))

    def indexed(self) -> None:
        """Wait for the writer's rounds to index every line said so far."""
        assert self.history.writer.drain(30)
        with reading(self.db) as root:
            index = root.search_index
            assert all(index.indexed.get(room.__name__, 0) == room.last_seq
                       for room in root.rooms)

    def close(self) -> None:
        self.history.writer.close()
        self.db.close()
        if self.other_db is not None:
            self.other_db.close()


@pytest.fixture(params=["file", "zeo", "postgres"])
def storage(request, data_fs):
    if request.param == "file":
        uri, second = f"file://{data_fs}", False
    elif request.param == "zeo":
        uri, second = request.getfixturevalue("zeo_server").uri, True
    else:
        uri, second = request.getfixturevalue("postgres_uri"), True
    opened = Storage(uri, second)
    yield opened
    opened.close()


def texts(found) -> list[str]:
    return [line.text for _, line in found.lines]


@pytest.mark.parametrize("indexed", [False, True], ids=["tail", "indexed"])
def test_words_match_case_and_accent_blind_in_any_script(storage, indexed):
    lines = ["Crème brûlée for the CAPTAIN", "STRASSE der Piraten", "東京都に住んでいます",
             "ภาษาไทยง่ายนิดเดียว", "Ωμέγα θάλασσα", "ﬁne ＡＢＣ day"]
    for text in lines:
        storage.say("deck", text)
    if indexed:
        storage.indexed()
    for query, expected in [("creme BRULEE", lines[0]), ("captain", lines[0]),
                            ("straße", lines[1]), ("東京", lines[2]), ("ไทย", lines[3]),
                            ("ΘΑΛΑΣΣΑ", lines[4]), ("fine abc", lines[5])]:
        assert texts(storage.search.search(query)) == [expected], query
    assert texts(storage.search.search("creme captain absent")) == []


@pytest.mark.parametrize("indexed", [False, True], ids=["tail", "indexed"])
def test_a_phrase_matches_only_its_words_in_order(storage, indexed):
    storage.say("deck", "hoist the main sail")
    storage.say("deck", "the sail, hoist it to the main")
    if indexed:
        storage.indexed()
    assert texts(storage.search.search('"hoist the main"')) == ["hoist the main sail"]
    assert texts(storage.search.search('sail "the main"')) == [
        "the sail, hoist it to the main", "hoist the main sail"]


def test_one_room_or_every_room_newest_first(storage):
    storage.say("deck", "parrot one")
    storage.say("hold", "parrot two")
    storage.indexed()
    storage.say("deck", "parrot three")  # in the tail: not indexed yet
    assert texts(storage.search.search("parrot")) == ["parrot three", "parrot two",
                                                      "parrot one"]
    assert [room for room, _ in storage.search.search("parrot").lines] == ["deck", "hold",
                                                                         "deck"]
    assert texts(storage.search.search("parrot", room="deck")) == ["parrot three",
                                                                   "parrot one"]
    assert texts(storage.search.search("parrot", room="galley")) == []


def test_pages_cover_every_answer_once_across_the_indexed_and_the_tail(storage):
    for n in range(25):
        storage.say("deck" if n % 3 else "hold", f"coin {n}")
    storage.indexed()
    for n in range(25, 40):
        storage.say("deck" if n % 3 else "hold", f"coin {n}")
    seen, before = [], None
    while True:
        found = storage.search.search("coin", before=before, limit=7)
        assert len(found.lines) >= 7 or found.before is None  # more only when lines share a time
        seen += [(line.at_us, room, line.seq, line.text) for room, line in found.lines]
        if found.before is None:
            break
        before = found.before
    assert sorted(text for *_, text in seen) == sorted(f"coin {n}" for n in range(40))
    assert seen == sorted(seen, reverse=True)  # newest first (in a room: by number)


def test_another_process_finds_what_one_stored_once_indexed(storage):
    assert texts(storage.other.search("distant")) == []  # it has read the index before
    storage.say("deck", "a distant sail")
    storage.indexed()
    with gevent.Timeout(30):  # the other's cache catches up at its next transaction
        while texts(storage.other.search("distant")) != ["a distant sail"]:
            gevent.sleep(0.05)


def test_unindex_takes_a_line_out_for_good(storage):
    storage.say("deck", "a secret map")
    storage.say("deck", "another map")
    storage.indexed()
    assert storage.search.unindex("deck", 1) is True
    assert texts(storage.search.search("map")) == ["another map"]
    assert texts(storage.search.search("secret")) == []
    assert storage.search.unindex("deck", 1) is False  # out already
    assert storage.search.unindex("deck", 99) is False


def test_a_query_that_asks_for_nothing_is_refused(storage):
    for query in ["", "  ", "!!! ...", "😀"]:
        with pytest.raises(BadQuery):
            storage.search.search(query)


def test_lines_said_at_the_same_microsecond_are_each_found(storage):
    at = now()
    for room in ["deck", "hold", "deck"]:
        storage.history.append(room, dict(said(f"same time in the {room}"), at=at))
    storage.indexed()
    assert sorted(texts(storage.search.search("same time"))) == [
        "same time in the deck", "same time in the deck", "same time in the hold"]
    page = storage.search.search("same time", limit=1)  # a page is never cut inside one time
    assert len(page.lines) == 3 and page.before is None
    storage.say("deck", "same time? no, later")
    page = storage.search.search("same time", limit=1)
    assert texts(page) == ["same time? no, later"] and page.before is not None
    assert len(storage.search.search("same time", before=page.before, limit=1).lines) == 3
