"""IBroker within one process: publishing is calling the subscribers."""

from __future__ import annotations

from collections.abc import Callable

from zope.interface import implementer

from ..interfaces import IBroker


@implementer(IBroker)
class LocalBroker:
    def __init__(self):
        self._subscribers: list[Callable[[str, str], None]] = []

    def publish(self, room: str, payload: str) -> None:
        for callback in self._subscribers:
            callback(room, payload)

    def subscribe(self, callback: Callable[[str, str], None]) -> None:
        self._subscribers.append(callback)

    def healthy(self) -> bool:
        """Always: publishing is a call within this process (/readyz asks)."""
        return True
