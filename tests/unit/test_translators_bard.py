"""BardTranslator: each rule of its module docstring, and what it must leave alone."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from zope.interface.verify import verifyClass, verifyObject

from piratechat.interfaces import ITranslator
from piratechat.translators.bard import BardTranslator

BARD = BardTranslator()
translate = BARD.translate


def test_provides_itranslator():
    verifyClass(ITranslator, BardTranslator)
    verifyObject(ITranslator, BARD)
    assert BARD.name == "bard"


@pytest.mark.parametrize(
    ("english", "bard"),
    [
        # you as object: after a preposition, after a verb, at the clause end
        ("Thank you, friend!", "Thank thee, friend!"),
        ("I love you.", "I love thee."),
        ("I'll give it to you before dusk", "I'll give it to thee ere dusk"),
        ("Let you go", "Let thee go"),
        ("I saw you go", "I saw thee go"),
        ("He knows you well", "He knoweth thee well"),
        ("I have you now", "I have thee now"),
        # you as subject, and the verb agreeing with thou
        ("You are my friend", "Thou art my friend"),
        ("I think you know", "I think thou knowest"),
        ("you don't say", "thou dost not say"),
        ("You really know it", "Thou verily knowest it"),
        ("you wanted it", "thou wantedst it"),
        ("if you said so", "if thou saidst so"),
        (
            "you try, you cry, you see, you sit",
            "thou triest, thou criest, thou seest, thou sittest",
        ),
        ("you will go and you can win", "thou wilt go and thou canst win"),
        ("You were late", "Thou wert late"),
        # contractions of you
        (
            "You've been great, you're the best and you'll win",
            "Thou hast been great, thou art the best and thou wilt win",
        ),
        ("you'd know", "thou wouldst know"),
        # questions invert
        ("Are you coming with me?", "Art thou coming with me?"),
        ("Where are you?", "Where art thou?"),
        ("How are you today?", "How art thou today?"),
        ("Did you hear that?", "Didst thou hear that?"),
        ("Don't you see?", "Dost thou not see?"),
        ("Can't you see it is late?", "Canst thou not see 'tis late?"),
        ("What would you do?", "What wouldst thou do?"),
        ("Have you got it?", "Hast thou got it?"),
        # your, yours, yourself
        ("Your eyes are like the sea", "Thine eyes are like the sea"),
        ("your own ship, your hour, your union, your sword", None),
        ("Is this yours?", "Is this thine?"),
        ("Know yourself", "Know thyself"),
        # third person
        ("She says hello", "She saith good morrow"),
        ("Has he gone? No, he does not.", "Hath he gone? Nay, he doth not."),
        ("Who knows? Maybe it flies.", "Who knoweth? Perchance it flieth."),
        ("he doesn't care", "he doth not care"),
        # 'tis and 'twas
        ("It is cold tonight", "'Tis cold tonight"),
        ("It's a trap", "'Tis a trap"),
        ("it was a dark night", "'twas a dark night"),
        ("I know what it is", "I know what it is"),
        ("it's been long", "it's been long"),
        ("It  is\tcold", "'Tis\tcold"),
        # words, and "no" only alone
        ("Hello there, you idiot", "Good morrow there, thou knave"),
        ("no way", "no way"),
        ("No.", "Nay."),
        ("thanks, see you soon", "gramercy, see thee anon"),
    ],
)
def test_rules(english, bard):
    if bard is None:
        bard = "thine own ship, thine hour, thy union, thy sword"
    assert translate(english) == bard


@pytest.mark.parametrize(
    ("english", "bard"),
    [
        ("YOU ARE LOUD", "THOU ART LOUD"),
        ("You", "Thou"),
        ("it IS", "it IS"),
        ("you’re here", "thou art here"),
        ("It’s late", "’Tis late"),
        ("Don’t you know", "Dost thou not know"),
    ],
)
def test_case_and_apostrophes_are_carried_over(english, bard):
    assert translate(english) == bard


@pytest.mark.parametrize(
    "text",
    [
        "Visit http://you.example/you/are now",
        "mail you@example.com or @you",
        "you_know you2 2you",
        "www.you.are",
        "yoü are",
    ],
)
def test_urls_handles_and_joined_words_are_left_alone(text):
    untouched = re.findall(r"\S*(?:://|www\.|@|_|\d|ü)\S*", text)
    result = translate(text)
    for run in untouched:
        assert run in result


def test_a_clause_ends_at_punctuation_and_line_breaks():
    assert translate("I love you\nyou are") == "I love thee\nthou art"
    assert translate("for you; are") == "for thee; are"


def test_its_own_words_must_be_single_words():
    with pytest.raises(ValueError):
        BardTranslator({"thank you": "gramercy"})
    assert BardTranslator({"cat": "puss"}).translate("The cat") == "The puss"


WORDS = st.sampled_from(
    ["you", "You", "your", "are", "do", "don't", "it", "is", "he", "knows", "hello", "no", "the",
     "cat", "love", "to", "x1", "@a", ",", ".", "?", " ", "  ", "\n", "’", "'"]
)  # fmt: skip


@given(st.lists(WORDS, max_size=25).map(" ".join))
def test_never_fails_and_keeps_every_non_word_character(text):
    result = translate(text)
    assert re.sub(r"[\w'’ ]", "", result) == re.sub(r"[\w'’ ]", "", text)


@given(st.text(max_size=200))
def test_any_text_is_translated_to_text(text):
    assert isinstance(translate(text), str)
