"""Every request body the pages read is bounded (issue 13, finding 2): POST /rooms/
with a body over ``max_body`` is a 413 with a sentence, whether it says its
length or comes chunked, and nothing past the bound is read into memory."""

from __future__ import annotations

import http.client

import pytest

from tests.support.server import LiveServer

MAX_BODY = 4096


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_MAX_BODY": str(MAX_BODY)})
    url = live.start()
    host, port = url[len("http://"):].split(":")
    yield host, int(port)
    live.stop()


def post(server, body: bytes, chunked: bool = False) -> tuple[int, str]:
    connection = http.client.HTTPConnection(*server, timeout=20)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        if chunked:
            connection.request("POST", "/rooms/", body=iter([body[i:i + 1000] for i in
                                                            range(0, len(body), 1000)]),
                               headers=headers, encode_chunked=True)
        else:
            connection.request("POST", "/rooms/", body=body, headers=headers)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before the whole body is sent
    answer = connection.getresponse()
    text = answer.read().decode()
    connection.close()
    return answer.status, text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_max_body_is_a_413(server, chunked):
    status, text = post(server, b"room=" + b"a" * (MAX_BODY * 4), chunked)
    assert status == 413
    assert f"at most {MAX_BODY} bytes" in text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_within_max_body_opens_the_room(server, chunked):
    status, _ = post(server, b"room=bounded-bodies&pad=" + b"a" * (MAX_BODY - 100), chunked)
    assert status == 303
