"""Bounded fuzzing of every decoder a client's bytes reach (run in CI by
`make test`): the WebSocket frame decoders (pyramid_sockjs_gevent/core/wsframing.py, RFC 6455 and
Hixie-76), the SockJS body decoder (pyramid_sockjs_gevent/core/protocol.py) and the chat's JSON
(chat/core/messages.py). The only outcomes allowed are the decoders' own answers:
no other exception (a crash), ever."""

from __future__ import annotations

import json
import struct

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyramid_sockjs_gevent.core.protocol import BadPayload, decode_messages
from pyramid_sockjs_gevent.core.wsframing import Hixie76, Rfc6455

from piratechat.chat.core.messages import ChatError, parse

BOUNDED = settings(max_examples=400, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])


def frame(opcode: int, payload: bytes, fin: bool, mask: bytes, rsv: int, length_form: int) -> bytes:
    """One client frame, well formed or not (reserved bits, odd lengths)."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    if length_form == 0 and n < 126:
        head = struct.pack("!BB", first, 0x80 | n)
    elif length_form <= 1 and n < 65536:
        head = struct.pack("!BBH", first, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


frames = st.builds(
    frame,
    opcode=st.sampled_from([0x0, 0x1, 0x2, 0x8, 0x9, 0xA, 0x3, 0xB, 0xF]),
    payload=st.one_of(st.binary(max_size=200), st.text(max_size=80).map(
        lambda t: t.encode("utf-8", "surrogatepass"))),
    fin=st.booleans(), mask=st.binary(min_size=4, max_size=4),
    rsv=st.integers(0, 7), length_form=st.integers(0, 2))
streams = st.lists(st.one_of(frames, st.binary(max_size=40)), max_size=8)
cuts = st.lists(st.integers(0, 64), max_size=6)


def chunks(data: bytes, sizes: list[int]):
    """``data`` cut where ``sizes`` say (TCP delivers frames in any pieces)."""
    at = 0
    for size in sizes:
        yield data[at:at + size]
        at += size
    yield data[at:]


def feed_all(decoder, parts: list[bytes], sizes: list[int]) -> None:
    """Feed ``decoder`` the stream in pieces until it closes: each message it
    answers is a str that is UTF-8 (text frames never hold a lone surrogate)."""
    for piece in chunks(b"".join(parts), sizes):
        if not piece:
            continue
        received = decoder.feed(piece)
        for m in received.messages:
            assert isinstance(m, str)
            m.encode("utf-8")
        if received.closed:
            break


@BOUNDED
@given(streams, cuts)
def test_rfc6455_decoder_answers_anything_without_crashing(parts, sizes):
    feed_all(Rfc6455(max_message=1024), parts, sizes)


plain_frames = st.builds(
    frame, opcode=st.sampled_from([0x1, 0x1, 0xA]), payload=st.one_of(
        st.text(max_size=150).map(str.encode), st.binary(max_size=20)),
    fin=st.just(True), mask=st.binary(min_size=4, max_size=4), rsv=st.just(0),
    length_form=st.integers(0, 1))


def outcome(decoder, parts: list[bytes], sizes: list[int]):
    """Everything ``decoder`` answers to the stream, fed in pieces, until it closes."""
    messages, replies = [], b""
    for piece in chunks(b"".join(parts), sizes):
        if piece:
            got = decoder.feed(piece)
            messages += got.messages
            replies += got.reply
            if got.closed:
                return messages, replies, True, got.close_code
    return messages, replies, False, None


def wsproto_only(max_message: int) -> Rfc6455:
    """The decoder without its plain-frame path: every byte through wsproto."""
    decoder = Rfc6455(max_message)
    decoder._plain = False
    return decoder


@BOUNDED
@given(st.lists(st.one_of(plain_frames, plain_frames, frames), max_size=8), cuts)
@example([b"\x81\x82\x00\x00\x00\x00\x00\x80", b"\x81\x80\x00\x00\x00\x00"], [7])  # bad UTF-8, cut
def test_rfc6455_plain_frames_are_read_as_wsproto_reads_them(parts, sizes):
    """Whole frames, plain or not, cut anywhere: the same messages, replies
    and close as wsproto alone gives."""
    assert outcome(Rfc6455(100), parts, sizes) == outcome(wsproto_only(100), parts, sizes)


@BOUNDED
@given(st.lists(st.one_of(st.binary(max_size=60), st.builds(
    lambda t: b"\x00" + t.encode("utf-8", "surrogatepass") + b"\xff", st.text(max_size=40))),
    max_size=8), cuts)
def test_hixie76_decoder_answers_anything_without_crashing(parts, sizes):
    feed_all(Hixie76(max_message=1024), parts, sizes)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@BOUNDED
@given(st.one_of(st.binary(max_size=200), json_values.map(
    lambda v: json.dumps(v).encode()), st.text(max_size=50).map(
    lambda t: t.encode("utf-8", "surrogatepass"))))
def test_sockjs_bodies_decode_or_get_the_protocols_answer(body):
    try:
        messages = decode_messages(body)
    except BadPayload as error:
        assert str(error) in ("Payload expected.", "Broken JSON encoding.")
        return
    assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)


@BOUNDED
@given(st.one_of(st.text(max_size=200), json_values.map(json.dumps), st.just("[" * 100000)))
def test_chat_json_parses_or_gets_a_coded_error(raw):
    try:
        message = parse(raw)
    except ChatError as error:
        assert error.code in ("bad_json", "bad_message", "unknown_type") and error.message
        return
    assert isinstance(message, dict) and message["type"] in ("join", "say", "translator")
