"""unread/readers.py: who a reader is, as a digest that gives nothing away."""

from piratechat.unread.readers import reader_of


def test_a_member_is_one_reader_whatever_the_page_key():
    assert reader_of("Anne", "k" * 20) == reader_of("Anne", "x" * 20) == reader_of("Anne", None)


def test_an_anonymous_reader_is_their_key_and_the_key_is_never_kept():
    key = "a-secret-page-key-1234"
    reader = reader_of(None, key)
    assert reader == reader_of(None, key) != reader_of(None, key + "5")
    assert key not in reader and len(reader) == 32


def test_a_key_that_spells_a_members_name_is_not_that_member():
    assert reader_of(None, "member\nAnne") != reader_of("Anne", None)
    assert reader_of(None, None) is None
