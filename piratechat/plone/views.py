"""The Plone side's views: a member's chat token, a topic, the lobby viewlet."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from html import escape

from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from zope.interface import alsoProvides

from ..chat.core import tokens
from ..rooms.slugs import MAX_LENGTH, slug_for, slugify
from . import config
from .chat_names import chat_name
from .crew import members_json

#: Where the chat lives, from the site's root (plone.ini's urlmap).
CHAT_PATH = "/chat"


class ChatToken(BrowserView):
    """``@@chat-token``: for a member, ``{"name", "token"}`` (their chat name,
    plone/chat_names.py: their full name, unique among members; signed, see
    piratechat/chat/core/tokens.py); for anyone else a 403. Never cached."""

    def __call__(self):
        refused = members_json(self.request.response, "Log in to chat under your name.")
        if refused:
            return refused
        # It may write the site's index of chat names, which no form's
        # authenticator covers: harmless for a forged request (it only puts
        # the member's own current name in).
        alsoProvides(self.request, IDisableCSRFProtection)
        name = chat_name(api.user.get_current())
        return json.dumps({"name": name, "token": tokens.issue(config.TOKEN_SECRET, name)})


def topic_room(topic) -> str:
    """A topic's chat room: the slug of its forum and its own id (unique in the site).

    Plone makes ids of up to 255 characters from titles, rooms take 64: a
    longer slug keeps its start and ends with a digest of the whole, so it
    stays unique (a title of 60 characters was a 500 page for everyone)."""
    return room_of(topic.aq_parent.getId(), topic.getId())


def room_of(forum_id: str, topic_id: str) -> str:
    """``topic_room`` from the ids alone (a forum's list has its topics' catalog entries)."""
    name = f"{forum_id} {topic_id}"
    whole = slugify(name)
    if len(whole) <= MAX_LENGTH:
        return slug_for(name)
    digest = hashlib.sha256(whole.encode()).hexdigest()[:8]
    return slug_for(f"{whole[:MAX_LENGTH - len(digest) - 1]} {digest}")


class TopicView(BrowserView):
    """A topic: its text, "discuss it live" (its chat room), then its replies."""

    def room_url(self) -> str:
        return f"{api.portal.get().absolute_url()}{CHAT_PATH}/rooms/{topic_room(self.context)}/"


#: Topics on one page of a forum's list (older ones on the next pages).
TOPICS_PER_PAGE = 50


def said_ago(iso: str, now: datetime) -> str:
    """``"5 min ago"``: how long ago an ISO 8601 time was, roughly."""
    seconds = max(0, (now - datetime.fromisoformat(iso)).total_seconds())
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if unit == 'day' and count > 1 else ''} ago"
    return "just now"


def liveliness(room: dict | None, now: datetime) -> str:
    """What a forum's list says of a topic's room: "3 talking · last line 5 min ago"."""
    if room is None:
        return ""
    talking = f"{room['talking']} talking" if room["talking"] else "quiet"
    said = (f"last line {said_ago(room['last_line'], now)}" if room["last_line"]
            else "no lines yet")
    return f"{talking} · {said}"


class ForumView(BrowserView):
    """A forum: its topics, the newest first, each with how lively its chat room
    is. The chat is asked once per page for all the page's rooms
    (topic_rooms.activity); without its answer the list goes without."""

    def page(self) -> dict:
        from plone.batching import Batch

        from .topic_rooms import activity

        start = self.request.form.get("b_start", "0")
        start = int(start) if str(start).isdigit() else 0
        brains = api.content.find(context=self.context, depth=1, portal_type="Topic",
                                  sort_on="created", sort_order="descending")
        batch = Batch(brains, TOPICS_PER_PAGE, start)
        forum = self.context.getId()
        rooms = {brain.getId: room_of(forum, brain.getId) for brain in batch}
        live = activity(self.request, list(rooms.values()))
        now = datetime.now(UTC)
        topics = [{"title": brain.Title, "url": brain.getURL(),
                   "description": brain.Description,
                   "room": rooms[brain.getId],
                   "live": liveliness((live or {}).get(rooms[brain.getId]), now)}
                  for brain in batch]
        url = self.context.absolute_url()
        return {"topics": topics, "answered": live is not None,
                "newer": f"{url}?b_start={max(0, start - TOPICS_PER_PAGE)}" if start else None,
                "older": (f"{url}?b_start={start + TOPICS_PER_PAGE}"
                          if start + TOPICS_PER_PAGE < len(brains) else None)}


class LobbyViewlet(ViewletBase):
    """The lobby's latest lines on every Plone page, live: lobby.js listens to the
    lobby over SockJS (``listen``: read-only, so it is nobody in the room), and
    until a line comes the box invites the reader to say the first."""

    def render(self):
        chat = escape(api.portal.get().absolute_url() + CHAT_PATH)
        return (
            f'<section id="lobby-lines" aria-labelledby="lobby-heading" '
            f'data-sockjs-url="{chat}/sockjs">'
            f'<h2 id="lobby-heading"><a href="{chat}/">In the lobby now</a></h2>'
            f'<ol class="lobby-lines" aria-live="polite"></ol>'
            f'<p class="lobby-quiet">All quiet: <a href="{chat}/">be the first to speak</a>.</p>'
            f'</section>'
            f'<script src="{chat}/static/vendor/sockjs.min.js" defer></script>'
            f'<script src="{chat}/static/lobby.js" defer></script>'
        )


class ProcessId(BrowserView):
    """The process's id as text (the chat's ``/chat/process-id`` says the same)."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "text/plain")
        return str(os.getpid())
