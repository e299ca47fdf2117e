"""The forums ask the chat: a topic's room, told its title; a forum's rooms, how lively.

The chat is where ``config.CHAT_URL`` says: a path (plone.ini: ``/chat`` on
this same server, asked by the address the request came to, as the chat's
sitenav asks the site) or an absolute URL (the chat in processes of its own).
Either way it is HTTP, so the site works the same in one process or many.

- When a topic is added or edited, the site tells its room the topic's title
  and address (``POST <room>/topic``, signed: piratechat/web/topics.py), so
  the room's page can link back to the topic.
- A forum's list asks once per page view for all its topics' rooms
  (``POST /activity``: piratechat/web/activity.py): how many are talking
  in each and when its last line was said.

The chat not answering (within ``TIMEOUT``) costs the page its counts, never
the page: ``activity`` returns None, the topic is saved anyway (logged).
"""

from __future__ import annotations

import json
import logging
import threading

import urllib3
from zope.globalrequest import getRequest

from ..chat.runtime.member_list import SIGNATURE_HEADER
from ..web.topics import signed_body
from . import config
from .views import topic_room

log = logging.getLogger(__name__)

#: Seconds the chat has to answer.
TIMEOUT = 2.0

#: Connections of each thread's own: Plone answers on a pool of threads
#: (plone/threads.py), each with its own gevent hub, and a socket opened on one
#: hub cannot be waited on from another (urllib3's shared pool mixed them: a
#: connection kept by a Plone thread, reused by the chat's sitenav on the hub).
_local = threading.local()


def _pool() -> urllib3.PoolManager:
    if not hasattr(_local, "pool"):
        _local.pool = urllib3.PoolManager(maxsize=2)
    return _local.pool


def _chat(request, path: str) -> tuple[str, dict]:
    """The chat's URL for ``path``, and the headers to send."""
    base, headers = config.CHAT_URL.rstrip("/"), {"Content-Type": "application/json"}
    if base.startswith("/") or not base:  # this same server, under the name it was asked by
        environ = getattr(request, "environ", {}) or {}
        base = "http://{}:{}{}".format(environ.get("SERVER_NAME", "127.0.0.1"),
                                       environ.get("SERVER_PORT", "80"), base)
        if environ.get("HTTP_HOST"):
            headers["Host"] = environ["HTTP_HOST"]
    return base + path, headers


def _post(request, path: str, body: bytes, headers: dict | None = None):
    url, sent = _chat(request, path)
    answer = _pool().request("POST", url, body=body, headers={**sent, **(headers or {})},
                             redirect=False, retries=False,
                             timeout=urllib3.Timeout(total=TIMEOUT))
    if answer.status != 200:
        raise ValueError(f"{url} answered {answer.status}: {answer.data[:200]!r}")
    return json.loads(answer.data)


def activity(request, rooms: list[str]) -> dict | None:
    """``{slug: {"talking": n, "last_line": ISO or None}}`` for ``rooms``, in one
    request to the chat; None if the chat did not answer."""
    if not rooms:
        return {}
    try:
        return _post(request, "/activity", json.dumps({"rooms": rooms}).encode())["rooms"]
    except (urllib3.exceptions.HTTPError, OSError, ValueError, KeyError) as error:
        log.warning("the chat's rooms' activity could not be had: %s", error)
        return None


def tell_room(topic, event=None) -> None:
    """Subscriber (a Topic added or modified): its room learns its title and address."""
    if getattr(topic, "portal_type", None) != "Topic" or not config.TOKEN_SECRET:
        return
    body, signature = signed_body(config.TOKEN_SECRET, topic.Title(), topic.absolute_url())
    try:
        _post(getRequest(), f"/rooms/{topic_room(topic)}/topic", body,
              {SIGNATURE_HEADER: signature})
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        log.warning("the chat could not be told of topic %s: %s", topic.absolute_url(), error)
