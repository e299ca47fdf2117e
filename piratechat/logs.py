"""Log records that say which client they are about.

Every record gets a ``session`` attribute: the SockJS session id whose
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

_installed = False


def install() -> None:
    """Give every log record a ``session`` attribute (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def record_with_session(*args, **kwargs):
        record = make_record(*args, **kwargs)
        record.session = session_id.get()
        return record

    logging.setLogRecordFactory(record_with_session)


@contextmanager
def about(session: str):
    """Records logged inside this block name ``session``."""
    token = session_id.set(session)
    try:
        yield
    finally:
        session_id.reset(token)
