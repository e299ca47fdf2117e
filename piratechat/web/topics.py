"""A forum topic's room: the site tells the chat the topic's title and address.

The Plone site makes a room for each topic (piratechat/plone/topic_rooms.py):
when a topic is added or edited it sends ``POST <room>/topic`` with
``{"title", "url", "at"}``, signed with the token secret the two share
(``X-PirateChat-Signature``: HMAC-SHA256 of the body, chat/runtime/member_list.py),
and the room keeps both (Room.title, Room.topic_url): its page then shows
the topic's title and a link back to it, at no cost per page view. Only the
site may say so: a room's title and link are not for anyone to set.
"""

from __future__ import annotations

import hmac
import json
import time
from functools import partial
from urllib.parse import urlsplit

from pyramid.response import Response
from pyramid.view import view_config

from ..chat.runtime import member_list
from ..interfaces import ISettings, IWriter
from ..rooms.resources import Room, Root

#: Characters a topic's title may have (Plone's titles are longer; the page shows the start).
MAX_TITLE = 200
#: Characters a topic's address may have.
MAX_URL = 2000


def signed_body(secret: str, title: str, url: str) -> tuple[bytes, str]:
    """The body the site sends, and its signature."""
    body = json.dumps({"title": title, "url": url, "at": int(time.time())}).encode()
    return body, member_list.body_signature(secret, body)


def _keep(slug: str, title: str, url: str, root: Root) -> None:
    """The writer's change: the room, made if new, with the topic's title and address."""
    room = root.rooms.add(slug, title)
    if room.title != title:
        room.title = title
    if room.topic_url != url:
        room.topic_url = url


@view_config(route_name="site", context=Room, name="topic", request_method="POST")
def topic(context: Room, request):
    secret = request.registry.getUtility(ISettings).token_secret
    signature = request.headers.get(member_list.SIGNATURE_HEADER, "")
    if not secret or not hmac.compare_digest(
            member_list.body_signature(secret, request.body), signature):
        return Response(json_body={"error": "Only the site may say which topic a room is for."},
                        status=403)
    try:
        said = json.loads(request.body)
        title, url, at = said["title"], said["url"], said["at"]
        if not (isinstance(title, str) and isinstance(url, str) and isinstance(at, int)):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return Response(json_body={"error": 'Send JSON: {"title", "url", "at"}.'}, status=400)
    if abs(time.time() - at) > member_list.MAX_AGE:
        return Response(json_body={"error": "The request is too old; sign it again."},
                        status=403)
    title = " ".join(title.split())[:MAX_TITLE] or context.__name__
    if len(url) > MAX_URL or urlsplit(url).scheme not in ("http", "https"):
        return Response(json_body={"error": "The topic's address must be an http(s) URL."},
                        status=400)
    request.registry.getUtility(IWriter).submit(partial(_keep, context.__name__, title, url))
    return Response(json_body={"room": context.__name__, "title": title, "url": url})
