"""chat/runtime/readings.py: a line read through the reader's own parrot, translated once
per (line, translator) in a process whatever the number of readers; and the hub
(chat/runtime/hub.py) reads a batch once per reading its members chose, never per member."""

from __future__ import annotations

import json

import gevent.event
from pyramid.config import Configurator
from zope.interface import implementer

from piratechat.chat.core.messages import ChatError, dumps
from piratechat.chat.core.reading_cache import ReadingCache
from piratechat.chat.runtime.hub import Hub
from piratechat.chat.runtime.limits import TranslationBudget
from piratechat.chat.runtime.readings import Readings
from piratechat.interfaces import ITranslator, TranslatorUnavailable
from piratechat.translators.registry import includeme


@implementer(ITranslator)
class Shouting:
    """A real translator (upper case) that counts its calls."""

    name = "shouting"
    title = "Shouting"

    def __init__(self):
        self.calls = 0

    def translate(self, text: str) -> str:
        self.calls += 1
        return text.upper()


def readings(cache_size: int = 100) -> tuple[Readings, Shouting]:
    config = Configurator(settings={})
    config.include(includeme)
    shouting = Shouting()
    config.add_translator(shouting)
    config.commit()
    budget = TranslationBudget(share=10.0, in_flight=4, process_share=10.0)
    return Readings(config.registry, budget, ReadingCache(cache_size)), shouting


def line(seq: int, text: str = "hello friend", room: str = "deck") -> dict:
    return {"type": "line", "room": room, "seq": seq, "author": "Ann", "text": text,
            "translation": "ahoy matey", "translator": "pirate",
            "at": f"2026-01-01T00:00:{seq:02}Z"}


def test_the_rooms_reading_is_the_line_itself():
    read, _ = readings()
    stored = line(1)
    assert read.line(stored, None) is stored
    assert read.line(stored, "pirate") is stored


def test_another_reading_carries_the_rooms_beside_it():
    read, _ = readings()
    got = read.line(line(1), "shouting")
    assert (got["translation"], got["translator"]) == ("HELLO FRIEND", "shouting")
    assert (got["room_translation"], got["room_translator"]) == ("ahoy matey", "pirate")
    original = read.line(line(1), "original")
    assert (original["translation"], original["translator"]) == ("hello friend", "original")


def test_a_line_is_translated_once_per_reading_however_often_it_is_read():
    read, shouting = readings()
    for _ in range(50):
        read.line(line(1), "shouting")
        read.payloads([dumps(line(1))], "shouting")
    assert shouting.calls == 1
    read.line(line(2), "shouting")
    assert shouting.calls == 2


def test_unknown_readings_are_refused():
    read, _ = readings()
    for name in ("klingon", ""):
        try:
            read.choice(name)
        except ChatError as error:
            assert error.code == "unknown_translator"
        else:
            raise AssertionError(f"{name!r} was taken")
    assert read.choice(None) is None
    assert read.choice("original") == "original"
    assert read.choice("bard") == "bard"


class Reader:
    def __init__(self, read_as=None):
        self.read_as = read_as
        self.got: list[dict] = []

    def send(self, message, encoded=None) -> bool:
        self.got += [json.loads(text) for text in message.texts]
        return True


def test_the_hub_reads_a_batch_once_per_reading_not_per_member():
    read, shouting = readings()
    hub = Hub()
    calls = []

    def counted(payloads, reading):
        calls.append(reading)
        return read.payloads(payloads, reading)

    hub.read = counted
    members = [Reader(choice) for choice in [None, "shouting", "original", "bard"] * 25]
    for member in members:
        hub.join("deck", member)
        hub.caught_up("deck", member, 0)
    hub.deliver("deck", dumps(line(1)))
    assert hub.drain(5)
    assert sorted(calls) == ["bard", "original", "shouting"]
    assert shouting.calls == 1
    for member in members:
        (got,) = member.got
        assert got["translator"] == (member.read_as or "pirate")


@implementer(ITranslator)
class Unavailable:
    """A translator whose service is down: it always says so."""

    name = "down"
    title = "Down"

    def translate(self, text: str) -> str:
        raise TranslatorUnavailable("the service is down")


def test_a_reading_whose_translator_fails_is_the_pirates_and_says_so():
    config = Configurator(settings={})
    config.include(includeme)
    config.add_translator(Unavailable())
    config.commit()
    budget = TranslationBudget(share=10.0, in_flight=4, process_share=10.0)
    read = Readings(config.registry, budget, ReadingCache(10))
    got = read.line(dict(line(1), translator="bard", translation="bard's"), "down")
    assert (got["translator"], got["fallback"]) == ("pirate", "down")
    assert got["room_translator"] == "bard"


def test_a_room_over_its_translation_budget_reads_through_the_pirate():
    read, shouting = readings()
    read.budget = TranslationBudget(share=0.0, in_flight=4, process_share=10.0)
    got = read.line(line(1), "shouting")
    assert (got["translator"], got["fallback"], shouting.calls) == ("pirate", "shouting", 0)


def test_a_slow_reading_does_not_hold_the_room(monkeypatch):
    """A reading not made within READING_WAIT goes out as the room's words; the
    other readers get theirs, and the slow one is kept once made."""
    from piratechat.chat.runtime import hub as hub_module

    monkeypatch.setattr(hub_module, "READING_WAIT", 0.05)
    read, _ = readings()
    hub = Hub()
    made = gevent.event.Event()

    def slow_for_bard(payloads, reading):
        if reading == "bard":
            made.wait(10)  # the service answers only once the fan-out went on
        return read.payloads(payloads, reading)

    hub.read = slow_for_bard
    bard, original = Reader("bard"), Reader("original")
    for member in (bard, original):
        hub.join("deck", member)
        hub.caught_up("deck", member, 0)
    hub.deliver("deck", dumps(line(1)))
    assert hub.drain(5)
    made.set()
    assert [got["translator"] for got in bard.got] == ["pirate"]
    assert [got["translator"] for got in original.got] == ["original"]


def test_a_line_taken_back_is_read_as_nothing_whatever_the_reading():
    read, _ = readings()
    gone = dict(line(1), text="", translation="", retracted=True)
    assert read.line(gone, "bard") is gone
    assert read.line(gone, "original") is gone
