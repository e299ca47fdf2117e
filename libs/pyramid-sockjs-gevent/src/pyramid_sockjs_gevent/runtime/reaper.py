"""The greenlet that forgets sessions whose clients went away.

One per endpoint, started with the first session (not at import or
configuration time, so nothing runs before gunicorn forks its workers).
"""

from __future__ import annotations

import logging

import gevent

from ..core.registry import SessionRegistry

log = logging.getLogger(__name__)


class Reaper:
    def __init__(self, registry: SessionRegistry):
        self.registry = registry
        self._greenlet: gevent.Greenlet | None = None

    def ensure_running(self) -> None:
        if self._greenlet is None or self._greenlet.dead:
            self._greenlet = gevent.spawn(self._run)

    def interval(self) -> float:
        """A fifth of the delay (at most 1 s): sessions go at most 20% late."""
        return max(0.01, min(1.0, self.registry.options.disconnect_delay / 5))

    def _run(self) -> None:
        while True:
            gevent.sleep(self.interval())
            try:
                self.registry.reap()
            except Exception:  # an application's on_close failing must not stop reaping
                log.exception("reaping sessions failed")
