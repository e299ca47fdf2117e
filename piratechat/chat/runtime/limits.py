"""How much one client address and one room may take, so nobody starves the rest.

Beside each connection's own bucket (flood.py, ``lines_per_second``), a line
must also fit its address's bucket (``address_lines_per_second``: many
connections from one address share it) and its room's
(``room_lines_per_second``: many addresses in one room share it). An address
holds at most ``address_connections`` chat connections at once, creates at
most ``rooms_per_minute`` rooms (by ``POST /rooms/`` or by the first line
said in a room nobody made) and joins at most ``joins_per_minute`` times.

Reads cost what they send: the bytes of stored lines an address is sent, by
``GET <room>/history`` and by a join's catch-up, come out of one bucket per
address (``read_bytes_per_second``). A history request is refused while the
bucket is empty and charged what it sent; a catch-up sends what the bucket
holds (one line at least) and announces the rest as a ``gap``.

A room's parrot changes at most ``translator_changes_per_minute`` times; the
changes made with the owner's key have a budget of their own, so nobody
else's changes keep the owner out, and a change refused (a wrong key, a
locked room) spends nothing of it. Wrong keys are counted per address
instead (``wrong_keys_per_minute``).

Translation work is bounded per room and per process (``TranslationBudget``):
a room's translator may use ``translation_share`` seconds a second and
``room_translations`` calls at once, all rooms together
``process_translation_share`` seconds a second; past any of them, the pirate
answers the line at once and the line says so (``fallback``), as when a
translator fails. So one room's slow parrot slows only that room's
translations, and many rooms' parrots never take the whole process.

Every limit is per process. Refusals are ChatErrors with a sentence saying
which limit was hit.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter

from ...settings import Settings
from ..core.address import client_address, proxies
from ..core.flood import Buckets, TokenBucket
from ..core.messages import ChatError

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
        per_minute = settings.wrong_keys_per_minute
        self.wrong_keys = Buckets(per_minute / 60, max(1.0, per_minute), clock)
        self.reads = Buckets(settings.read_bytes_per_second, settings.read_burst, clock)
        self.joins = Buckets(settings.joins_per_minute / 60, settings.joins_burst, clock)
        self.translations = TranslationBudget(settings.translation_share,
                                              settings.room_translations,
                                              settings.process_translation_share)

    def address(self, environ: dict) -> str:
        """The client's address (chat/core/address.py), given its request's environ."""
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

    def line_makes_room(self, address: str) -> None:
        """Take one room made by a line from ``address``, or refuse the line."""
        if not self.new_room(address):
            raise ChatError("too_many_rooms", "Too many new rooms from your address (at most "
                            f"{self.settings.rooms_per_minute:g} a minute); try again in a "
                            "minute, or speak in a room that has lines.")

    def join(self, address: str) -> None:
        """Take one join from ``address``, or refuse it."""
        if not self.joins.take(address):
            raise ChatError("too_many_joins", "Slow down: your address is joining rooms too "
                            f"often (at most {self.settings.joins_per_minute:g} a minute); "
                            "join again in a moment.")

    def readable(self, address: str) -> float:
        """Bytes of stored lines ``address`` may be sent now (0: none until it refills)."""
        return self.reads[address].available()

    def read_again_in(self, address: str) -> int:
        """Whole seconds until ``address`` may read again (1 at least)."""
        debt = -self.reads[address].tokens
        return max(1, math.ceil(debt / self.settings.read_bytes_per_second))

    def read(self, address: str, size: int) -> None:
        """``address`` was sent ``size`` bytes of stored lines."""
        self.reads[address].charge(size)

    def translator_change(self, room: str, address: str, with_key: bool):
        """The bucket a change of ``room``'s parrot spends once made (``charge(1)``),
        or a refusal now: the owner's changes (``with_key``) have a bucket apart
        from everyone else's, and an address that sent too many wrong keys may
        send no key for a while."""
        if with_key and not self.wrong_keys[address].can():
            raise ChatError("flood", "Slow down: your address sent too many wrong keys "
                            f"(at most {self.settings.wrong_keys_per_minute:g} a minute); "
                            "try again in a minute.")
        bucket = self.translator_changes[room, with_key]
        if not bucket.can():
            raise ChatError("flood", "Slow down: this room's parrot was changed too often "
                            f"(at most {self.settings.translator_changes_per_minute:g} times "
                            "a minute); try again in a minute.")
        return bucket

    def wrong_key(self, address: str) -> None:
        """``address`` sent a key that does not own the room."""
        self.wrong_keys[address].charge(1)


class TranslationBudget:
    """Per room: translator seconds a second (a token bucket of time, charged
    after each call) and calls in flight; per process: translator seconds a
    second, all rooms together (one more bucket, charged the same). The
    fallback translator (the pirate, fast and local) is never limited: it is
    what answers instead.

    A call is charged the CPU time of the hub's thread while it ran
    (``cost_clock``): that is what starves other rooms. A translator that
    waits on the network (remote) costs little of it; what other greenlets
    did during its wait is charged too, so the charge is an upper bound.
    Buckets refill by the wall clock (``clock``).
    """

    def __init__(self, share: float, in_flight: int, process_share: float,
                 clock=time.monotonic, cost_clock=time.thread_time):
        self.clock = cost_clock
        self.time = Buckets(share, share, clock)  # a second's share at once, at most
        self.whole = TokenBucket(process_share, process_share, clock)
        self.cap = in_flight
        self.in_flight: Counter[str] = Counter()

    def translate(self, guard, room: str, translator, text: str):
        """``guard.translate(translator, text)``, or the fallback's answer
        (naming ``translator`` as the one that stood down) when ``room`` has
        used its share."""
        if translator is guard.fallback:
            return guard.translate(translator, text)
        bucket = self.time[room]
        if self.in_flight[room] >= self.cap or not bucket.has() or not self.whole.has():
            log.info("room %r (or the process) is over its translation budget; the %s answers",
                     room, guard.fallback.name)
            return guard.translate(guard.fallback, text)._replace(fallback=translator.name)
        self.in_flight[room] += 1
        start = self.clock()
        try:
            return guard.translate(translator, text)
        finally:
            spent = self.clock() - start
            bucket.charge(spent)
            self.whole.charge(spent)
            self.in_flight[room] -= 1
            if self.in_flight[room] <= 0:
                del self.in_flight[room]
