"""Stopping cleanly, on SIGTERM or SIGINT, under every server we run on.

In this order: every SockJS session is closed with ``1001 Going away`` (the
page, and any client, reconnects: to this server once it is back, or to
another); the writer finishes what is queued, so every line a client was
told about is committed; then the database is closed, which writes
FileStorage's index (Data.fs.index), so the next start reads the index
instead of scanning the whole file.

``piratechat serve`` and ``pserve`` call ``close_app`` from the gevent
server (gevent_server.py) once it stops accepting; gunicorn calls it
from its ``worker_exit`` hook (piratechat/gunicorn_config.py).
"""

from __future__ import annotations

import logging

import gevent

from .interfaces import IDatabase, ISockJSEndpoint, IStopping, IWriter

log = logging.getLogger(__name__)

GOING_AWAY = (1001, "Going away: the server is stopping; reconnect")


def close_app(app, timeout: float = 5.0) -> None:
    """Close ``app``'s sessions, drain its writer and close its database (once).

    ``app`` may be wrapped in WSGI middleware (the theme's filter): each
    wrapper's ``app`` is followed to the Pyramid app."""
    for _ in range(10):
        if app is None or hasattr(app, "registry"):
            break
        app = getattr(app, "app", None)
    registry = getattr(app, "registry", None)
    if registry is None or registry.queryUtility(IStopping) is not None:
        return
    registry.registerUtility(GOING_AWAY, IStopping)
    sessions = [session for _, endpoint in registry.getUtilitiesFor(ISockJSEndpoint)
                for session in list(endpoint.sessions.sessions.values())]
    for session in sessions:
        session.close(*GOING_AWAY)
    _wait(lambda: not any(s.attached and s.has_queued for s in sessions), timeout / 2)
    writer = registry.queryUtility(IWriter)
    if writer is not None:
        if not writer.drain(timeout / 2):
            log.warning("the writer did not finish in %.1f s; what it held is lost", timeout / 2)
        writer.close()
    db = registry.queryUtility(IDatabase)
    if db is not None:
        db.close()
    log.info("closed %d sessions and the database", len(sessions))


def _wait(done, timeout: float, step: float = 0.01) -> bool:
    """Let other greenlets run until ``done()`` or ``timeout`` seconds pass."""
    with gevent.Timeout(timeout, False):
        while not done():
            gevent.sleep(step)
        return True
    return done()
