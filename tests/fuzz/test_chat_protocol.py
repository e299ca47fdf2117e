"""Hypothesis over the chat protocol itself: any sequence of join / say /
translator messages, well formed or not, sent to a real app (in process,
over SockJS xhr on a real FileStorage). Every answer is a protocol message
(docs/protocol.md) that can be sent as UTF-8; no exception escapes to the
client, no traceback is logged, the connection stays usable."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from webtest import TestApp

from piratechat import main
from piratechat.interfaces import IChat, IWriter
from piratechat.shutdown import close_app
from tests.fuzz.corpus import ODD_TEXTS

SERVER_TYPES = {"joined", "line", "said", "translator", "gap", "reset", "error"}
CODES = {"bad_json", "bad_message", "unknown_type", "empty", "too_long", "bad_room",
         "not_joined", "unknown_translator", "unavailable", "flood", "bad_text", "name_taken"}

texts = st.one_of(st.text(max_size=30), st.sampled_from(ODD_TEXTS))
values = st.one_of(texts, st.none(), st.booleans(), st.integers(-3, 10**20),
                   st.floats(allow_nan=True), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
messages = st.one_of(
    st.fixed_dictionaries({"type": st.just("join")}, optional={
        "name": values, "room": st.one_of(values, st.sampled_from(["lobby", "deck"])),
        "after": values, "sender_key": values}),
    st.fixed_dictionaries({"type": st.just("say")}, optional={"text": values, "client_id": values}),
    st.fixed_dictionaries({"type": st.just("translator")}, optional={"name": values}),
    st.dictionaries(st.text(max_size=6), values, max_size=3),
).map(lambda m: json.dumps(m, ensure_ascii=True)) | st.text(max_size=40)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    import os

    old = os.environ.get("PIRATECHAT_ZODB_URI")
    os.environ["PIRATECHAT_ZODB_URI"] = f"file://{tmp_path_factory.mktemp('fuzz')}/Data.fs"
    try:
        application = main({"piratechat.burst": "100000", "piratechat.lines_per_second": "1e6"})
    finally:
        if old is not None:
            os.environ["PIRATECHAT_ZODB_URI"] = old
    yield TestApp(application)
    close_app(application)


class Tracebacks(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        if record.exc_info:
            self.records.append(record)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(messages, min_size=1, max_size=6))
@example([json.dumps({"type": "join", "name": "Fuzz", "room": "fuzz-example"}),
          json.dumps({"type": "say", "text": "\ud800"}), '{"type": "say", "text": "\\udfff"}',
          json.dumps({"type": "say", "text": "\x1b[2J"})])
def test_any_conversation_gets_protocol_answers_and_no_traceback(app, sent):
    caught = Tracebacks()
    logging.getLogger().addHandler(caught)
    try:
        base = f"/sockjs/000/{uuid.uuid4().hex}"
        assert app.post(base + "/xhr").text == "o\n"
        probe = json.dumps({"type": "say", "text": "probe"})  # usable after it all?
        app.post(base + "/xhr_send", json.dumps([*sent, probe]), content_type="text/plain")
        assert app.app.registry.getUtility(IWriter).drain(10)  # says don't wait for the disk
        app.app.registry.getUtility(IChat).hub.drain(10)
        frame = app.post(base + "/xhr").body
        frame.decode("utf-8")  # sendable: no lone surrogate reached the wire
        assert frame.startswith(b"a[")
        answers = [json.loads(m) for m in json.loads(frame[1:])]
        for answer in answers:
            assert answer["type"] in SERVER_TYPES, answer
            json.dumps(answer, ensure_ascii=False).encode("utf-8")  # valid Unicode throughout
            if answer["type"] == "error":
                assert answer["code"] in CODES and answer["message"], answer
        last = [answer for answer in answers if answer["type"] != "said"][-1]
        assert (last["type"] == "line" and last["text"] == "probe") or (
            last["type"] == "error" and last["code"] in ("not_joined", "flood")), answers
    finally:
        logging.getLogger().removeHandler(caught)
    assert not caught.records, [r.getMessage() for r in caught.records]
