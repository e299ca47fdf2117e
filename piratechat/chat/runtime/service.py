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
import math
import time
from collections.abc import Callable
from functools import partial

import gevent
from pyramid_sockjs_gevent.core.outgoing import Outgoing

from ...interfaces import IBroker, IHistory, ITranslator
from ...presence import make_presence
from ...settings import Settings, SettingsError
from ...translators.registry import guard, offered, translator_named
from ...unread import make_last_read
from ...unread.counts import Unread
from ..core import rules
from ..core.catchup import catch_up
from ..core.members import MemberNames
from ..core.messages import ChatError, dumps, new_line
from ..core.reading_cache import ReadingCache
from ..core.tokens import verify
from .choice import RoomTranslators
from .hub import Hub
from .limits import Limits
from .member_list import MemberList
from .names_redis import keep_refreshed, make_room_names
from .readings import Readings
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
        # Names members chat under (from the site's list, and their tokens).
        self.members = MemberNames(from_site=bool(settings.member_names_url))
        self.member_list = self._member_list(settings)
        # Who goes by which name in each room, on every process (IRoomNames).
        self.names = make_room_names(broker, settings.presence_ttl, settings.broker_prefix)
        self._names_kept = keep_refreshed(self.names)
        self.room_translators = RoomTranslators(registry, watched=self.hub.occupied)
        self.limits = Limits(settings)
        # Each reader's own parrot (chat/readings.py): read once per (line, translator) here.
        self.readings = Readings(registry, self.limits.translations, ReadingCache())
        self.hub.read = self.readings.payloads
        # Readers' last-read lines, and their unread counts (piratechat/unread/).
        self.unread = Unread(make_last_read(broker, settings.broker_prefix), broker,
                             self.last_seq)
        broker.subscribe(self.receive)
        broker.on_reconnect(self.reconnected)
        history.subscribe(self.publish)
        from ...moderation.service import Moderation

        self.moderation = Moderation(self)

    def _member_list(self, settings: Settings) -> MemberList | None:
        """The fetcher of the site's member names, if the chat is told where."""
        if not settings.member_names_url:
            return None
        if not settings.token_secret:
            raise SettingsError("member_names_url is set but token_secret is not: the "
                                "site's list of member names is signed with it")
        from pyramid_sockjs_gevent.runtime import gevent_server

        fetcher = MemberList(self.members, settings.member_names_url, settings.token_secret,
                             settings.member_names_refresh, lambda: gevent_server.SERVING_URL)
        if settings.member_names_url.startswith("/"):  # from the server we run in, once it
            gevent_server.READY.append(fetcher.loaded)  # listens: it says so after the list
        return fetcher.start()

    # What a session asks of the chat (chat/runtime/session.py): these, never the parts.

    def connect(self, environ: dict) -> str:
        """A connection opens: its client's address, counted; ChatError if over its limit."""
        address = self.limits.address(environ)
        self.limits.connect(address)
        return address

    def disconnect(self, address: str) -> None:
        self.limits.disconnect(address)

    def identify(self, message: dict) -> tuple[str, bool]:
        """The name a ``join`` chats under (chat/core/rules.py: a member's, by its
        token, or a nickname no member has) and whether it is a member's; a
        member's is remembered as taken."""
        settings = self.settings
        name, member = rules.who(message, settings.max_name,
                                 partial(verify, settings.token_secret), self.members.taken)
        if member:
            self.members.add(name)
        return name, member

    def may_join(self, address: str) -> None:
        """Charge a join (or listen) to ``address``; ChatError if over its limit."""
        self.limits.join(address)

    def take_name(self, room: str, name: str, session, owner: str | None) -> None:
        """``session`` goes by ``name`` in ``room``; ChatError if another has it."""
        self.names.take(room, name, session, owner)

    def release_name(self, session) -> None:
        self.names.release(session)

    def may_say(self, address: str, room: str, first: bool) -> None:
        """Charge a line to ``address`` and ``room``; the ``first`` line a
        connection says in a room counts as a room made if it makes one."""
        self.limits.line(address, room)
        if first and self.makes_room(room):
            self.limits.line_makes_room(address)

    def epoch(self, room: str) -> str:
        return self.history.epoch(room)

    def enter_presence(self, room: str, name: str, hears: bool) -> str:
        """Put a joined member in ``room``'s presence; returns its member id."""
        return self.roster.enter(room, name, hears)

    def leave_presence(self, room: str, member_id: str, hears: bool) -> None:
        """Take member ``member_id`` out of ``room``'s presence."""
        self.roster.leave(room, member_id, hears)

    def presence_for(self, room: str, session) -> list[dict]:
        """The ``presence`` list and the news since, for a member that hears presence."""
        return self.roster.listing_for(room, session)

    # -- moderation, readings and unread marks, as the session asks for them --------

    def moderation_at_join(self, room: str, person, key: str | None) -> tuple[dict, bool]:
        """What ``joined`` tells of moderation, and whether ``key`` owns ``room``;
        ChatError ``banned`` (moderation/service.py)."""
        return self.moderation.joining(room, person, key)

    def check_say(self, session) -> None:
        """Refuse a line the room's rules keep out: muted, banned, read_only, slow_mode."""
        self.moderation.check_say(session)

    def retract(self, session, request) -> dict:
        return self.moderation.retract(session, request)

    def moderate(self, session, request) -> dict:
        return self.moderation.moderate(session, request)

    def moderation_log(self, session, key) -> dict:
        return self.moderation.log(session, key)

    def chosen_reading(self, name: object) -> str | None:
        """``name`` as a reading (a translator, ``original``, or None: the room's)."""
        return self.readings.choice(name)

    def as_read(self, line: dict, reading: str | None) -> dict:
        """``line`` as ``reading`` reads it (chat/runtime/readings.py)."""
        return self.readings.line(line, reading)

    def attach_reader(self, reader: str, session) -> None:
        """``session`` is told of ``reader``'s marks from now on."""
        self.unread.attach(reader, session)

    def detach_reader(self, reader: str, session) -> None:
        self.unread.detach(reader, session)

    def last_read(self, reader: str, room: str) -> int | None:
        return self.unread.last_read(reader, room)

    def mark_read(self, reader: str, room: str, seq: int) -> None:
        """``reader`` read ``room`` up to ``seq``: every connection of theirs is told."""
        self.unread.read(reader, room, seq)

    def unread_counts(self, reader: str, rooms: list[str]) -> list[dict]:
        return self.unread.counts(reader, rooms)

    def join(self, room: str, session) -> None:
        """``session`` enters ``room`` here; live lines (and presence news) wait
        until ``caught_up`` (and ``presence_for``)."""
        self.hub.join(room, session)
        self.roster.hold_news(session)

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
            if not self.hub.catching_up(room, session):
                return sent  # left (or closed) meanwhile
            if lines:
                reading = getattr(session, "read_as", None)
                session.send(Outgoing([dumps(self.readings.line(line, reading))
                                       for line in lines]))
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

    def leave(self, room: str, session, member_id: str | None = None,
              hears: bool = False) -> None:
        """``session`` leaves ``room``, and its presence entry ``member_id`` if it has one."""
        self.roster.forget(session)
        if self.hub.leave(room, session):
            self.sequencer.forget(room)
            self.room_translators.forget(room)
        if member_id is not None:
            self.leave_presence(room, member_id, hears)

    def translator(self, room: str) -> ITranslator:
        """The room's translator, through the IRoom -> ITranslator adapter
        (chat/runtime/choice.py): its choice if still offered, else the default."""
        return self.room_translators.lookup(room)

    def translators(self, room: str) -> dict:
        """What ``joined`` tells of translators: the room's, and those on offer."""
        return {
            "translator": self.translator(room).name,
            "translators": [{"name": o.name, "title": o.title} for o in offered(self.registry)],
        }

    def choose_translator(self, room: str, name: str, by: str, key: str | None = None,
                          lock: bool | None = None, address: str = "") -> dict:
        """Make ``name`` the room's translator, kept on the room, and tell the
        room's members, here and on every other process. Changes per room
        are rate-limited, those made with the owner's key apart; a room its
        owner locked takes them only with the owner's ``key`` (chat/runtime/choice.py).
        A refused change spends nothing of the room's budget; a wrong key
        spends ``address``'s (chat/runtime/limits.py)."""
        translator = translator_named(self.registry, name)
        if translator is None:
            names = ", ".join(offer.name for offer in offered(self.registry))
            raise ChatError("unknown_translator", f"No translator {name!r}; offered: {names}.")
        change = self.limits.translator_change(room, address, key is not None)
        try:
            self.room_translators.choose(room, name, key, lock)
        except ChatError as refusal:
            if refusal.code == "bad_key" and key is not None:
                self.limits.wrong_key(address)
            raise
        change.charge(1)
        notice = {"type": "translator", "room": room, "name": name,
                  "title": translator.title, "by": by}
        payload = dumps(notice)
        self.hub.notice(room, payload)
        self.broker.publish(room, payload)
        return notice

    def last_seq(self, room: str) -> int:
        """``room``'s last line number as this process knows it: the last one
        delivered here while the room has members here, else the storage's."""
        following = self.sequencer.next.get(room)
        if following is not None:
            return following - 1
        return self.history.since(room, 0, 0)[0]

    def makes_room(self, room: str) -> bool:
        """Whether a line said in ``room`` now would make the room: none of its
        lines reached this process and the storage holds no such room. Read
        from the storage only while the room has no lines; a failed read says
        no (the line's own append will say what failed)."""
        if self.sequencer.delivered(room):
            return False
        try:
            return not self.history.exists(room)
        except Exception as error:
            log.warning("could not tell whether %r exists: %r", room, error)
            return False

    def say(self, room: str, author: str, text: str, repeat_key: str | None = None) -> dict:
        """Translate, store and publish one line; returns the stored line.

        The translation goes through the guard (translators/guard.py): when
        the room's translator fails, the pirate answers and ``fallback``
        names the one that failed; so it does when the room has used its
        share of translation work (chat/runtime/limits.py). A ``repeat_key`` the room
        already holds (chat/core/senders.py) makes it a repeat: the original line comes back, marked
        ``repeat``, and nothing is stored or published (storage/history.py)."""
        return self.history.append(room, self.translated(room, author, text, repeat_key))

    def say_soon(self, room: str, author: str, text: str, repeat_key: str | None,
                 done: Callable[[dict | None, BaseException | None], None]) -> None:
        """``say`` without waiting for the disk: translate now, then queue the
        line; ``done(stored, error)`` follows once it is durable or failed
        (IHistory.append_soon). Lines said one after another keep their order."""
        self.history.append_soon(room, self.translated(room, author, text, repeat_key), done)

    def translated(self, room: str, author: str, text: str, repeat_key: str | None) -> dict:
        """The line to store: ``text`` by ``author``, through the room's translator."""
        translation = self.limits.translations.translate(
            guard(self.registry), room, self.translator(room), text)
        return new_line(author, text, translation, repeat_key)  # published once durable

    def publish(self, line: dict) -> None:
        """Send a stored line to its room: members here, then every other process."""
        payload = dumps(line)
        self.sequencer.offer(line["room"], payload, line["seq"])
        self.broker.publish(line["room"], payload)

    def receive(self, room: str, payload: str) -> None:
        """A message another process published for ``room``."""
        if not self.hub.occupied(room):
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
        self._names_kept.kill(block=False)
        if self.member_list is not None:
            self.member_list.close()
        self.broker.close()

    def catch_up(self, room: str, after: int | None,
                 address: str | None = None, same_epoch: bool = False) -> tuple[int, list[dict]]:
        """What a joining client is sent before live lines, and the last seq of
        the history it read: chat/core/catchup.py's rules over this room's history,
        within what ``address`` may read now (chat/runtime/limits.py), which pays for it."""
        return self._catch_up(room, after, address, same_epoch, partial(self.history.since, room))

    def joining_read(self, room: str, after: int | None, known_epoch: str | None,
                     address: str | None) -> tuple[str | None, int, list[dict], bool, bool]:
        """``catch_up`` for a join, with the history's epoch: (epoch, last seq,
        messages, reset, same_epoch). ``after`` counts lines of the epoch the
        client knew: of another history it means nothing (docs/protocol.md, Epochs).
        Where the epoch cannot change what is read (no ``after``, or no epoch
        known: every first join), it comes with the lines from the same snapshot
        (IHistory.since_with_epoch): one storage read per join instead of two."""
        if after is None or known_epoch is None:
            epochs = []

            def read(after: int, limit: int) -> tuple[int, list[dict]]:
                epoch, last, lines = self.history.since_with_epoch(room, after, limit)
                epochs.append(epoch)
                return last, lines

            last, messages = self._catch_up(room, after, address, False, read)
            return epochs[0], last, messages, False, False
        epoch = self.history.epoch(room)
        reset = known_epoch != epoch
        last, messages = self.catch_up(room, None if reset else after, address,
                                       same_epoch=not reset)
        return epoch, last, messages, reset, not reset

    def _catch_up(self, room: str, after: int | None, address: str | None, same_epoch: bool,
                  read: Callable[[int, int], tuple[int, list[dict]]]) -> tuple[int, list[dict]]:
        settings = self.settings
        allowance = math.inf if address is None else self.limits.readable(address)
        last, messages, size = catch_up(room, after, read, settings.recent_lines,
                                        settings.max_backlog, settings.max_queue, allowance,
                                        same_epoch)
        if address is not None:
            self.limits.read(address, size)
        return last, messages
