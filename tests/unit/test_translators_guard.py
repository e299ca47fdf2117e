"""The guard: every translator's answer is text, bounded, and a failure falls back."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from zope.interface import implementer

from piratechat.interfaces import ITranslator, TranslatorUnavailable
from piratechat.translators.guard import Guard, Translation
from piratechat.translators.pirate import PirateTranslator

PIRATE = PirateTranslator()


@implementer(ITranslator)
class Answers:
    """A translator whose answer is given: a string, or a function of the text."""

    title = "Test"

    def __init__(self, answer, name="test"):
        self.answer = answer
        self.name = name

    def translate(self, text):
        return self.answer(text) if callable(self.answer) else self.answer


def fails(error):
    def translate(text):
        raise error

    return translate


@pytest.fixture
def guard():
    return Guard(fallback=PIRATE)


def test_a_good_answer_passes_unchanged_and_unmarked(guard):
    assert guard.translate(Answers("Ahoy, matey!"), "Hello") == Translation(
        "Ahoy, matey!", "test", None
    )


def test_an_unavailable_translator_falls_back_to_the_pirate_and_is_marked(guard, caplog):
    translator = Answers(fails(TranslatorUnavailable("service down")))
    with caplog.at_level(logging.WARNING, "piratechat.translators.guard"):
        translation = guard.translate(translator, "Hello, friend")
    assert translation == Translation("Avast, mate", "pirate", "test")
    assert "service down" in caplog.text


@pytest.mark.parametrize("error", [RuntimeError("bug"), KeyError("x"), ValueError()])
def test_a_translator_that_raises_falls_back_and_the_error_is_logged(guard, caplog, error):
    with caplog.at_level(logging.ERROR, "piratechat.translators.guard"):
        translation = guard.translate(Answers(fails(error)), "Hello, friend")
    assert translation == Translation("Avast, mate", "pirate", "test")
    assert caplog.records[0].exc_info is not None


@pytest.mark.parametrize("answer", [None, b"bytes", 42, ["a"]])
def test_an_answer_that_is_not_a_string_falls_back(guard, answer):
    assert guard.translate(Answers(answer), "Hello").fallback == "test"


def test_when_the_fallback_itself_fails_the_error_is_not_hidden():
    broken = Answers(fails(RuntimeError("pirate bug")), name="pirate")
    with pytest.raises(RuntimeError, match="pirate bug"):
        Guard(fallback=broken).translate(broken, "Hello")


def test_a_huge_answer_is_cut_to_the_limit_and_logged(guard, caplog):
    with caplog.at_level(logging.WARNING, "piratechat.translators.guard"):
        translation = guard.translate(Answers("arr" * 400_000), "Hello")
    assert len(translation.text) == guard.limit("Hello") == 4 * 5 + 256
    assert translation.translator == "test" and translation.fallback is None
    assert "answered 1200000 characters for a line of 5" in caplog.text


def test_an_answer_within_the_limit_is_kept_whole(guard):
    text = "x" * 100
    answer = "y" * guard.limit(text)
    assert guard.translate(Answers(answer), text).text == answer


def test_new_markup_is_removed(guard):
    answer = 'Ahoy <b>matey</b><script>alert(1)</script><img src=x onerror="y"><!-- c -->!'
    assert guard.translate(Answers(answer), "Hello friend!").text == "Ahoy mateyalert(1)!"


def test_markup_the_speaker_typed_is_echoed_as_text(guard):
    text = "is <b>bold</b> a tag? a<b and c>d"
    assert guard.translate(PIRATE, text).text == PIRATE.translate(text)


def test_escaped_markup_from_a_translator_does_not_become_markup(guard):
    answer = "Ahoy &lt;script&gt;alert(1)&lt;/script&gt; &amp; me &#39;earties"
    assert guard.translate(Answers(answer), "Hi").text == "Ahoy alert(1) & me 'earties"


def test_references_the_speaker_typed_are_kept(guard):
    text = "write &amp; as &amp;amp;"
    assert guard.translate(Answers(lambda t: t), text).text == text


def test_control_characters_are_dropped_but_tabs_and_newlines_kept(guard):
    answer = "a\x00b\x07c\td\ne\x1b[31mf\x85g\x7f"
    assert guard.translate(Answers(answer), "x").text == "abc\td\ne[31mfg"


MARKUP_ISH = st.lists(
    st.sampled_from(["hello", "friend", "you", "<", ">", "</", "&", "amp;", "#39;", "b", " "]),
    max_size=30,
).map("".join)


@given(st.one_of(MARKUP_ISH, st.text(max_size=300)))
def test_the_pirate_through_the_guard_is_the_pirate(text):
    """The guard never changes what the built-in pirate says (no false positives),
    even where the speaker typed markup the pirate translates ("<hello>")."""
    if not any(c < " " and c not in "\t\n" or "\x7f" <= c <= "\x9f" for c in text):
        assert Guard(fallback=PIRATE).translate(PIRATE, text).text == PIRATE.translate(text)


def test_a_typed_tag_whose_words_are_translated_is_kept(guard):
    assert guard.translate(PIRATE, "<hello> friend").text == "<avast> mate"


@given(st.text(max_size=200), st.text(max_size=2000))
def test_any_answer_comes_out_bounded_and_tag_free(text, answer):
    result = Guard(fallback=PIRATE).translate(Answers(answer), text).text
    assert len(result) <= 4 * len(text) + 256
    assert "\x00" not in result
