"""Members' chat tokens (piratechat/chat/core/tokens.py): only the site's secret makes them."""

import pytest

from piratechat.chat.core.tokens import BadToken, issue, verify

SECRET = "a secret the site and the chat share"


def test_a_token_says_its_name_until_it_expires():
    token = issue(SECRET, "Anne Bonny", ttl=60, now=1000)
    assert verify(SECRET, token, now=1059) == "Anne Bonny"


def test_a_token_cannot_be_replayed_after_it_expires():
    token = issue(SECRET, "Anne Bonny", ttl=60, now=1000)
    with pytest.raises(BadToken, match="expired"):
        verify(SECRET, token, now=1060)


def test_a_token_signed_with_another_secret_is_refused():
    forged = issue("a guess", "Anne Bonny", now=1000)
    with pytest.raises(BadToken, match="signature"):
        verify(SECRET, forged, now=1000)


def test_a_token_whose_name_or_expiry_was_changed_is_refused():
    import base64
    import json

    token = issue(SECRET, "Anne Bonny", ttl=60, now=1000)
    payload, signature = token.split(".")
    for claims in ({"name": "Long John", "exp": 1060}, {"name": "Anne Bonny", "exp": 10**10}):
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        with pytest.raises(BadToken, match="signature"):
            verify(SECRET, body + "." + signature, now=1000)


@pytest.mark.parametrize("junk", [None, 42, "", "abc", "a.b.c", "!!!.00", "x" * 5000])
def test_junk_is_refused_as_malformed_or_unsigned(junk):
    with pytest.raises(BadToken):
        verify(SECRET, junk, now=1000)


def _signed(body: bytes) -> str:
    """A token with a good signature around ``body`` (as if the secret leaked)."""
    import base64

    from piratechat.chat.core.tokens import _signature

    payload = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    return payload + "." + _signature(SECRET, payload)


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"name": "Ann"}', b'{"name": 7, "exp": 2000}',
             b'{"name": "Ann", "exp": "later"}'],
)
def test_a_signed_token_that_is_not_a_name_and_an_expiry_is_malformed(body):
    with pytest.raises(BadToken, match="malformed"):
        verify(SECRET, _signed(body), now=1000)


def test_without_a_secret_no_token_is_made_or_accepted():
    token = issue(SECRET, "Anne Bonny", now=1000)
    with pytest.raises(BadToken, match="token_secret"):
        verify("", token, now=1000)
    with pytest.raises(ValueError):
        issue("", "Anne Bonny")
