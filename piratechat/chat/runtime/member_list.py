"""The site's list of reserved member names, fetched by every chat process.

The Plone site (``@@chat-member-names``, piratechat/plone/chat_names.py)
answers a request signed with the ``token_secret`` both apps share with
``{"version", "keys"}``: the name keys (chat/core/names.py) of every member's full
name, login name and disambiguated chat name; the answer is signed with the
same secret, so only the chat can ask (the list is not public) and it takes
keys from the site only. ``MemberList`` fetches it at start and every
``member_names_refresh`` seconds (a repeat answers 304, unchanged, by the
version) into MemberNames (chat/core/members.py), in each process: so it holds
for the one-process plone.ini (the chat asks its own server, a path) and for
chat processes of their own (an http(s) URL of the site), with no shared
store beyond the secret. A signed request is ``?at=<Unix seconds>&sig=<hex
HMAC-SHA256(secret, "member-names <at>")>``, good for ``MAX_AGE`` seconds;
the answer's signature, in ``SIGNATURE_HEADER``, is the HMAC of its body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import gevent
from gevent.event import Event

from ..core.members import MemberNames

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-PirateChat-Signature"
MAX_AGE = 300  # seconds a signed request is good for (clocks may differ a little)
TIMEOUT = 10.0  # seconds a fetch may take
FIRST_RETRY = 0.5  # seconds before fetching again after a failure, doubling up to the refresh
NOT_SERVING_WARN = 300  # tries (0.1 s apart) before a path with no server here is logged


def _hmac(secret: str, text: bytes) -> str:
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def signed_query(secret: str, now: float | None = None) -> str:
    at = int(time.time() if now is None else now)
    return f"at={at}&sig={_hmac(secret, f'member-names {at}'.encode())}"


def request_ok(secret: str, at: object, sig: object, now: float | None = None) -> bool:
    """Is ``?at=&sig=`` a request the chat signed, not older than MAX_AGE?"""
    if not secret or not isinstance(at, str) or not isinstance(sig, str) or not at.isdigit():
        return False
    now = time.time() if now is None else now
    return (abs(now - int(at)) <= MAX_AGE
            and hmac.compare_digest(_hmac(secret, f"member-names {at}".encode()), sig))


def body_signature(secret: str, body: bytes) -> str:
    return _hmac(secret, body)


class NotServing(Exception):
    """The list's URL is a path on this process's server, which does not listen yet."""


class MemberList:
    """Keeps ``members`` as the site's list says, fetched from ``url`` (a path
    is on ``served_at()``, the URL this process serves on, once known)."""

    def __init__(self, members: MemberNames, url: str, secret: str, refresh: float,
                 served_at: Callable[[], str | None]):
        self.members = members
        self.url = url
        self.secret = secret
        self.refresh = refresh
        self.served_at = served_at
        self.version: str | None = None
        self.loaded = Event()  # set by the first list
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> MemberList:
        self._greenlet = gevent.spawn(self._run)
        return self

    def close(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    def _run(self) -> None:
        wait, not_serving = FIRST_RETRY, 0
        while True:
            try:
                self.fetch()
                wait = FIRST_RETRY
                gevent.sleep(self.refresh)
            except NotServing:  # the server this chat runs in is about to listen
                not_serving += 1
                if not_serving == NOT_SERVING_WARN:
                    log.warning("member names: %s is a path, but no server of ours listens "
                                "in this process (gunicorn?): set the site's http(s) URL",
                                self.url)
                gevent.sleep(0.1)
            except Exception as error:  # the site is down, or said something else
                log.warning("member names: fetching %s failed (%s)", self.url, error)
                gevent.sleep(min(wait, self.refresh))
                wait *= 2

    def fetch(self) -> None:
        """Fetch the list once; keep it if changed. Raises what went wrong."""
        url = self.url
        if url.startswith("/"):
            base = self.served_at()
            if base is None:
                raise NotServing
            url = base + url
        request = urllib.request.Request(
            f"{url}{'&' if '?' in url else '?'}{signed_query(self.secret)}",
            headers={"If-None-Match": self.version} if self.version else {})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                body, signature = answer.read(), answer.headers.get(SIGNATURE_HEADER, "")
        except urllib.error.HTTPError as error:
            if error.code == 304 and self.members.loaded:
                return  # unchanged
            raise
        if not hmac.compare_digest(body_signature(self.secret, body), signature):
            raise ValueError("the list's signature is wrong (another token_secret?)")
        listed = json.loads(body)
        self.members.replace(listed["keys"])
        self.loaded.set()
        if listed["version"] != self.version:
            log.info("member names: %d reserved names (version %s)", len(listed["keys"]),
                     listed["version"])
        self.version = listed["version"]
