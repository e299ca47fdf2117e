"""How much one client address and one room may take, so nobody starves the rest.

Beside each connection's own bucket (flood.py, ``lines_per_second``), a line
must also fit its address's bucket (``address_lines_per_second``: many
connections from one address share it) and its room's
(``room_lines_per_second``: many addresses in one room share it). An address
holds at most ``address_connections`` chat connections at once and creates
at most ``rooms_per_minute`` rooms; a room's parrot changes at most
``translator_changes_per_minute`` times.

Translation work is bounded per room (``TranslationBudget``): a room's
translator may use ``translation_share`` seconds a second and
``room_translations`` calls at once; past either, the pirate answers the line
at once and the line says so (``fallback``), as when a translator fails. So
one room's slow parrot slows only that room's translations, never the
others' lines.

Every limit is per process. Refusals are ChatErrors with a sentence saying
which limit was hit.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from ..settings import Settings
from .address import client_address, proxies
from .flood import Buckets
from .messages import ChatError

log = logging.getLogger(__name__)

#: The SockJS close of a connection over its address's limit (an application code).
TOO_MANY_CONNECTIONS = 4029


class Limits:
    def __init__(self, settings: Settings, clock=time.monotonic):
        self.settings = settings
        self.trusted = proxies(settings.trusted_proxies)
        self.connections: Counter[str] = Counter()
        self.address_lines = Buckets(settings.address_lines_per_second, settings.address_burst,
                                     clock)
        self.room_lines = Buckets(settings.room_lines_per_second, settings.room_burst, clock)
        self.rooms_created = Buckets(settings.rooms_per_minute / 60, settings.rooms_burst, clock)
        per_minute = settings.translator_changes_per_minute
        self.translator_changes = Buckets(per_minute / 60, max(1.0, per_minute), clock)
        self.translations = TranslationBudget(settings.translation_share,
                                              settings.room_translations)

    def address(self, environ: dict) -> str:
        """The client's address (chat/address.py), given its request's environ."""
        return client_address(environ, self.trusted)

    def connect(self, address: str) -> None:
        """Count one more connection from ``address``, or refuse it."""
        limit = self.settings.address_connections
        if self.connections[address] >= limit:
            raise ChatError("too_many_connections",
                            f"Too many connections from your address (at most {limit} at once); "
                            "close some and try again.")
        self.connections[address] += 1

    def disconnect(self, address: str) -> None:
        self.connections[address] -= 1
        if self.connections[address] <= 0:
            del self.connections[address]

    def line(self, address: str, room: str) -> None:
        """Take one line from ``address`` in ``room``, or refuse it."""
        if not self.address_lines.take(address):
            raise ChatError("flood", "Slow down: your address is saying lines too fast "
                            f"(at most {self.settings.address_lines_per_second:g} a second "
                            "over all its connections).")
        if not self.room_lines.take(room):
            raise ChatError("flood", "Slow down: this room is taking lines too fast "
                            f"(at most {self.settings.room_lines_per_second:g} a second); "
                            "say it again in a moment.")

    def new_room(self, address: str) -> bool:
        """Whether ``address`` may create one more room now."""
        return self.rooms_created.take(address)

    def translator_change(self, room: str) -> None:
        if not self.translator_changes.take(room):
            raise ChatError("flood", "Slow down: this room's parrot was changed too often "
                            f"(at most {self.settings.translator_changes_per_minute:g} times "
                            "a minute); try again in a minute.")


class TranslationBudget:
    """Per room: translator seconds a second (a token bucket of time, charged
    after each call) and calls in flight. The fallback translator (the
    pirate, fast and local) is never limited: it is what answers instead.

    A call is charged the CPU time of the hub's thread while it ran
    (``cost_clock``): that is what starves other rooms. A translator that
    waits on the network (remote) costs little of it; what other greenlets
    did during its wait is charged too, so the charge is an upper bound.
    Buckets refill by the wall clock (``clock``).
    """

    def __init__(self, share: float, in_flight: int, clock=time.monotonic,
                 cost_clock=time.thread_time):
        self.clock = cost_clock
        self.time = Buckets(share, share, clock)  # a second's share at once, at most
        self.cap = in_flight
        self.in_flight: Counter[str] = Counter()

    def translate(self, guard, room: str, translator, text: str):
        """``guard.translate(translator, text)``, or the fallback's answer
        (naming ``translator`` as the one that stood down) when ``room`` has
        used its share."""
        if translator is guard.fallback:
            return guard.translate(translator, text)
        bucket = self.time[room]
        if self.in_flight[room] >= self.cap or not bucket.has():
            log.info("room %r is over its translation budget; the %s answers",
                     room, guard.fallback.name)
            return guard.translate(guard.fallback, text)._replace(fallback=translator.name)
        self.in_flight[room] += 1
        start = self.clock()
        try:
            return guard.translate(translator, text)
        finally:
            bucket.charge(self.clock() - start)
            self.in_flight[room] -= 1
            if self.in_flight[room] <= 0:
                del self.in_flight[room]
