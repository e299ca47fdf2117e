"""Room names and slugs (rooms/slugs.py): what may name a room, and its address."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piratechat.rooms.slugs import MAX_LENGTH, BadRoomName, check_slug, slug_for, slugify


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Treasure Island", "treasure-island"),
        ("  Käpt'n Blaubär's Deck  ", "käpt-n-blaubär-s-deck"),
        ("日本語の部屋", "日本語の部屋"),
        ("Wait...", "wait"),
        ("ＦＵＬＬ　ｗｉｄｔｈ", "full-width"),  # NFKC folds compatibility forms
        ("Straße", "strasse"),  # case folding, not just lower()
        ("a_b--c", "a-b-c"),
        ("x" * MAX_LENGTH, "x" * MAX_LENGTH),
    ],
)
def test_names_become_slugs(name, slug):
    assert slug_for(name) == slug
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "name, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("../etc/passwd", "not a path"),
        ("a/b", "not a path"),
        ("a\\b", "not a path"),
        ("a%2Fb", "not a path"),
        ("%2e%2e", "not a path"),
        ("..", "not a path"),
        ("bell\x07", "control character"),
        ("new\nline", "control character"),
        ("\u202eevil", "control character"),
        ("x" * (MAX_LENGTH + 1), "limit is 64"),
        ("!!!", "at least one letter"),
        ("\ufdfa" * 4, "address would be"),  # NFKC expands each to 18 characters
    ],
)
def test_bad_names_say_why(name, reason):
    with pytest.raises(BadRoomName) as raised:
        slug_for(name)
    assert reason in raised.value.reason


@pytest.mark.parametrize(
    "slug, suggestion",
    [
        ("Upper", "upper"),
        ("two words", "two-words"),
        ("..", None),
        ("a..b", "a-b"),
        ("a/b", None),
        ("", None),
        ("-lead", "lead"),
        ("x" * (MAX_LENGTH + 1), None),
        (42, None),
        (None, None),
    ],
)
def test_slugs_must_be_canonical(slug, suggestion):
    with pytest.raises(BadRoomName) as raised:
        check_slug(slug)
    assert raised.value.suggestion == suggestion


@given(st.text(max_size=80))
def test_every_accepted_name_gives_a_slug_that_is_accepted(name):
    try:
        slug = slug_for(name)
    except BadRoomName:
        return
    assert check_slug(slug) == slug
    assert slugify(slug) == slug
    assert not set(slug) & set("/\\.%") and slug.strip("-") == slug


@given(st.text(max_size=80))
def test_no_accepted_slug_can_climb_out_of_its_folder(text):
    try:
        slug = check_slug(text)
    except BadRoomName:
        return
    assert slug == text and "/" not in slug and "." not in slug and "%" not in slug
    assert all(ord(char) >= 32 for char in slug)
