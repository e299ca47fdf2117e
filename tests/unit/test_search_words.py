"""The words the search index keeps and a query asks for (search/words.py)."""

from __future__ import annotations

import pytest

from piratechat.search.words import MAX_QUERY_WORDS, MAX_WORD, BadQuery, Query, parse, words


@pytest.mark.parametrize(("text", "expected"), [
    ("Ahoy, Captain!", ["ahoy", "captain"]),
    ("Crème BRÛLÉE", ["creme", "brulee"]),
    ("Straße STRASSE", ["strasse", "strasse"]),
    ("ﬁne ＡＢＣ", ["fine", "abc"]),
    ("Ωμέγα ΘΆΛΑΣΣΑ", ["ωμεγα", "θαλασσα"]),
    ("don't 3.14", ["don't", "3.14"]),
    ("東京都に住んでいます", ["東京", "都", "に", "住", "んて", "い", "ます"]),  # dakuten: a mark
    ("ภาษาไทยง่าย", ["ภาษา", "ไทย", "งาย"]),
    ("😀kraken 𝒳 sea", ["kraken", "x", "sea"]),  # outside the BMP: two UTF-16 units each
    ("!!! ... 😀", []),
])
def test_words_are_split_by_icu_and_folded_case_and_accent_blind(text, expected):
    assert words(text) == expected


def test_a_very_long_word_is_cut():
    assert words("a" * 500) == ["a" * MAX_WORD]


def test_a_query_has_loose_words_and_quoted_phrases():
    query = parse('Ship "the  SEA" ahoy "unclosed quote')
    assert query == Query(("ship", "ahoy"), (("the", "sea"), ("unclosed", "quote")))
    assert query.every_word() == {"ship", "ahoy", "the", "sea", "unclosed", "quote"}


def test_a_phrase_matches_its_words_in_order_only():
    query = parse('"walk the plank"')
    assert query.matches(words("Walk the plank, now"))
    assert not query.matches(words("the plank, walk it"))
    assert parse("plank walk").matches(words("the plank, walk it"))


@pytest.mark.parametrize("text", ["", "   ", '""', "!!!", "😀",
                                  " ".join(f"w{n}" for n in range(MAX_QUERY_WORDS + 1))])
def test_a_query_asking_for_nothing_or_too_much_is_bad(text):
    with pytest.raises(BadQuery):
        parse(text)
