"""A message for many is framed once (outgoing.py, wsframing.text_frame):
the shared bytes must be exactly what wsproto sends on each connection."""

from __future__ import annotations

import json

import pytest
from pyramid_sockjs_gevent.core import protocol, wsframing
from pyramid_sockjs_gevent.core.outgoing import Outgoing
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage


def wsproto_frame(text: str) -> bytes:
    return Connection(ConnectionType.SERVER).send(TextMessage(data=text))


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_text_frame_is_wsprotos_frame_at_every_length_encoding(size):
    text = "x" * size
    assert wsframing.text_frame(text) == wsproto_frame(text)


@pytest.mark.parametrize("size, header", [(125, b"\x81\x7d"), (126, b"\x81\x7e\x00\x7e"),
                                          (65535, b"\x81\x7e\xff\xff"),
                                          (65536, b"\x81\x7f" + (65536).to_bytes(8, "big"))])
def test_length_encodings(size, header):
    assert wsframing.text_frame("y" * size) == header + b"y" * size


def test_lengths_count_utf8_bytes_not_characters():
    text = "Ahoy ☠ matey, 🏴‍☠️" * 9  # multibyte: 125 < bytes while characters < 126
    assert wsframing.text_frame(text) == wsproto_frame(text)


def test_a_lone_surrogate_is_replaced_as_the_connection_would():
    assert wsframing.text_frame("a\ud800b") == wsframing.Rfc6455(1024).text("a\ud800b")


def test_outgoing_frames_raw_and_sockjs_once():
    line = Outgoing(json.dumps({"say": "Arr\u2028 ☠"}))
    assert line.encoded == protocol.encode_message(line.text)
    assert line.ws_raw == wsproto_frame(line.text)
    assert line.ws_framed == wsproto_frame(protocol.message_frame([line.encoded]))
    assert line.ws_raw is line.ws_raw and line.ws_framed is line.ws_framed  # cached


def test_outgoing_keeps_an_encoding_given_to_it():
    assert Outgoing("hi", encoded='"given"').encoded == '"given"'
