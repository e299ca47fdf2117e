"""The parrot: a said line is translated, stored, then published to its room.

Publishing is the history's subscriber: the history calls it once a line is
durable, in sequence order, so every member of a room sees lines in the
order they are numbered and only lines that are kept. A stored line goes to
this process's members at once (through the sequencer) and to the other
processes through the broker; lines from them come back the same way in.
Room-wide notices (a translator chosen, presence) take the same two paths.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import partial

import gevent

from ..interfaces import IBroker, IHistory, ITranslator
from ..presence import make_presence
from ..settings import Settings
from ..sockjs.outgoing import Outgoing
from ..translators.registry import guard, offered, translator_named
from .catchup import catch_up
from .choice import RoomTranslators
from .hub import Hub
from .limits import Limits
from .members import MemberNames
from .messages import ChatError, dumps, new_line
from .roster import Roster
from .sequencer import GAP_WAIT, MAX_WAIT, Sequencer

log = logging.getLogger(__name__)

NOTICES = ("translator", "enter", "leave")  # what other processes may tell a room


class Chat:
    def __init__(self, settings: Settings, registry, history: IHistory, broker: IBroker):
        self.settings = settings
        self.registry = registry
        self.history = history
        self.broker = broker
        self.hub = Hub(coalesce_ms=settings.coalesce_ms)
        self.sequencer = Sequencer(self.hub, history)
        self.roster = Roster(make_presence(broker, settings.presence_ttl, settings.broker_prefix),
                             broker, self.hub, settings.presence_list)
        self.members = MemberNames()  # names members chat under (from their tokens)
        self.room_translators = RoomTranslators(registry, watched=self.hub.rooms.__contains__)
        self.limits = Limits(settings)
        broker.subscribe(self.receive)
        broker.on_reconnect(self.reconnected)
        history.subscribe(self.publish)

    def join(self, room: str, session) -> None:
        """``session`` enters ``room`` here; live lines wait until ``caught_up``."""
        self.hub.join(room, session)

    def caught_up(self, room: str, session, last: int, seen: int | None = None) -> None:
        """``session`` was sent ``room``'s lines up to ``last`` (and had those up
        to ``seen``, the ``after`` it joined with): live ones from now.

        The hub may have been handed lines past both before this member
        joined it, so they are not among those it holds for the member: when
        this process's view of the history lagged behind lines that reached
        it through the broker (a ZEO client learns of another's commit a
        moment after Redis tells), or when another member's join started the
        room's sequence past this one's read. Those are read and sent first."""
        delivered = self.sequencer.start(room, last)
        sent = max(last, seen or 0)
        if delivered > sent:
            sent = self._send_missed(room, session, sent, delivered)
        self.hub.caught_up(room, session, sent)

    def _send_missed(self, room: str, session, sent: int, delivered: int) -> int:
        """Send ``session`` the lines after ``sent`` up to ``delivered``,
        waiting (with back-off, ``storage_timeout`` at most) for a history
        that lags; what never shows is announced as a ``gap``. Returns the
        last seq the member is then past."""
        wait, deadline = GAP_WAIT, time.monotonic() + self.settings.storage_timeout
        while sent < delivered:
            try:
                lines = self.history.after(room, sent, delivered - sent)
            except Exception:
                log.exception("reading %r after %d failed; trying again", room, sent)
                lines = []
            if not isinstance(self.hub.rooms.get(room, {}).get(session), list):
                return sent  # left (or closed) meanwhile
            if lines:
                session.send(Outgoing([dumps(line) for line in lines]))
                sent = lines[-1]["seq"]
                continue
            if time.monotonic() > deadline:
                log.warning("lines %d to %d of %r never showed in the history; a member "
                            "gets a gap", sent + 1, delivered, room)
                session.send(dumps({"type": "gap", "room": room, "after": sent,
                                    "before": delivered + 1}))
                return delivered
            gevent.sleep(wait)
            wait = min(wait * 2, MAX_WAIT)
        return sent

    def leave(self, room: str, session) -> None:
        if self.hub.leave(room, session):
            self.sequencer.forget(room)
            self.room_translators.forget(room)

    def translator(self, room: str) -> ITranslator:
        """The room's translator, through the IRoom -> ITranslator adapter
        (chat/choice.py): its choice if still offered, else the default."""
        return self.room_translators.lookup(room)

    def translators(self, room: str) -> dict:
        """What ``joined`` tells of translators: the room's, and those on offer."""
        return {
            "translator": self.translator(room).name,
            "translators": [{"name": o.name, "title": o.title} for o in offered(self.registry)],
        }

    def choose_translator(self, room: str, name: str, by: str, key: str | None = None,
                          lock: bool | None = None) -> dict:
        """Make ``name`` the room's translator, kept on the room, and tell the
        room's members, here and on every other process. Changes per room
        are rate-limited; a room its owner locked takes them only with the
        owner's ``key`` (chat/choice.py)."""
        translator = translator_named(self.registry, name)
        if translator is None:
            names = ", ".join(offer.name for offer in offered(self.registry))
            raise ChatError("unknown_translator", f"No translator {name!r}; offered: {names}.")
        self.limits.translator_change(room)
        self.room_translators.choose(room, name, key, lock)
        notice = {"type": "translator", "room": room, "name": name,
                  "title": translator.title, "by": by}
        payload = dumps(notice)
        self.hub.notice(room, payload)
        self.broker.publish(room, payload)
        return notice

    def say(self, room: str, author: str, text: str, client_id: str | None = None) -> dict:
        """Translate, store and publish one line; returns the stored line.

        The translation goes through the guard (translators/guard.py): when
        the room's translator fails, the pirate answers and ``fallback``
        names the one that failed; so it does when the room has used its
        share of translation work (chat/limits.py). A ``client_id`` the room
        already holds makes it a repeat: the original line comes back, marked
        ``repeat``, and nothing is stored or published (storage/history.py)."""
        return self.history.append(room, self.translated(room, author, text, client_id))

    def say_soon(self, room: str, author: str, text: str, client_id: str | None,
                 done: Callable[[dict | None, BaseException | None], None]) -> None:
        """``say`` without waiting for the disk: translate now, then queue the
        line; ``done(stored, error)`` follows once it is durable or failed
        (IHistory.append_soon). Lines said one after another keep their order."""
        self.history.append_soon(room, self.translated(room, author, text, client_id), done)

    def translated(self, room: str, author: str, text: str, client_id: str | None) -> dict:
        """The line to store: ``text`` by ``author``, through the room's translator."""
        translation = self.limits.translations.translate(
            guard(self.registry), room, self.translator(room), text)
        return new_line(author, text, translation, client_id)  # published once durable

    def publish(self, line: dict) -> None:
        """Send a stored line to its room: members here, then every other process."""
        payload = dumps(line)
        self.sequencer.offer(line["room"], payload, line["seq"])
        self.broker.publish(line["room"], payload)

    def receive(self, room: str, payload: str) -> None:
        """A message another process published for ``room``."""
        if room not in self.hub.rooms:
            return  # nobody here to tell
        message = json.loads(payload)
        kind = message.get("type")
        if kind == "line":
            self.sequencer.offer(room, payload, message["seq"])
        elif kind in NOTICES:
            if kind == "translator":
                self.room_translators.remember(room, message["name"])
                self.hub.notice(room, payload)
            else:
                self.roster.tell(room, payload)

    def reconnected(self) -> None:
        """The broker is back: read what was missed, enter presence again."""
        self.room_translators.forget_all()  # translator notices may have been lost too
        self.sequencer.resync()
        self.roster.heartbeat()

    def close(self) -> None:
        """Stop the greenlets of presence and the broker (tests, shutdown)."""
        self.roster.close()
        self.broker.close()

    def catch_up(self, room: str, after: int | None,
                 same_epoch: bool = False) -> tuple[int, list[dict]]:
        """What a joining client is sent before live lines, and the last seq of
        the history it read: chat/catchup.py's rules over this room's history."""
        settings = self.settings
        return catch_up(room, after, partial(self.history.since, room), settings.recent_lines,
                        settings.max_backlog, settings.max_queue, same_epoch)
