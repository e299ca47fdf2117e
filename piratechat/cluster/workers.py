"""gunicorn with ``workers = N`` on one port: what breaks, and what we do.

gunicorn's workers share one listening socket; the kernel hands each new
connection to whichever worker accepts first. A SockJS session lives in the
memory of the worker that opened it. A WebSocket is one connection, so it
stays with its worker; but the polling and streaming transports (xhr-polling,
xhr-streaming, eventsource, htmlfile, jsonp) make a new request for every
poll or send, and any of them may land on another worker, which does not
know the session: a 404, or a fresh session, and the client loops or loses
messages. No setting of gunicorn's can route by session.

So with more than one worker, ``check`` (gunicorn.conf.py calls it before
the workers start):

- refuses to start without ``broker_url`` (lines said on one worker would
  reach only that worker's members) or with a ``file://`` database (one
  process at a time may open a FileStorage);
- refuses ``preload_app`` (the app would be built before this check);
- otherwise serves the WebSocket transports only (``websocket_only``), and
  says so in the log. For every transport, run one worker per port behind
  nginx, which routes by session (``make cluster``, docs/cluster.md).
"""

from __future__ import annotations

import os

from ..settings import Settings

ADVICE = ("run one worker per port behind nginx, which keeps each SockJS session on "
          "one process (make cluster; docs/cluster.md)")


class Refused(Exception):
    """This configuration would break silently; the message says why."""


def check(workers: int, preload: bool, settings: Settings, environ=os.environ) -> str | None:
    """Refuse, or make safe, ``workers`` gunicorn workers sharing one port.
    Returns the line to log (None: one worker, nothing to say)."""
    if workers <= 1:
        return None
    if not settings.broker_url:
        raise Refused(f"workers = {workers} need piratechat.broker_url (redis://host:port/db): "
                      "without it, lines said on one worker reach only that worker's "
                      f"members. Or {ADVICE}.")
    if not settings.zodb_uri or settings.zodb_uri.startswith("file://"):
        raise Refused(f"workers = {workers} need a database server (zodb_uri zeo:// or "
                      "postgres://): only one process may open a FileStorage.")
    if preload:
        raise Refused(f"workers = {workers} with preload_app: the app would be built "
                      "before the transports are limited; turn preload_app off.")
    environ["PIRATECHAT_WEBSOCKET_ONLY"] = "true"
    return (f"workers = {workers} on one port: a SockJS session lives in one worker, and "
            "polling or streaming requests would reach any worker (404 or a new session). "
            f"Serving WebSocket transports only; for every transport, {ADVICE}.")
