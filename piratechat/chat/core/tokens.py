"""Signed, expiring chat tokens: how the chat knows a Plone member.

The Plone site (``@@chat-token``, piratechat.plone) signs a member's full
name and an expiry with HMAC-SHA256 under the ``token_secret`` setting both
apps share; the chat page sends the token in ``join`` (a cookie would not
reach every SockJS transport), and the chat checks it here. A token is
``base64url(JSON {"name", "exp"}) "." hex(HMAC-SHA256(secret, that first part))``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

#: Seconds a token is good for after it is issued (the page asks for a new one
#: on every connection, so this only has to cover the way to the chat).
DEFAULT_TTL = 300


class BadToken(Exception):
    """A token that is malformed, not signed with our secret, or expired."""


def issue(secret: str, name: str, ttl: float = DEFAULT_TTL, now: float | None = None) -> str:
    """A token saying ``name`` until ``now + ttl`` (Unix seconds)."""
    if not secret:
        raise ValueError("no token_secret set: tokens cannot be signed")
    now = time.time() if now is None else now
    body = json.dumps({"name": name, "exp": int(now + ttl)}, separators=(",", ":"),
                      ensure_ascii=False).encode()
    payload = base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")
    return payload + "." + _signature(secret, payload)


def verify(secret: str, token: object, now: float | None = None) -> str:
    """The name a valid token says, or BadToken (why, in words a client may read)."""
    if not secret:
        raise BadToken("This chat accepts no member tokens (no token_secret set).")
    # ASCII only, checked first: a signature of other characters cannot be
    # compared in constant time (compare_digest refuses it with a TypeError).
    if (not isinstance(token, str) or not token.isascii() or token.count(".") != 1
            or len(token) > 4096):
        raise BadToken("The token is malformed.")
    payload, signature = token.split(".")
    if not hmac.compare_digest(_signature(secret, payload), signature):
        raise BadToken("The token's signature is wrong.")
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        name, expiry = claims["name"], claims["exp"]
    except (ValueError, TypeError, KeyError):
        raise BadToken("The token is malformed.") from None
    if not isinstance(name, str) or not isinstance(expiry, int):
        raise BadToken("The token is malformed.")
    if (time.time() if now is None else now) >= expiry:
        raise BadToken("The token has expired; ask the site for a new one.")
    return name


def _signature(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).hexdigest()
