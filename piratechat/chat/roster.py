"""Who is in each room, across every process, told live to its members.

Each join is a presence entry (IPresence: shared state with an expiry) with
an id of its own, and an ``enter`` notice to the room: to the members here at
once, to other processes through the broker. A leave removes the entry and,
if that removal was the one that took it (``leave`` answered True), sends
``leave``. A member that asks for presence (``join`` with ``"presence": true``: the
page does) is sent the room's ``presence`` list and then those notices;
others (bots, the benchmark) are counted but not told.

A heartbeat greenlet, every ``ttl / 3`` seconds, refreshes this process's
entries (any found swept, after a Redis outage say, are entered again and
announced) and sweeps the rooms it has members in: entries of a process that
died expired ``ttl`` seconds after its last refresh, and the sweep that
removes one announces its ``leave``. So a dead process's members vanish from
every page within ``ttl * 4 / 3`` seconds (40 s by default).

Rooms with more members than ``presence_list`` (as last counted here) get no
``enter``/``leave`` notices: in a room of thousands they would cost more than
the lines; their ``presence`` message gives the count and some names.

Presence is best effort: with Redis down, entries cannot be written and
presence is what the next heartbeat after its return makes it; the chat
itself carries on.
"""

from __future__ import annotations

import logging
import uuid

import gevent

from ..interfaces import IBroker, IPresence
from .hub import Hub
from .messages import dumps

log = logging.getLogger(__name__)


def hears_presence(session) -> bool:
    """Did the member ask for presence (``join`` with ``"presence": true``)?"""
    return getattr(session, "presence", False)


class Roster:
    def __init__(self, presence: IPresence, broker: IBroker, hub: Hub, limit: int):
        self.presence = presence
        self.broker = broker
        self.hub = hub
        self.limit = limit
        self.here: dict[str, dict[str, str]] = {}  # room -> member id -> name, this process's
        self.crowded: set[str] = set()  # rooms last counted above ``limit``
        self.listening: dict[str, int] = {}  # room -> members here who hear presence
        self._heart: gevent.Greenlet | None = None

    def enter(self, room: str, name: str, hears: bool) -> str:
        """Put a new member in ``room`` (``hears``: it asked for presence); returns its id."""
        member_id = uuid.uuid4().hex[:12]
        members = self.here.setdefault(room, {})
        members[member_id] = name
        if len(members) > self.limit:
            self.crowded.add(room)
        if hears:
            self.listening[room] = self.listening.get(room, 0) + 1
        try:
            self.presence.enter(room, member_id, name)
        except Exception as error:  # the next heartbeat enters it again
            log.warning("presence: entering %r failed (%s)", room, error)
        self._announce(room, {"type": "enter", "room": room, "id": member_id, "name": name})
        if self._heart is None:
            self._heart = gevent.spawn(self._beat)
        return member_id

    def leave(self, room: str, member_id: str, hears: bool) -> None:
        if hears:
            self.listening[room] -= 1
            if not self.listening[room]:
                del self.listening[room]
        members = self.here.get(room, {})
        name = members.pop(member_id, None)
        if not members:
            self.here.pop(room, None)
            self.crowded.discard(room)
        if name is None:
            return
        try:
            removed = self.presence.leave(room, member_id, name)
        except Exception as error:  # it expires, and a sweep announces it
            log.warning("presence: leaving %r failed (%s)", room, error)
            return
        if removed:
            self._announce(room, {"type": "leave", "room": room, "id": member_id, "name": name})

    def listing(self, room: str) -> dict:
        """The ``presence`` message for a joining member (its own entry included)."""
        try:
            count, members = self.presence.members(room, self.limit)
        except Exception as error:
            log.warning("presence: reading %r failed (%s)", room, error)
            members = [{"id": i, "name": n} for i, n in self.here.get(room, {}).items()]
            count, members = len(members), members[:self.limit]
        if count > self.limit:
            self.crowded.add(room)
        else:
            self.crowded.discard(room)
        return {"type": "presence", "room": room, "count": count, "members": members}

    def heartbeat(self) -> None:
        """Refresh this process's entries, enter again what was swept, sweep the dead."""
        for room, members in list(self.here.items()):
            try:
                for member_id in self.presence.refresh(room, dict(members)):
                    name = members.get(member_id)
                    if name is not None:
                        self._announce(room, {"type": "enter", "room": room,
                                              "id": member_id, "name": name})
                for gone in self.presence.sweep(room):
                    self._announce(room, {"type": "leave", "room": room, **gone})
            except Exception as error:
                log.warning("presence: refreshing %r failed (%s)", room, error)
                return

    def close(self) -> None:
        if self._heart is not None:
            self._heart.kill(block=False)

    def _beat(self) -> None:
        while True:
            gevent.sleep(self.presence.ttl / 3)
            self.heartbeat()

    def _announce(self, room: str, message: dict) -> None:
        if room in self.crowded:
            return
        payload = dumps(message)
        self.tell(room, payload)
        self.broker.publish(room, payload)

    def tell(self, room: str, payload: str) -> None:
        """Send a presence notice to the members here who hear presence."""
        if room in self.listening:
            self.hub.notice(room, payload, to=hears_presence)
