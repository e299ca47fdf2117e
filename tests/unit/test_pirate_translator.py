"""PirateTranslator: the arrpi answers, and every rule in its module docstring."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyClass, verifyObject

from piratechat.interfaces import ITranslator
from piratechat.translators.pirate import WORDS_FILE, PirateTranslator, load_words

PIRATE = PirateTranslator()
translate = PIRATE.translate


# --- the recorded answers of the arrpi service (2013) ------------------------

ARRPI = [
    ("pyramid_sockjs is cool", "pyramid_sockjs be cool"),
    ("Hello mate", "Avast mate"),
    ("Hello, friend", "Avast, mate"),
    ("My friends want beer.", "My crew want grog."),
    (
        "Should I go right or left to get to the port?",
        "Should I go starboard or port to get to thar port?",
    ),
]


@pytest.mark.parametrize(("english", "pirate"), ARRPI)
def test_recorded_arrpi_answers(english: str, pirate: str) -> None:
    assert translate(english) == pirate


@pytest.mark.parametrize("word", ["my", "I", "go", "to", "get", "cool", "want", "port", "mate"])
def test_words_arrpi_left_alone_stay(word: str) -> None:
    assert translate(word) == word
    assert word.lower() not in PIRATE.words


# --- the word list ------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "pirate"),
    [
        ("is", "be"),
        ("hello", "avast"),
        ("friend", "mate"),
        ("friends", "crew"),
        ("right", "starboard"),
        ("left", "port"),
        ("the", "thar"),
        ("beer", "grog"),
        ("you", "ye"),
        ("your", "yer"),
        ("yes", "aye"),
        ("hi", "ahoy"),
        ("stranger", "scurvy dog"),
        ("money", "doubloons"),
        ("are", "be"),
        ("am", "be"),
        ("for", "fer"),
        ("of", "o'"),
        ("boy", "lad"),
        ("girl", "lass"),
        ("captain", "cap'n"),
        ("manager", "cap'n"),
        ("excuse me", "arrr"),
    ],
)
def test_word_list_entries(english: str, pirate: str) -> None:
    assert translate(english) == pirate


def test_word_list_names_its_sources() -> None:
    text = files("piratechat.translators").joinpath(WORDS_FILE).read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for source in ("arrpi", "Talk Like a Pirate Day", "`arrr` PyPI package"):
        assert source in header
    assert len(PIRATE.words) >= 60


@pytest.mark.parametrize(
    "bad",
    [
        "hello avast",  # no "="
        "hello = avast\nhello = ahoy",  # duplicate
        "Hello = avast",  # English side must be lower case
        "hel.lo = avast",  # would be a regex wildcard
        "hello = <b>avast</b>",  # replacements are plain words, never markup
        "hello = ",
    ],
)
def test_load_words_refuses_malformed_lists(bad: str) -> None:
    with pytest.raises(ValueError):
        load_words(bad)


def test_load_words_reads_comments_phrases_and_blank_lines() -> None:
    text = "# a comment\n\nhello = avast\n  excuse   me  =  arrr  \n"
    assert load_words(text) == {"hello": "avast", "excuse me": "arrr"}


def test_custom_words_are_checked_too() -> None:
    with pytest.raises(ValueError):
        PirateTranslator({"a|b": "x"})


# --- case -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "pirate"),
    [
        ("hello", "avast"),
        ("Hello", "Avast"),
        ("HELLO", "AVAST"),
        ("THE", "THAR"),
        ("hElLo", "avast"),  # mixed case: lower-case replacement
        ("HeLLo", "avast"),
        ("Captain", "Cap'n"),
        ("CAPTAIN", "CAP'N"),
        ("Stranger", "Scurvy dog"),
        ("STRANGER", "SCURVY DOG"),
        ("Excuse me", "Arrr"),
        ("Excuse Me", "Arrr"),
        ("EXCUSE ME", "ARRR"),
        ("eXcuse me", "arrr"),
        ("Of", "O'"),
        ("OF", "O'"),
    ],
)
def test_case_is_carried_over(english: str, pirate: str) -> None:
    assert translate(english) == pirate


# --- whole words, identifiers, URLs -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "this island",
        "His history",
        "theme other bathe",
        "Theresa",
        "hellos befriend friendship",
        "isle",
        "pyramid_sockjs",
        "is_cool",
        "the2 2the",
        "_the the_ __the__",
        "theFriend",
        "example.the the.txt os.the.path",
        "x'the the'x",
    ],
)
def test_only_whole_words_are_translated(text: str) -> None:
    assert translate(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com/the/friend",
        "https://example.org/?q=hello+friend#the",
        "ftp://the.friend/is",
        "www.the-friend.com/hello",
        "WWW.THE.COM",
        "friend@example.com",
        "<the.friend+beer@pirates.org>,",
        "@friend",
        "(see:http://x/the)",
    ],
)
def test_urls_addresses_and_handles_are_untouched(text: str) -> None:
    assert translate(text) == text


def test_words_around_urls_are_still_translated() -> None:
    text = "Hello friend, see http://x.com/the and mail me@the.com for the beer"
    expected = "Avast mate, see http://x.com/the and mail me@the.com fer thar grog"
    assert translate(text) == expected


# --- punctuation, contractions, whitespace --------------------------------------


def test_punctuation_is_copied() -> None:
    text = "the, the. the! the? (the) [the] \"the\" 'the' the: the; the... the-the «the»"
    expected = (
        "thar, thar. thar! thar? (thar) [thar] \"thar\" 'thar' thar: thar; thar... thar-thar «thar»"
    )
    assert translate(text) == expected


@pytest.mark.parametrize(
    ("english", "pirate"),
    [
        ("you're", "ye're"),
        ("You're", "Ye're"),
        ("YOU'RE", "YE'RE"),
        ("you’re", "ye’re"),  # typographic apostrophe kept
        ("you've you'll you'd", "ye've ye'll ye'd"),
        ("isn't", "ain't"),
        ("Isn't", "Ain't"),
        ("aren't", "ain't"),
        ("friend's", "mate's"),
        ("Friend's", "Mate's"),
        ("FRIEND'S", "MATE'S"),
        ("captain’s", "cap’n’s"),
        ("there's", "thar's"),
        ("friends' beer", "crew' grog"),
        ("don't I'm we're it's he'll", "don't I'm we're it's he'll"),
        ("friend'll is've", "friend'll is've"),  # unlisted contractions stay
        ("is'nt", "is'nt"),
        ("rock 'n' roll", "rock 'n' roll"),
    ],
)
def test_contractions(english: str, pirate: str) -> None:
    assert translate(english) == pirate


@pytest.mark.parametrize(
    ("english", "pirate"),
    [
        ("the\tfriend\n\nhello   beer\r\n", "thar\tmate\n\navast   grog\r\n"),
        ("  the  ", "  thar  "),
        ("the\u00a0friend\u2003is", "thar\u00a0mate\u2003be"),
        ("excuse \t me", "arrr"),
        ("excuse\nme", "excuse\nme"),  # phrases do not span lines
    ],
)
def test_whitespace_is_preserved(english: str, pirate: str) -> None:
    assert translate(english) == pirate


def test_empty_string() -> None:
    assert translate("") == ""


# --- unicode -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "pirate"),
    [
        ("the 🏴\u200d☠️ friend", "thar 🏴\u200d☠️ mate"),
        ("hello😀", "avast😀"),
        ("😀hello", "😀avast"),
        ("naïve the café", "naïve thar café"),
        ("привет the мир", "привет thar мир"),
        ("你好 friend", "你好 mate"),
        ("مرحبا friend", "مرحبا mate"),
        ("thé théme", "thé théme"),
        ("the\u0301", "the\u0301"),  # decomposed "thé" is one word
        ("theмир Ωthe", "theмир Ωthe"),
        ("i\u017f o\u212aay \u0130s", "i\u017f o\u212aay \u0130s"),  # no Unicode case folding
    ],
)
def test_unicode_and_other_scripts(english: str, pirate: str) -> None:
    assert translate(english) == pirate


# --- one pass, determinism, interface ------------------------------------------


def test_single_capital_letter_counts_as_capitalized() -> None:
    chat = PirateTranslator({"u": "ye", "r": "be"})
    assert chat.translate("U r, u R") == "Ye be, ye Be"


def test_longest_entry_wins() -> None:
    phrases = PirateTranslator({"excuse": "beg", "excuse me": "arrr", "me": "meh"})
    assert phrases.translate("excuse me, excuse, me") == "arrr, beg, meh"


def test_one_pass() -> None:
    chain = PirateTranslator({"a": "b", "b": "c", "excuse me": "arrr", "me": "meh"})
    assert chain.translate("a b") == "b c"
    assert chain.translate("excuse me, me") == "arrr, meh"
    assert translate("friend mate") == "mate mate"


def test_chunk_cache_is_bounded_and_changes_nothing() -> None:
    pirate = PirateTranslator()
    words = [f"w{number}" for number in range(40_000)]
    assert pirate.translate(" ".join(words)) == " ".join(words)
    assert pirate.translate("x" * 100 + " the") == "x" * 100 + " thar"
    assert len(pirate._seen) <= 32_768
    assert "x" * 100 not in pirate._seen
    assert pirate.translate("the beer. THE BEER.") == "thar grog. THAR GROG."


def test_deterministic() -> None:
    text = "Hello friend, the beer is right there. " * 50
    assert translate(text) == translate(text) == PirateTranslator().translate(text)


def test_provides_itranslator() -> None:
    assert verifyClass(ITranslator, PirateTranslator)
    assert verifyObject(ITranslator, PIRATE)
    assert (PIRATE.name, PIRATE.title) == ("pirate", "Pirate")


# --- long input (would hang, not just slow down, if it were not linear) -------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # word by word (no phrase, no URL in the text)
        ("Hello friend, the beer is right there. ", "Avast mate, thar grog be starboard thar. "),
        # one regex over the whole text (it may hold a phrase)
        ("Excuse me, the beer!\n", "Arrr, thar grog!\n"),
        # around URLs and addresses
        ("Hi me@x.com, the http://x/the\t", "Ahoy me@x.com, thar http://x/the\t"),
    ],
)
def test_one_megabyte(sentence: str, expected: str) -> None:
    count = 1_000_000 // len(sentence) + 1
    assert translate(sentence * count) == expected * count


@pytest.mark.parametrize(
    "text",
    [
        "a-" * 500_000,
        "x" * 1_000_000,
        "the'" * 250_000 + "x",
        "the." * 250_000 + "x",
        "'" * 1_000_000,
        "a@" * 500_000,
        "w" * 1_000_000 + "ww.",
        "excuse " * 140_000 + "x",
    ],
)
def test_one_megabyte_without_translation(text: str) -> None:
    assert translate(text) == text


# --- properties ----------------------------------------------------------------

VOCABULARY = {part for key in PIRATE.words for part in re.findall("[a-z]+", key)}
KEYS = sorted(PIRATE.words)
WORDY = st.text(alphabet=st.sampled_from(list("aehilmorstuy THE'’._-@:/\n\t0😀é\u0301")))
TEXTS = st.one_of(
    st.text(),
    WORDY,
    st.lists(st.one_of(st.sampled_from(KEYS), WORDY, st.text(max_size=3))).map("".join),
)


@settings(deadline=None)
@given(TEXTS)
def test_never_raises_and_is_deterministic(text: str) -> None:
    result = translate(text)
    assert isinstance(result, str)
    assert translate(text) == result


@settings(deadline=None)
@given(TEXTS)
def test_fast_path_agrees_with_the_single_regex(text: str) -> None:
    # Texts without URLs or addresses: translate() must answer exactly what
    # one regex over the whole text answers, whichever path it takes.
    if "@" not in text and "://" not in text and "www." not in text.lower():
        assert translate(text) == PIRATE._translate_words(text)


@settings(deadline=None)
@given(TEXTS)
def test_text_without_dictionary_words_is_unchanged(text: str) -> None:
    if not any(run.lower() in VOCABULARY for run in re.findall("[A-Za-z]+", text)):
        assert translate(text) == text


@settings(deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Lu", "Ll", "Lt", "Lm", "Lo"))))
def test_text_without_letters_is_unchanged(text: str) -> None:
    assert translate(text) == text


@settings(deadline=None)
@given(TEXTS)
def test_everything_but_the_words_is_kept_in_order(text: str) -> None:
    # Only ASCII letters, apostrophes, spaces and tabs are ever consumed or
    # produced; every other character must survive in the same order.
    def skeleton(s: str) -> str:
        return re.sub(r"[A-Za-z'’ \t]", "", s)

    assert skeleton(translate(text)) == skeleton(text)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KEYS),
            st.sampled_from(["lower", "capitalized", "upper"]),
            st.sampled_from([", ", "! ", "\n", " - ", "; ", " (", ") "]),
        ),
        min_size=1,
    )
)
def test_sentences_of_entries(items: list[tuple[str, str, str]]) -> None:
    def styled(word: str, style: str) -> str:
        if style == "upper":
            return word.upper()
        if style == "capitalized":
            return word[0].upper() + word[1:]
        return word

    english = "".join(styled(key, style) + sep for key, style, sep in items)
    pirate = "".join(styled(PIRATE.words[key], style) + sep for key, style, sep in items)
    assert translate(english) == pirate
