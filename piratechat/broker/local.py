"""IBroker inside one process: a bus is a list of brokers, publishing calls the others.

One process serving alone has one broker on its own bus: nobody else to tell.
Tests put several on one ``LocalBus`` to stand for several processes.
"""

from __future__ import annotations

from collections.abc import Callable

from zope.interface import implementer

from ..interfaces import IBroker


class LocalBus:
    """The brokers of one in-process cluster."""

    def __init__(self):
        self.brokers: list[LocalBroker] = []


@implementer(IBroker)
class LocalBroker:
    def __init__(self, bus: LocalBus | None = None):
        self.bus = bus or LocalBus()
        self.bus.brokers.append(self)
        self._subscribers: list[Callable[[str, str], None]] = []

    def publish(self, room: str, message: str) -> None:
        for broker in list(self.bus.brokers):
            if broker is not self:
                for callback in broker._subscribers:
                    callback(room, message)

    def subscribe(self, callback: Callable[[str, str], None]) -> None:
        self._subscribers.append(callback)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Nothing to reconnect to: never called."""

    def healthy(self) -> bool:
        """Always: publishing is a call within this process (/readyz asks)."""
        return True

    def close(self) -> None:
        if self in self.bus.brokers:
            self.bus.brokers.remove(self)
        self._subscribers.clear()
