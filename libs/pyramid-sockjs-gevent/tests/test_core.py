"""The I/O-free core, fed strings and bytes: no socket, no clock, no gevent.

Sections of the SockJS protocol: "Protocol and framing", "JSON Unicode
Encoding", the framing of each transport ("XhrStreaming", "EventSource",
"HtmlFile", "JsonPolling"), and "WebSocket protocols" (RFC 6455, Hixie-76).
"""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyramid_sockjs_gevent.core import framing, protocol, wsframing
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage

# --- Protocol and framing ---------------------------------------------------------------------


def test_protocol_and_framing_section_frames():
    assert protocol.OPEN == "o" and protocol.HEARTBEAT == "h"
    encoded = [protocol.encode_message(t) for t in ["a", 'say "hi"', "ü"]]
    assert json.loads(protocol.message_frame(encoded)[1:]) == ["a", 'say "hi"', "ü"]
    assert protocol.close_frame(3000, "Go away!") == 'c[3000,"Go away!"]'
    assert protocol.close_frame(*protocol.ANOTHER_CONNECTION) == (
        'c[2010,"Another connection still open"]')
    assert protocol.close_frame(*protocol.INTERRUPTED) == 'c[1002,"Connection interrupted"]'
    assert protocol.is_close_frame("c[1,\"\"]") and not protocol.is_close_frame("a[]")


@pytest.mark.parametrize(
    "body, messages",
    [(b'["a","b"]', ["a", "b"]), (b'"one"', ["one"]), (b"[]", []), ('["\\u00fc"]', ["ü"])],
)
def test_protocol_and_framing_section_server_accepts_arrays_or_single_messages(body, messages):
    assert protocol.decode_messages(body) == messages


@pytest.mark.parametrize(
    "body, answer",
    [(b"", "Payload expected."), (b"[", "Broken JSON encoding."),
     (b'["a"', "Broken JSON encoding."),
     (b"[1]", "Broken JSON encoding."), (b'{"a": 1}', "Broken JSON encoding."),
     (b"\xff\xfe", "Broken JSON encoding."), (b"[" * 100000, "Broken JSON encoding."),
     (b"1" * 10000, "Broken JSON encoding.")],
)
def test_protocol_and_framing_section_bad_bodies_get_the_protocols_answer(body, answer):
    with pytest.raises(protocol.BadPayload) as caught:
        protocol.decode_messages(body)
    assert str(caught.value) == answer


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_protocol_and_framing_section_any_body_decodes_or_is_bad_payload(body):
    try:
        messages = protocol.decode_messages(body)
    except protocol.BadPayload as exc:
        assert str(exc) in (protocol.PAYLOAD_EXPECTED, protocol.BROKEN_JSON)
    else:
        assert all(isinstance(m, str) for m in messages)


# --- JSON Unicode Encoding ----------------------------------------------------------------------

SERVER_ESCAPES = re.compile("[\x00-\x1f\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]")


@given(st.text())
def test_json_unicode_encoding_section_encode_roundtrips_and_escapes(text):
    encoded = protocol.encode_message(text)
    assert json.loads(encoded) == text
    assert not SERVER_ESCAPES.search(encoded)
    encoded.encode("utf-8")  # lone surrogates are escaped, so this never fails


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u200c", "\ufeff", "\ud800", "\uffff",
                                  "\x00"])
def test_json_unicode_encoding_section_mangled_characters_are_escaped(char):
    assert protocol.encode_message("x" + char + "y") == f'"x\\u{ord(char):04x}y"'


def test_json_unicode_encoding_section_ordinary_unicode_is_sent_raw():
    assert protocol.encode_message("Ahoy ☠ 🦜") == '"Ahoy ☠ 🦜"'


# --- Each transport's envelope --------------------------------------------------------------------


def test_xhr_streaming_section_prelude_and_lines():
    assert framing.XHR_STREAMING_PRELUDE == b"h" * 2048 + b"\n"
    assert framing.xhr('a["x"]') == b'a["x"]\n'


def test_eventsource_section_envelope():
    assert framing.EVENTSOURCE_PRELUDE == b"\r\n"
    assert framing.eventsource("o") == b"data: o\r\n\r\n"


def test_htmlfile_section_envelope():
    prelude = framing.htmlfile_prelude("cb")
    assert len(prelude) > 1024 and b"var c = parent.cb;" in prelude
    assert framing.htmlfile('a["x"]') == b'<script>\np("a[\\"x\\"]");\n</script>\r\n'
    assert b"</script>" not in framing.htmlfile('a["</script>"]')[:-12]


def test_jsonp_polling_section_envelope():
    assert framing.jsonp("cb", "o") == b'/**/cb("o");\r\n'


@pytest.mark.parametrize("value", ["callback", "_jp.a1b2c3", "A-z_0.9"])
def test_jsonp_polling_section_valid_callbacks(value):
    assert framing.callback(value) == value


@pytest.mark.parametrize("value, answer", [
    (None, '"callback" parameter required'), ("", '"callback" parameter required'),
    (" ", 'invalid "callback" parameter'), ("*", 'invalid "callback" parameter'),
    ("abc(", 'invalid "callback" parameter'), ("a\nb", 'invalid "callback" parameter'),
    ("a;alert(1)", 'invalid "callback" parameter')])
def test_jsonp_polling_section_invalid_callbacks(value, answer):
    with pytest.raises(framing.BadCallback, match=re.escape(answer)):
        framing.callback(value)


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("body, content_type, result", [
    (b"d=%5B%22x%22%5D", FORM, ["x"]),
    (b"d=%5B%22x%22%5D", FORM + "; charset=UTF-8", ["x"]),
    (b'["%61bc"]', "text/plain", ["%61bc"]),
    (b'["a"]', "", ["a"]),
    (b"d=%5B%5D", FORM, []),
])
def test_jsonp_polling_section_send_bodies(body, content_type, result):
    assert framing.jsonp_messages(body, content_type) == result


@pytest.mark.parametrize("body, answer", [
    (b"", "Payload expected."), (b"d=", "Payload expected."), (b"p=p", "Payload expected."),
    (b"d=%5B%22x", "Broken JSON encoding."), (b"d=%FF", "Broken JSON encoding."),
    (b"\xff=1", "Broken JSON encoding."), (b"&".join([b"a=1"] * 1000), "Broken JSON encoding.")])
def test_jsonp_polling_section_bad_send_bodies(body, answer):
    with pytest.raises(protocol.BadPayload, match=re.escape(answer)):
        framing.jsonp_messages(body, FORM)


# --- WebSocket protocols: RFC 6455 -----------------------------------------------------------


def client():
    return Connection(ConnectionType.CLIENT)


def test_websocket_section_rfc6455_accept_token():
    assert b"Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n" in (
        wsframing.rfc6455_handshake("x3JJHMbDL1EzLkh9GBhXDw=="))
    with pytest.raises(wsframing.HandshakeError):
        wsframing.rfc6455_handshake("")


def test_websocket_section_rfc6455_messages_fed_byte_by_byte():
    server, peer = wsframing.Rfc6455(1000), client()
    data = peer.send(TextMessage(data="héllo", message_finished=False))
    data += peer.send(TextMessage(data=" world"))
    messages = []
    for i in range(len(data)):
        got = server.feed(data[i:i + 1])
        assert not got.closed
        messages += got.messages
    assert messages == ["héllo world"]


def test_websocket_section_rfc6455_ping_is_answered():
    server, peer = wsframing.Rfc6455(1000), client()
    got = server.feed(peer.send(Ping(payload=b"hi")))
    peer.receive_data(got.reply)
    assert [type(e).__name__ for e in peer.events()] == ["Pong"]


def test_websocket_section_rfc6455_close_is_answered():
    server, peer = wsframing.Rfc6455(1000), client()
    got = server.feed(peer.send(CloseConnection(code=1000)))
    assert got.closed and got.close_code is None
    peer.receive_data(got.reply)
    assert isinstance(next(peer.events()), CloseConnection)
    assert server.text("late") == b""  # nothing after the close


def test_websocket_section_rfc6455_a_plain_connection_holds_no_wsproto_until_it_needs_it():
    """Text frames both ways need no wsproto connection (nine objects every full
    garbage collection would walk, per idle connection); the first control frame
    makes one, and everything goes on as before."""
    server, peer = wsframing.Rfc6455(1000), client()
    assert server.feed(peer.send(TextMessage(data="ahoy"))).messages == ["ahoy"]
    sent = server.text("arr, ahoy \ud800")  # a lone surrogate, as the app may send
    peer.receive_data(sent)
    assert [e.data for e in peer.events()] == ["arr, ahoy ?"]

    def holds_wsproto():
        return any(isinstance(value, Connection) for value in vars(server).values())

    assert not holds_wsproto()
    got = server.feed(peer.send(Ping(payload=b"hi")))
    peer.receive_data(got.reply + server.text("after the ping"))
    assert [type(e).__name__ for e in peer.events()] == ["Pong", "TextMessage"]
    assert holds_wsproto()


@pytest.mark.parametrize("event, code", [
    (BytesMessage(data=b"\x00"), 1003),
    (TextMessage(data="x" * 2000), 1009),
])
def test_websocket_section_rfc6455_refuses_binary_and_oversized(event, code):
    server = wsframing.Rfc6455(1000)
    got = server.feed(client().send(event))
    assert got.closed and got.close_code == code


def test_websocket_section_rfc6455_unmasked_frame_is_a_protocol_error():
    got = wsframing.Rfc6455(1000).feed(b"\x81\x02hi")  # clients must mask
    assert got.closed and got.close_code == 1002


def test_websocket_section_rfc6455_hang_up():
    assert wsframing.Rfc6455(1000).feed(b"").closed


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_websocket_section_rfc6455_any_bytes_never_raise(data):
    server = wsframing.Rfc6455(100)
    got = server.feed(data)
    assert all(isinstance(m, str) for m in got.messages)


# --- WebSocket protocols: Hixie-76 -----------------------------------------------------------


def test_websocket_section_hixie76_challenge():
    """The draft's own example (also the protocol suite's "test_haproxy")."""
    assert wsframing.hixie76_challenge(
        "4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", b"aaaaaaaa"
    ) == b"\xca4\x00\xd8\xa5\x08G\x97,\xd5qZ\xba\xbfC{"


@pytest.mark.parametrize("key", ["nospaces123", "   ", "1 2 3", "9999999999999 1"])
def test_websocket_section_hixie76_bad_keys(key):
    with pytest.raises(wsframing.HandshakeError):
        wsframing.hixie76_key_number(key)


def test_websocket_section_hixie76_framing():
    server = wsframing.Hixie76(100)
    assert server.text("ü") == b"\x00\xc3\xbc\xff"
    got = server.feed(b"\x00a\xff\x00b")
    assert got.messages == ["a"] and not got.closed
    assert server.feed(b"c\xff").messages == ["bc"]
    got = server.feed(b"\xff\x00")
    assert got.closed and got.reply == b"\xff\x00"
    assert server.text("late") == b""


@pytest.mark.parametrize("data, code", [(b"\x00" + b"x" * 200, 1009), (b"\x00\xff\xfe\xff", 1002),
                                        (b"\x42", 1002),
                                        (b"\x00" + b"x" * 101 + b"\xff", 1009)])
def test_websocket_section_hixie76_bad_input(data, code):
    got = wsframing.Hixie76(100).feed(data)
    assert got.closed and got.close_code == code


def test_websocket_section_hixie76_takes_a_whole_frame_of_max_message_bytes():
    got = wsframing.Hixie76(100).feed(b"\x00" + b"x" * 100 + b"\xff")
    assert got.messages == ["x" * 100] and not got.closed


@given(st.binary(max_size=200))
def test_websocket_section_hixie76_any_bytes_never_raise(data):
    wsframing.Hixie76(100).feed(data)
