"""The Plone side's views: a member's chat token, a topic, the lobby viewlet."""

from __future__ import annotations

import hashlib
import json
import os
from html import escape

from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from zope.interface import alsoProvides

from ..chat import tokens
from ..rooms.slugs import MAX_LENGTH, slug_for, slugify
from . import config
from .chat_names import chat_name
from .crew import members_json

#: Where the chat lives, from the site's root (plone.ini's urlmap).
CHAT_PATH = "/chat"


class ChatToken(BrowserView):
    """``@@chat-token``: for a member, ``{"name", "token"}`` (their chat name,
    plone/chat_names.py: their full name, unique among members; signed, see
    piratechat/chat/tokens.py); for anyone else a 403. Never cached."""

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
    name = f"{topic.aq_parent.getId()} {topic.getId()}"
    whole = slugify(name)
    if len(whole) <= MAX_LENGTH:
        return slug_for(name)
    digest = hashlib.sha256(whole.encode()).hexdigest()[:8]
    return slug_for(f"{whole[:MAX_LENGTH - len(digest) - 1]} {digest}")


class TopicView(BrowserView):
    """A topic: its text, "discuss it live" (its chat room), then its replies."""

    def room_url(self) -> str:
        return f"{api.portal.get().absolute_url()}{CHAT_PATH}/rooms/{topic_room(self.context)}/"


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
