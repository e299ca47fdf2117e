"""When two names are one (chat/core/names.py's key), which characters a name may not
hold (chat/core/text.py), and a room's names as one lookup per join (RoomNames)."""

from __future__ import annotations

from functools import partial

import pytest

from piratechat.chat.core import rules
from piratechat.chat.core.messages import ChatError
from piratechat.chat.core.names import RoomNames, name_key
from piratechat.chat.core.text import BadText, check_name
from piratechat.chat.core.tokens import issue, verify

SECRET = "s3cret"


# -- the comparison key -----------------------------------------------------------------

@pytest.mark.parametrize("alike", [
    "Captain", "captain", "CAPTAIN", "  Captain  ",
    "Capta\u0456n",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0421aptain",  # CYRILLIC CAPITAL LETTER ES
    "\uff23\uff41\uff50\uff54\uff41\uff49\uff4e",  # fullwidth, one by NFKC
    "\U0001d402\U0001d41a\U0001d429\U0001d42d\U0001d41a\U0001d422\U0001d427",  # mathematical bold
])
def test_look_alikes_of_a_name_share_its_key(alike):
    assert name_key(alike) == name_key("Captain") == "captain"


def test_runs_of_spaces_of_any_kind_are_one_space():
    assert name_key("Anne\u3000\u2003 Bonny") == name_key("Anne Bonny") == "anne bonny"


def test_the_confusables_data_decides_and_nothing_else():
    # Unicode's confusables.txt reads "1" as "l" (and "m" as "rn"), not "1" as "i":
    assert name_key("Capta1n") == name_key("Captaln") != name_key("Captain")
    assert name_key("Jim") == name_key("Jirn")
    assert name_key("B0nny") == name_key("BONNY") == "bonny"  # "0" reads as "O"
    # different names stay different
    assert len({name_key(n) for n in ("Anne", "Anna", "Ann", "Cap tain", "Käptn")}) == 5


# -- characters a name may not hold -----------------------------------------------------

@pytest.mark.parametrize(("name", "code_point"), [
    ("Captain\u3164", "U+3164"),  # HANGUL FILLER
    ("\u115fCaptain", "U+115F"),  # HANGUL CHOSEONG FILLER
    ("Cap\u1160tain", "U+1160"),  # HANGUL JUNGSEONG FILLER
    ("Captain\uffa0", "U+FFA0"),  # HALFWIDTH HANGUL FILLER
    ("Cap\u200btain", "U+200B"),  # ZERO WIDTH SPACE
    ("Cap\u200dtain", "U+200D"),  # ZERO WIDTH JOINER
    ("Captain\u2060", "U+2060"),  # WORD JOINER
    ("Captain\ufe0f", "U+FE0F"),  # VARIATION SELECTOR-16
    ("Captain\U000e0041", "U+E0041"),  # TAG LATIN CAPITAL LETTER A
    ("Cap\u00adtain", "U+00AD"),  # SOFT HYPHEN
    ("\u2800", "U+2800"),  # BRAILLE PATTERN BLANK
    ("Captain\U0010fffe", "U+10FFFE"),  # a noncharacter: unassigned
    ("Cap\u202etain", "U+202E"),  # RIGHT-TO-LEFT OVERRIDE (the direction rule)
])
def test_a_name_holding_a_character_that_shows_nothing_is_refused(name, code_point):
    with pytest.raises(BadText) as error:
        check_name(name)
    assert code_point in error.value.reason


def test_visible_names_of_any_script_pass():
    for name in ("Captain", "Käpt'n Blaubär", "선장", "Капитан", "船長", "Anne Bonny"):
        assert check_name(name) == name


# -- names that come from member tokens -------------------------------------------------

def who(message: dict):
    return rules.who(message, 20, partial(verify, SECRET), lambda name: False)


@pytest.mark.parametrize("member", ["Cap\u202etain", "Captain\u3164", "\u115fAnne"])
def test_a_tokens_name_keeps_the_names_rules(member):
    with pytest.raises(ChatError) as error:
        who({"token": issue(SECRET, member)})
    assert error.value.code == "bad_text"


def test_a_token_naming_nobody_is_refused():
    with pytest.raises(ChatError) as error:
        who({"token": issue(SECRET, "   ")})
    assert error.value.code == "bad_token"


# -- a room's names -----------------------------------------------------------------------

def test_a_name_or_a_look_alike_of_it_is_taken_in_its_room_only():
    names, ann, other = RoomNames(), object(), object()
    names.take("deck", "Captain", ann)
    for alike in ("CAPTAIN", "Capta\u0456n"):
        with pytest.raises(ChatError) as error:
            names.take("deck", alike, other)
        assert error.value.code == "name_taken" and "'deck'" in error.value.message
    assert "(as 'Captain')" in error.value.message
    names.take("hold", "Captain", other)  # another room


def test_a_holder_may_take_its_own_name_again_or_change_it():
    names, ann, bob = RoomNames(), object(), object()
    names.take("deck", "Ann", ann)
    names.take("deck", "ann", ann)  # joins again
    names.take("deck", "Anne", ann)  # changes name: "Ann" is free
    names.take("deck", "Ann", bob)
    names.take("hold", "Bob", bob)  # moves: "Ann" on deck is free
    names.take("deck", "Ann", ann)
    assert len(names) == 2


def test_a_released_name_is_free_and_nothing_is_kept_for_leavers():
    names, holders = RoomNames(), [object() for _ in range(1000)]
    for number, holder in enumerate(holders):
        names.take("deck", f"Pirate {number}", holder)
    with pytest.raises(ChatError):
        names.take("deck", "pirate 7", object())
    for holder in holders:
        names.release(holder)
    names.release(holders[0])  # twice: nothing happens
    assert len(names) == 0 and names._rooms == {}
    names.take("deck", "Pirate 7", object())
