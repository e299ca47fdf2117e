"""SockJS protocol, "Session URLs" and "Protocol and framing" (over xhr-polling)."""

import threading
import time
import uuid

import pytest
from sockjs_client import GET, POST, http, pending, wait_until


def sid() -> str:
    return "/000/" + uuid.uuid4().hex


# --- Top session URL: "/<server>/<session>" ---------------------------------------------


@pytest.mark.parametrize("part", ["/a/a", "/_/_", "/1/1", "/abcdefgh_i-j%20/abcdefg_i-j%20"])
def test_session_urls_section_any_value(inproc, part):
    r = POST(inproc.echo + part + uuid.uuid4().hex[:6] + "/xhr")
    assert (r.status, r.body) == (200, b"o\n")


@pytest.mark.parametrize("suffix", ["//", "/a./a", "/a/a.", "/./.", "/", "///"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_session_urls_section_invalid_paths(inproc, suffix, method):
    assert http(method, inproc.echo + suffix + "/xhr").status == 404


def test_session_urls_section_server_id_is_ignored(inproc):
    session = uuid.uuid4().hex
    assert POST(f"{inproc.echo}/000/{session}/xhr").body == b"o\n"
    r = POST(f"{inproc.echo}/000/{session}/xhr_send", body='["a"]')
    assert (r.status, r.body) == (204, b"")
    assert POST(f"{inproc.echo}/999/{session}/xhr").body == b'a["a"]\n'


def test_session_urls_section_unknown_transport_is_404(inproc):
    assert POST(inproc.echo + sid() + "/nonsense").status == 404


# --- Protocol and framing -----------------------------------------------------------------


def test_protocol_section_simple_session(inproc):
    url = inproc.echo + sid()
    assert (POST(url + "/xhr").status, POST(url + "/xhr_send", body='["a"]').status) == (200, 204)
    assert POST(url + "/xhr").body == b'a["a"]\n'
    # sending to a session that does not exist
    assert POST(inproc.echo + "/000/bad_session/xhr_send", body='["a"]').status == 404


def test_protocol_section_second_receiver_gets_2010(server):
    url = server.echo + sid()
    POST(url + "/xhr")
    waiting = pending("POST", url + "/xhr")  # a long poll, left waiting
    try:
        assert wait_until(lambda: server.attached(url))
        r = POST(url + "/xhr")
        assert (r.status, r.body) == (200, b'c[2010,"Another connection still open"]\n')
    finally:
        waiting.close()


def test_protocol_section_close_session_answers_go_away_until_reaped(inproc):
    url = inproc.close + sid()
    assert POST(url + "/xhr").body == b"o\n"
    for _ in range(2):
        r = POST(url + "/xhr")
        assert (r.status, r.body) == (200, b'c[3000,"Go away!"]\n')


def test_protocol_section_long_poll_waits_then_gets_the_message(server):
    """A poll with nothing queued waits; a message wakes it at once."""
    url = server.echo + sid()
    POST(url + "/xhr")
    got = {}

    def poll():
        got["r"] = POST(url + "/xhr")

    t = threading.Thread(target=poll)
    t.start()
    assert wait_until(lambda: server.attached(url))  # the poll waits at the server...
    assert "r" not in got  # ...unanswered
    POST(url + "/xhr_send", body='["late"]')
    t.join(2)
    assert got["r"].body == b'a["late"]\n'


def test_protocol_section_session_times_out_after_disconnect_delay(fast):
    """Without a receiver for the disconnect delay (0.5 s here), the session goes."""
    url = fast.echo + sid()
    POST(url + "/xhr")
    assert POST(url + "/xhr_send", body='["a"]').status == 204
    assert wait_until(lambda: not fast.session(url)["exists"])  # the reaper took it
    assert POST(url + "/xhr_send", body='["a"]').status == 404
    assert POST(url + "/xhr").body == b"o\n"  # a new session under the old id


def test_protocol_section_heartbeat_frame(fast):
    """An idle receiver gets "h" after the heartbeat delay (0.3 s here)."""
    url = fast.echo + sid()
    POST(url + "/xhr")
    started = time.monotonic()
    assert POST(url + "/xhr").body == b"h\n"
    assert time.monotonic() - started > 0.25  # not before the delay (no upper bound: load)


def test_protocol_section_greeting_is_not_a_session(inproc):
    before = inproc.sessions()
    GET(inproc.echo)
    GET(inproc.echo + "/info")
    assert inproc.sessions() == before
