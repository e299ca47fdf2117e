"""The I/O-free SockJS core, fed strings (protocol 0.3.3, "Framing" and
"JSON Unicode encoding")."""

import json

import pytest

from piratechat.sockjs import protocol


def test_message_frame_is_an_array_of_encoded_messages():
    encoded = [protocol.encode_message(t) for t in ["a", 'say "hi"', "ü"]]
    frame = protocol.message_frame(encoded)
    assert frame.startswith("a[")
    assert json.loads(frame[1:]) == ["a", 'say "hi"', "ü"]


def test_close_frame():
    assert protocol.close_frame(3000, "Go away!") == 'c[3000,"Go away!"]'
    assert protocol.close_frame(*protocol.ANOTHER_CONNECTION) == (
        'c[2010,"Another connection still open"]'
    )


MANGLED = ["\u2028", "\u2029", "\u200c", "\ufeff", "\ud800", "\uffff", "\x00"]


@pytest.mark.parametrize("char", MANGLED)
def test_characters_browsers_mangle_are_escaped(char):
    encoded = protocol.encode_message("x" + char + "y")
    assert char not in encoded
    assert f"\\u{ord(char):04x}" in encoded


def test_ordinary_unicode_is_sent_raw():
    assert protocol.encode_message("Ahoy ☠ 🦜") == '"Ahoy ☠ 🦜"'


@pytest.mark.parametrize(
    "body, messages",
    [(b'["a","b"]', ["a", "b"]), (b'"one"', ["one"]), ("[]", []), ('["\\u00fc"]', ["ü"])],
)
def test_decode_messages(body, messages):
    assert protocol.decode_messages(body) == messages


@pytest.mark.parametrize(
    "body, answer",
    [
        (b"", "Payload expected."),
        (b"[", "Broken JSON encoding."),
        (b'["a"', "Broken JSON encoding."),
        (b"[1]", "Broken JSON encoding."),
        (b'{"a": 1}', "Broken JSON encoding."),
        (b"\xff\xfe", "Broken JSON encoding."),
        (b"[" * 100000, "Broken JSON encoding."),
    ],
)
def test_bad_bodies_get_the_protocols_answer(body, answer):
    with pytest.raises(protocol.BadPayload) as caught:
        protocol.decode_messages(body)
    assert str(caught.value) == answer
