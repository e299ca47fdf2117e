"""Log records that say which client they are about.

Every formatted record has a ``session`` field: the SockJS session id whose
message is being handled in this greenlet (``-`` outside one), so the ini
files' format can show ``[%(session)s]`` and one client's story can be
picked out of a busy log. gevent gives each greenlet its own context, so
``session_id`` set while one session's message is handled is not seen by
another's.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager

session_id: contextvars.ContextVar[str] = contextvars.ContextVar("session_id", default="-")


class Formatter(logging.Formatter):
    """The ini files' formatter (``class = piratechat.logs.Formatter``): it fills
    ``%(session)s`` itself, so a record logged before piratechat is imported (the
    gunicorn master's first lines) formats too. Handlers format in the greenlet
    that logged, so the context variable is the logging session's."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "session"):
            record.session = session_id.get()
        return super().formatMessage(record)


@contextmanager
def about(session: str):
    """Records logged inside this block name ``session``."""
    token = session_id.set(session)
    try:
        yield
    finally:
        session_id.reset(token)
