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

Each member hearing presence is told a room's changes exactly once, as
deltas of its ``presence`` list: notices that reach it while the list is
read are kept back and, after the list, only those that are news to it are
sent; later an ``enter`` of an id it was told of, or a ``leave`` of one it
was not, is not sent (``_news``). Without that, an ``enter`` published by
another process just before the list was read came again after the list,
and each member was sent its own ``enter`` after a list that held it.

Rooms with more members than ``presence_list`` (as last counted here) get no
``enter``/``leave`` notices: in a room of thousands they would cost more than
the lines; their ``presence`` message gives the count and some names.

Presence is best effort: with Redis down, entries cannot be written and
presence is what the next heartbeat after its return makes it; the chat
itself carries on.
"""

from __future__ import annotations

import json
import logging
import uuid
from functools import partial

import gevent

from ...interfaces import IBroker, IPresence
from ..core.messages import dumps
from .hub import Hub

log = logging.getLogger(__name__)


def hears_presence(session) -> bool:
    """Did the member ask for presence (``join`` with ``"presence": true``)?"""
    return getattr(session, "presence", False)


def _news(message: dict, session) -> bool:
    """Should ``session`` be sent this ``enter``/``leave``? Keeps, on the
    session, the ids it was told are here (``presence_told``: a set; a list,
    set by a joining session, holds notices back until its ``presence`` list
    is read; none yet: it was told of nobody)."""
    if not hears_presence(session):
        return False
    told = getattr(session, "presence_told", None)
    if told is None:
        told = session.presence_told = set()
    if isinstance(told, list):
        told.append(message)
        return False
    member_id = message["id"]
    if message["type"] == "enter":
        if member_id in told:
            return False
        told.add(member_id)
        return True
    if member_id not in told:
        return False
    told.discard(member_id)
    return True


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
        if hears:
            self.listening[room] = self.listening.get(room, 0) + 1
        try:
            self.presence.enter(room, member_id, name)
        except Exception as error:  # the next heartbeat enters it again
            log.warning("presence: entering %r failed (%s)", room, error)
        # Only now is it ours to refresh: a heartbeat during the write above
        # would have found it missing and announced it a second time.
        members = self.here.setdefault(room, {})
        members[member_id] = name
        if len(members) > self.limit:
            self.crowded.add(room)
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

    def listing_for(self, room: str, session) -> list[dict]:
        """What a joining ``session`` that hears presence is sent: the room's
        ``presence`` list, then the notices that came while it was read and
        are news to it (see ``_news``)."""
        listing = self.listing(room)
        held = getattr(session, "presence_told", None)
        session.presence_told = {member["id"] for member in listing["members"]}
        news = [message for message in held or () if _news(message, session)]
        return [listing, *news]

    def heartbeat(self) -> None:
        """Refresh this process's entries, enter again what was swept, sweep the dead."""
        for room, members in list(self.here.items()):
            try:
                for member_id, name in self._refresh(room, members):
                    self._announce(room, {"type": "enter", "room": room,
                                          "id": member_id, "name": name})
                for gone in self.presence.sweep(room):
                    self._announce(room, {"type": "leave", "room": room, **gone})
            except Exception as error:
                log.warning("presence: refreshing %r failed (%s)", room, error)
                return

    def _refresh(self, room: str, members: dict[str, str]) -> list[tuple[str, str]]:
        """Push the expiry of ``members``; those that had been swept (entered
        again) and are still here, as (id, name). One that left while the
        refresh was on its way was entered again by it: it is taken out."""
        sent = dict(members)
        back = []
        for member_id in self.presence.refresh(room, sent):
            if member_id in members:
                back.append((member_id, members[member_id]))
            else:
                self.presence.leave(room, member_id, sent[member_id])
        return back

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
        self.tell(room, payload, message)
        self.broker.publish(room, payload)

    def tell(self, room: str, payload: str, message: dict | None = None) -> None:
        """Send a presence notice (``payload``, the JSON of ``message``) to the
        members here who hear presence and to whom it is news."""
        if room in self.listening:
            self.hub.notice(room, payload, to=partial(_news, message or json.loads(payload)))
