"""The ITranslator contract, run against every translator PirateChat can offer.

The built-ins (pirate, bard, and remote against a real arrpi-shaped service
on loopback) and every translator installed through the
``piratechat.translators`` entry points (the yoda example among them) pass
the same suite: what the chat relies on from any translator, whoever wrote
it. A new plug-in installed in the venv is picked up with no change here.

The word-list translators (pirate, bard) also promise translators/words.py's
case carry-over; that part runs against them only.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyObject

from piratechat.interfaces import ITranslator
from piratechat.translators.bard import BardTranslator
from piratechat.translators.discovery import discover
from piratechat.translators.guard import Guard
from piratechat.translators.pirate import PirateTranslator
from piratechat.translators.remote import RemoteTranslator
from tests.support.arrpi_server import ArrpiServer

INSTALLED = {name: translator for translator, _ in discover({}, None)
             for name in [translator.name]}
LOCAL = {"pirate": PirateTranslator(), "bard": BardTranslator(), **INSTALLED}
WORD_LISTS = ["pirate", "bard"]  # the translators built on translators/words.py

LINES = [
    "Hello, my friend! Where is the beer?",
    "you are my friend and I love you",
    "I am sure you will come tonight.",
    "Ünïcödé wörds, emoji 🏴‍☠️, right-to-left שלום, and C\u0301afe",
    "\tTabs\tand  double  spaces\n and a second line",
    "<b>hello</b> &amp; <script>alert('you')</script>",
    "x" * 2000,
    "the " * 500,
]
URLS = ["http://example.com/the/friend?you=are", "www.hello.example", "friend@example.com", "@you"]


@pytest.fixture(scope="module")
def arrpi():
    with ArrpiServer() as server:
        yield server


@pytest.fixture(params=sorted([*LOCAL, "remote"]))
def translator(request):
    if request.param == "remote":
        server = request.getfixturevalue("arrpi")
        return RemoteTranslator(server.url, connect_timeout=1.0, read_timeout=1.0)
    return LOCAL[request.param]


def test_the_example_plug_in_is_found_through_its_entry_point():
    assert "yoda" in INSTALLED


def test_provides_the_interface_with_a_name_and_a_title(translator):
    assert verifyObject(ITranslator, translator)
    assert isinstance(translator.name, str) and re.fullmatch(r"[a-z][a-z0-9_-]*", translator.name)
    assert isinstance(translator.title, str) and translator.title.strip()


@pytest.mark.parametrize("line", LINES)
def test_answers_plain_text_within_the_guards_bound(translator, line):
    answer = translator.translate(line)
    assert isinstance(answer, str)
    assert len(answer) <= Guard(fallback=LOCAL["pirate"]).limit(line)


@pytest.mark.parametrize("line", LINES)
def test_is_deterministic(translator, line):
    assert translator.translate(line) == translator.translate(line)


@pytest.mark.parametrize("line", LINES)
def test_adds_no_markup(translator, line):
    """HTML stays inert: a translator never writes a tag or a character reference."""
    answer = translator.translate(line)
    assert answer.count("<") <= line.count("<")
    assert answer.count("&") <= line.count("&")


@pytest.mark.parametrize("url", URLS)
def test_urls_addresses_and_handles_arrive_whole(translator, url):
    if translator.name == "remote":
        pytest.skip("the remote translator is whatever the service answers")
    assert url in translator.translate(f"you are my friend, see {url} now")


@pytest.mark.parametrize("text", ["", " ", "  \t ", "123 456.789 !!! ...", "🏴‍☠️ ✓ ★"])
def test_text_without_words_comes_back_unchanged(text):
    for translator in LOCAL.values():
        assert translator.translate(text) == text, translator.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_bounded_plain_text(text):
    limit = Guard(fallback=LOCAL["pirate"]).limit(text)
    for translator in LOCAL.values():
        answer = translator.translate(text)
        assert isinstance(answer, str) and len(answer) <= limit, translator.name
        assert answer.count("<") <= text.count("<"), translator.name
        assert answer == translator.translate(text), translator.name


# -- case carry-over: translators/words.py's rule, as pirate and bard apply it --------

KNOWN = ["hello friend", "you are my friend", "where is the beer", "excuse me"]


@pytest.mark.parametrize("name", WORD_LISTS)
@pytest.mark.parametrize("line", KNOWN)
def test_all_caps_gives_all_caps(name, line):
    translator = LOCAL[name]
    assert translator.translate(line.upper()) == translator.translate(line).upper()


@pytest.mark.parametrize("name", WORD_LISTS)
@pytest.mark.parametrize("line", KNOWN)
def test_capitalized_gives_capitalized(name, line):
    translator = LOCAL[name]
    lower = translator.translate(line)
    capital = translator.translate(line[0].upper() + line[1:])
    assert capital == lower[0].upper() + lower[1:]


@pytest.mark.parametrize("name", WORD_LISTS)
@pytest.mark.parametrize("word", ["hElLo", "HeLLo", "yOU"])
def test_a_mixed_case_typo_gets_the_replacement_as_written(name, word):
    translator = LOCAL[name]
    assert translator.translate(word) == translator.translate(word.lower())


@pytest.mark.parametrize("name", WORD_LISTS)
def test_a_typographic_apostrophe_is_carried_over(name):
    translator = LOCAL[name]
    answer = translator.translate("you’re my friend, aren’t you")
    assert "'" not in answer
    assert answer == translator.translate("you're my friend, aren't you").replace("'", "’")
