"""A room's owner: whoever holds the key issued when the room was made.

``POST /rooms/`` that creates a room issues a random key, keeps only its
hash on the Room (Room.owner_key) and hands the key over once: in a cookie
scoped to the room's path (so only that room's page sends or sees it; the
page's script reads it to send it with ``translator`` messages, so it is not
HttpOnly), and, for a client asking for JSON, in the answer's ``owner_key``.
With the key the owner may lock the room's parrot (docs/protocol.md).
Opening a room that exists issues nothing.
"""

from __future__ import annotations

import secrets
from functools import partial
from urllib.parse import quote

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response

from ..interfaces import IChat, IWriter
from ..rooms.resources import Root, hash_key

COOKIE = "piratechat_owner"


def _create(slug: str, title: str, key_hash: str, group: str | None, root: Root) -> bool:
    """The writer's change: the room, created if new (in ``group``, whose rules it
    then follows: moderation/tree.py); True if this made it (and owns it)."""
    if slug in root.rooms:
        return False
    room = root.rooms.add(slug, title)
    room.owner_key = key_hash
    if group is not None:
        root.rooms.groups.add(group)
        room.group = group
    return True


def open_room(context, request, slug: str, title: str, group: str | None = None):
    chat = request.registry.getUtility(IChat)
    url = request.resource_url(context, slug, "")
    if slug in context:  # exists: nothing to create, nothing to limit
        return _answer(request, slug, url, None)
    if not chat.limits.new_room(chat.limits.address(request.environ)):
        settings = chat.settings
        response = Response(
            f"Too many new rooms from your address (at most {settings.rooms_per_minute:g} "
            "a minute); try again in a minute, or open an existing room.\n",
            status=429, content_type="text/plain", charset="UTF-8")
        response.headers["Retry-After"] = "60"
        return response
    key = secrets.token_urlsafe(24)
    created = request.registry.getUtility(IWriter).submit(
        partial(_create, slug, title, hash_key(key), group))
    return _answer(request, slug, url, key if created else None)


def _answer(request, slug: str, url: str, key: str | None):
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    if offers and offers[0][0] == "application/json":
        body = {"room": slug, "url": url}
        if key is not None:
            body["owner_key"] = key
        response = Response(json_body=body, status=201 if key else 200)
    else:
        response = HTTPSeeOther(url)
    if key is not None:
        response.set_cookie(COOKIE, key, max_age=365 * 24 * 3600,
                            path=f"{request.script_name}/rooms/{quote(slug)}/",
                            secure=request.scheme == "https", samesite="Strict")
    return response
