"""Parsing the client message protocol (docs/protocol.md)."""

from datetime import UTC, datetime

import pytest

from piratechat.chat.core import messages
from piratechat.chat.core.flood import TokenBucket
from piratechat.chat.core.messages import ChatError, now, parse, text_field


@pytest.mark.parametrize(
    "raw, code",
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('"say"', "bad_message"),
        ("{}", "unknown_type"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"type": ["say"]}', "unknown_type"),
    ],
)
def test_bad_messages_have_codes(raw, code):
    with pytest.raises(ChatError) as caught:
        parse(raw)
    assert caught.value.code == code
    assert caught.value.to_message()["type"] == "error"


def test_good_message():
    assert parse('{"type": "say", "text": "ahoy"}') == {"type": "say", "text": "ahoy"}


@pytest.mark.parametrize(
    "value, code",
    [(None, "bad_message"), (3, "bad_message"), ("", "empty"), ("  \t\n", "empty"),
     ("x" * 11, "too_long"), ("a\x00b", "bad_message")],
)
def test_text_field_rejects(value, code):
    with pytest.raises(ChatError) as caught:
        text_field({"text": value}, "text", 10, "The line")
    assert caught.value.code == code


def test_text_field_keeps_the_text_as_said():
    assert text_field({"text": "  hi  "}, "text", 10, "The line") == "  hi  "


def test_now_is_utc_iso8601():
    stamp = now()
    assert stamp.endswith("Z") and "T" in stamp and len(stamp) == 24


@pytest.mark.parametrize("t", [0.0, 1764547200.0, 1764547200.0009, 1764547200.9999,
                               1764547201.25, 1764547199.5, 1764633599.999, 4102444800.123])
def test_now_says_what_datetime_says(monkeypatch, t):
    """The cached date part follows the clock, back and forth across seconds and days."""
    monkeypatch.setattr(messages.time, "time", lambda: t)
    expected = datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
    assert now() == expected.replace("+00:00", "Z")


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = [0.0]
    bucket = TokenBucket(rate=2, burst=3, clock=lambda: clock[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock[0] += 0.5
    assert bucket.take() is True
    assert bucket.take() is False
