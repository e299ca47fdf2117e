"""Each reader's own parrot over real sockets (docs/protocol.md, "Reading through
your own parrot"): one line said once, every reader sent it in the reading they
chose, live, from the backlog and from the history URL, the room's beside it."""

import json
import urllib.error
import urllib.request
import uuid

import pytest

from piratechat.translators.bard import BardTranslator
from piratechat.translators.pirate import PirateTranslator
from tests.functional.test_socket import SockJSClient


def room() -> str:
    return "reads-" + uuid.uuid4().hex[:10]


@pytest.fixture
def clients(live_server):
    made = []

    def make():
        made.append(SockJSClient(live_server))
        return made[-1]

    yield make
    for client in made:
        client.close()


TEXT = "Hello my friend, is this your money"


def test_readers_of_one_room_read_one_line_each_through_their_own_parrot(clients):
    where = room()
    said = TEXT + " " + uuid.uuid4().hex[:6]
    default, bard, original = clients(), clients(), clients()
    assert default.join(room=where)["read_as"] is None
    assert bard.join(room=where, read_as="bard")["read_as"] == "bard"
    assert original.join(room=where, read_as="original")["read_as"] == "original"
    default.send({"type": "say", "text": said})
    room_line = default.line_saying(said)
    bard_line = bard.line_saying(said)
    original_line = original.line_saying(said)
    pirate = PirateTranslator().translate(said)
    assert (room_line["translator"], room_line["translation"]) == ("pirate", pirate)
    assert "room_translation" not in room_line
    assert (bard_line["translator"], bard_line["translation"]) == (
        "bard", BardTranslator().translate(said))
    assert (bard_line["room_translator"], bard_line["room_translation"]) == ("pirate", pirate)
    assert (original_line["translator"], original_line["translation"]) == ("original", said)
    assert original_line["room_translation"] == pirate
    assert bard_line["seq"] == room_line["seq"] == original_line["seq"]


def test_read_as_changes_the_reading_of_the_lines_that_follow(clients):
    where = room()
    reader, speaker = clients(), clients()
    reader.join(room=where)
    speaker.join(room=where)
    reader.send({"type": "read_as", "translator": "bard"})
    assert reader.next_of("read_as") == {"type": "read_as", "room": where, "translator": "bard"}
    said = TEXT + " " + uuid.uuid4().hex[:6]
    speaker.send({"type": "say", "text": said})
    assert reader.line_saying(said)["translator"] == "bard"
    reader.send({"type": "read_as", "translator": None})  # the room's parrot again
    assert reader.next_of("read_as")["translator"] is None
    again = said + " again"
    speaker.send({"type": "say", "text": again})
    assert reader.line_saying(again)["translator"] == "pirate"


def test_the_backlog_is_read_through_the_readers_parrot(clients):
    where = room()
    speaker = clients()
    speaker.join(room=where)
    said = TEXT + " " + uuid.uuid4().hex[:6]
    speaker.send({"type": "say", "text": said})
    speaker.line_saying(said)
    late = clients()
    late.join(room=where, read_as="original")
    line = late.line_saying(said)  # from the backlog
    assert (line["translator"], line["translation"]) == ("original", said)
    assert line["room_translator"] == "pirate"


@pytest.mark.parametrize("name", ["klingon", "", 7])
def test_an_unknown_reading_is_refused_and_the_connection_stays(clients, name):
    client = clients()
    client.send({"type": "join", "name": "R " + uuid.uuid4().hex[:6], "room": room(),
                 "read_as": name})
    error = client.next_of("error")
    assert error["code"] in ("unknown_translator", "bad_message")
    if isinstance(name, str):
        assert error["code"] == "unknown_translator"
    client.join(room=room())  # still usable
    client.send({"type": "read_as", "translator": name})
    assert client.next_of("error")["code"] in ("unknown_translator", "bad_message")


def test_read_as_before_joining_is_refused(clients):
    client = clients()
    client.send({"type": "read_as", "translator": "bard"})
    assert client.next_of("error")["code"] == "not_joined"


def test_the_history_url_reads_as_asked(live_server, clients):
    where = room()
    speaker = clients()
    speaker.join(room=where)
    said = TEXT + " " + uuid.uuid4().hex[:6]
    speaker.send({"type": "say", "text": said})
    speaker.line_saying(said)
    url = f"{live_server}/rooms/{where}/history?read_as=bard"
    with urllib.request.urlopen(url, timeout=10) as response:
        lines = json.load(response)["lines"]
    assert [(line["translator"], line["room_translator"]) for line in lines] == [
        ("bard", "pirate")]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server}/rooms/{where}/history?read_as=klingon",
                               timeout=10)
    assert refused.value.code == 400
    assert json.load(refused.value)["code"] == "unknown_translator"
