"""``@@chat-member-names``: every member's reserved chat names, for the chat only.

The chat fetches it from every process (chat/runtime/member_list.py says how it is
signed both ways); the keys come from the site's index of chat names
(chat_names.py), so an answer is a pass over that index, not over the members.
"""

from __future__ import annotations

import hashlib
import json

from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from zope.interface import alsoProvides

from ..chat.runtime import member_list
from . import config
from .chat_names import reserved_keys


class ReservedNames(BrowserView):
    """``@@chat-member-names``: for a request the chat signed (chat/runtime/member_list.py),
    the name keys of every member, signed; 304 when the chat has this version
    already; 403 for anyone else (the list is not public)."""

    def __call__(self):
        request, response = self.request, self.request.response
        response.setHeader("Content-Type", "application/json")
        response.setHeader("Cache-Control", "no-store")
        if not member_list.request_ok(config.TOKEN_SECRET, request.form.get("at"),
                                      request.form.get("sig")):
            response.setStatus(403)
            return json.dumps({"error": "Only the chat may read the members' names."})
        # It may build the site's index of chat names (on the first request).
        alsoProvides(request, IDisableCSRFProtection)
        keys = reserved_keys()
        version = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
        if request.getHeader("If-None-Match") == version:
            response.setStatus(304)
            return ""
        body = json.dumps({"version": version, "keys": keys}, ensure_ascii=False).encode()
        response.setHeader(member_list.SIGNATURE_HEADER,
                           member_list.body_signature(config.TOKEN_SECRET, body))
        return body
