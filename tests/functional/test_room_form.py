"""``POST /rooms/`` with a form the chat cannot read (issue 25, finding 1): a
multipart body without its boundary, parts or escapes that are not UTF-8, a
charset other than UTF-8, a file where the room's name goes. Each was a 500
(or a room named with U+FFFD); each is a 400 with one sentence now, on a live
server, and nothing is logged as an error."""

from __future__ import annotations

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest

from tests.conftest import scratch_zodb_uri
from tests.support.server import LiveServer

PART = (b'--b\r\nContent-Disposition: form-data; name="%s"%s\r\n\r\n%s\r\n--b--\r\n')


def part(value: bytes, name: bytes = b"room", extra: bytes = b"") -> bytes:
    return PART % (name, extra, value)


MULTIPART = "multipart/form-data; boundary=b"
BAD_FORMS = [
    ("multipart/form-data", part(b"deck"), "boundary"),
    ("multipart/form-data; boundary=", part(b"deck"), "boundary"),
    (MULTIPART, part(b"d\xffeck"), "UTF-8"),
    (MULTIPART, part(b"deck", name=b"r\xe9oom"), "UTF-8"),
    (MULTIPART, part(b"deck", extra=b'; filename="a.txt"'), "files"),
    (MULTIPART + "; charset=latin-1", part(b"deck"), "UTF-8"),
    (MULTIPART, part(b"deck", extra=b"\r\nContent-Type: text/plain; charset=bogus"), "UTF-8"),
    ("application/x-www-form-urlencoded; charset=bogus", b"room=deck", "UTF-8"),
    ("application/x-www-form-urlencoded", b"room=d%ffeck", "UTF-8"),
    ("application/x-www-form-urlencoded", b"room=d\xffeck", "UTF-8"),
    ("application/x-www-form-urlencoded", b"room=%ED%A0%80", "UTF-8"),
]


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    live.start()
    yield live
    live.stop()


def post(url: str, content_type: str, body: bytes) -> tuple[int, str, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", "/rooms/", body=body, headers={
            "Content-Type": content_type.encode("latin-1"), "Accept": "application/json"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("content_type, body, reason", BAD_FORMS)
def test_a_form_the_chat_cannot_read_is_a_400_with_a_sentence(server, content_type, body,
                                                               reason):
    before = len(server.output)
    status, kind, text = post(server.url, content_type, body.replace(b"deck", b"f" + (
        uuid.uuid4().hex[:8]).encode()))
    assert status == 400 and kind.startswith("text/plain"), (status, text)
    assert reason in text and text.count(".") == 1 and text.endswith(".\n"), text
    logged = "".join(server.output[before:])
    assert "Traceback" not in logged and " ERROR " not in logged, logged[-3000:]


@pytest.mark.parametrize("content_type, body", [
    (MULTIPART, part("Déck ROOM".encode())),
    (MULTIPART + "; charset=utf8", part("Déck ROOM".encode())),
    ("application/x-www-form-urlencoded", b"room=D%C3%A9ck+ROOM"),
    ("application/x-www-form-urlencoded; charset=UTF-8", "room=Déck ROOM".encode()),
])
def test_a_well_formed_form_still_opens_its_room(server, content_type, body):
    name = b"ROOM" + uuid.uuid4().hex[:8].encode()
    status, _, text = post(server.url, content_type, body.replace(b"ROOM", name))
    assert status == 201, text
    assert json.loads(text)["room"] == "déck-" + name.decode().lower(), text
