"""A chat client's SockJS session: the message protocol on one connection.

The adapter between a connection and the chat: what a message may ask is
chat/core/rules.py's, what a (re)joining member is sent chat/core/catchup.py's; this
class feeds them the connection's messages and does what they return.
"""

from __future__ import annotations

import logging
import sys
from functools import partial

from pyramid_sockjs_gevent import Session
from pyramid_sockjs_gevent.core.session import CLOSED

from ... import logs
from ...moderation import core as moderation
from ...moderation.core import Person, moderates_claim
from ...unread import requests as unread_requests
from ...unread.readers import reader_of
from ..core import rules
from ..core.flood import TokenBucket
from ..core.messages import ChatError, dumps, parse
from ..core.senders import name_owner, repeat_key, sender, sender_key_field
from .limits import TOO_MANY_CONNECTIONS
from .service import Chat

log = logging.getLogger(__name__)


class ChatSession(Session):
    """Speaks docs/protocol.md. Bad input is answered with an error message
    and the connection stays usable."""

    chat: Chat  # set by the app factory on a subclass

    def on_open(self) -> None:
        self.name: str | None = None
        self.room: str | None = None
        #: Of its room's lines, this connection's client has those up to the
        #: first number (its ``after``), and is sent those from the second on.
        self.covered = (0, 1)
        self.member_id: str | None = None  # in the room's presence
        self.sender: str | None = None  # whose repeats its lines' client ids find (senders.py)
        self.presence = False  # sent who is here, and who comes and goes?
        # Moderation (moderation/): a member by token? moderating what the site's
        # token says? holding the room's key?
        self.member, self.moderates, self.owns_room = False, (), False
        self.read_as: str | None = None  # the parrot it reads through; None: the room's
        self.reader: str | None = None  # whose last-read marks it keeps (unread/readers.py)
        settings = self.chat.settings
        self.bucket = TokenBucket(settings.lines_per_second, settings.burst)
        self.address: str | None = None
        try:
            self.address = self.chat.connect(self.environ)
        except ChatError as error:
            self.reply(error.to_message())
            self.close(TOO_MANY_CONNECTIONS, "Too many connections")

    def on_message(self, text: str) -> None:
        token = logs.session_id.set(self.id)  # logs.about, without a generator per line
        try:
            message = parse(text)
            getattr(self, "on_" + message["type"])(message)
        except ChatError as error:
            self.reply(error.to_message())
        except Exception:  # a fault of ours: logged, and the client still gets an answer
            log.exception("a message could not be handled")
            self.reply(ChatError("unavailable", "That could not be done now; "
                                 "try again.").to_message())
        finally:
            logs.session_id.reset(token)

    def on_close(self) -> None:
        if self.address is not None:
            self.chat.disconnect(self.address)
            self.address = None
        if self.room is not None:
            self._leave_room()
        self.chat.release_name(self)
        self._be_reader(None)

    def _be_reader(self, reader: str | None) -> None:
        """Be told of ``reader``'s marks from now on (None: of nobody's)."""
        if self.reader is not None:
            self.chat.detach_reader(self.reader, self)
        self.reader = reader
        if reader is not None:
            self.chat.attach_reader(reader, self)

    def _leave_room(self) -> None:
        self.chat.leave(self.room, self, self.member_id, self.presence)
        self.member_id = None
        self.room = None

    def reply(self, message: dict) -> None:
        self.send(dumps(message))

    def on_join(self, message: dict) -> None:
        """Enter a room: ``joined``, who is here, then stored lines, then live ones.

        The session joins the hub *before* reading history; the hub holds
        live lines until ``caught_up``, which drops those the read already
        covered (chat/core/catchup.py). So a line committed while we read is
        neither lost nor sent twice.
        """
        chat = self.chat
        name, member = chat.identify(message)
        room, after, presence = rules.where(message)
        known_epoch = rules.known_epoch(message)
        sender_key = sender_key_field(message)
        moderates = moderates_claim(message["token"]) if member else ()
        moderation, owns_room = chat.moderation_at_join(
            room, Person(name, member, self.address or "", False, moderates),
            rules.owner_key(message))
        read_as = chat.chosen_reading(message.get("read_as"))
        chat.may_join(self.address or "")
        # Taken before leaving the old room: a refused join keeps the member where it was.
        chat.take_name(room, name, self, name_owner(sender_key))
        self.sender = sender(sender_key, name)
        self.member, self.moderates, self.owns_room = member, moderates, owns_room
        self.read_as = read_as
        caught = self._enter(room, after, known_epoch, name, presence)
        if caught is None:
            return
        epoch, last, backlog, translators, seen = caught
        log.debug("joined %r as %r", room, name)
        member_id = chat.enter_presence(room, name, presence)
        if self.room != room or self.state == CLOSED:  # ... or while presence was written
            chat.leave_presence(room, member_id, presence)
            return
        self.member_id = member_id
        self._be_reader(reader_of(name if member else None, sender_key))
        self.reply({"type": "joined", "room": room, "name": name, "epoch": epoch, **translators,
                    **moderation, "read_as": self.read_as, "last_read": self._last_read(room)})
        if presence:
            for notice in chat.presence_for(room, self):
                self.reply(notice)
        self._catch_up(room, backlog, last, seen)

    def on_listen(self, message: dict) -> None:
        """Hear a room without being in it (the site's lobby box): ``listening``, the
        room's recent lines (or those after ``after``), then live ones. A listener has
        no name, is in no presence list and is never counted; ``say`` and
        ``translator`` are refused with ``not_joined``. It reads as a join does, so
        the same budgets pay for it."""
        room, after, _ = rules.where(message)
        self.read_as = self.chat.chosen_reading(message.get("read_as"))
        self.chat.may_join(self.address or "")
        self.chat.release_name(self)
        self.member, self.moderates, self.owns_room = False, (), False
        caught = self._enter(room, after, rules.known_epoch(message), None, False)
        if caught is None:
            return
        epoch, last, backlog, _, seen = caught
        self._be_reader(None)
        self.reply({"type": "listening", "room": room, "epoch": epoch})
        self._catch_up(room, backlog, last, seen)

    def _enter(self, room: str, after: int | None, known_epoch: str | None,
               name: str | None, presence: bool) -> tuple | None:
        """Leave the room we were in, enter ``room`` (live lines held) and read what
        we are to be sent first: (epoch, last seq, backlog, translators, the ``after``
        the client saw in this very history or None); None if the connection closed
        or went elsewhere meanwhile."""
        chat = self.chat
        if self.room is not None:
            self._leave_room()
        self.name, self.room, self.presence = name, room, presence
        self.room_checked = False  # whether a line here would make the room, once known
        chat.join(room, self)
        try:
            epoch, last, backlog, reset, same_epoch = chat.joining_read(
                room, after, known_epoch, self.address or "")
            translators = chat.translators(room)
        except Exception:
            log.exception("reading the history of %r failed", room)
            self._leave_room()
            chat.release_name(self)
            raise ChatError("unavailable", "The room's history cannot be read now; "
                            "join again.") from None
        if reset:
            backlog = [{"type": "reset", "room": room, "seq": last}, *backlog]
        if self.room != room or self.state == CLOSED:
            return None  # closed (or gone elsewhere) while the history was read: not here
        lines = [m for m in backlog if m["type"] == "line"]
        had = 0 if after is None or reset or any(m["type"] == "reset" for m in backlog) else after
        self.covered = (had, lines[0]["seq"] if lines else last + 1)
        return epoch, last, backlog, translators, after if same_epoch else None

    def _catch_up(self, room: str, backlog: list[dict], last: int, seen: int | None) -> None:
        """Send what the room's history gave, then let live lines through."""
        read = self.chat.as_read
        for line in backlog:
            self.reply(read(line, self.read_as))
        self.chat.caught_up(room, self, last, seen=seen)

    def on_say(self, message: dict) -> None:
        text, client_id = rules.say(message, self.chat.settings.max_line,
                                    joined=self.room is not None and self.name is not None)
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are saying lines too fast.")
        self.chat.check_say(self)  # muted, banned, read_only, slow_mode
        self.chat.may_say(self.address or "", self.room, first=not self.room_checked)
        self.room_checked = True
        told = partial(self._said, self.room, client_id)
        try:
            self.chat.say_soon(self.room, self.name, text, repeat_key(self.sender, client_id),
                               told)
        except Exception:  # the line is not stored, so nobody saw it: say so
            told(None, sys.exc_info()[1])

    def _said(self, room: str, client_id: str | None, stored: dict | None,
              error: BaseException | None) -> None:
        """A line of this connection is durable (or failed): tell this connection
        only, the one place its ``client_id`` goes (chat/core/senders.py). The next
        ``say`` is read without waiting for this: lines queued meanwhile share a
        commit, in the order said (the flood limits above bound how many)."""
        if error is not None:  # the line is not stored, so nobody saw it: say so
            with logs.about(self.id):
                log.error("storing a line in %r failed", room, exc_info=error)
            self.reply(ChatError("unavailable", "The line could not be stored; "
                                 "say it again.").to_message())
        elif stored is None:
            return
        elif stored.get("repeat") and not self._covers(room, stored["seq"]):
            read = self.chat.as_read(stored, self.read_as)  # the room saw it: sender only
            self.reply(dict(read, client_id=client_id))
        else:  # a new line goes to everyone (Chat.publish), and a repeat this client has or
            # will be sent needs no second copy: either way, this says it was ours
            said = {"type": "said", "room": room, "epoch": stored.get("epoch"),
                    "seq": stored["seq"]}
            if client_id:
                said["client_id"] = client_id
            self.reply(said)

    def _covers(self, room: str, seq: int) -> bool:
        """Has this connection's client line ``seq`` of ``room``, or will it be
        sent it with the room's lines? Then a repeat's answer would show it
        twice: a ``said`` confirms the ``client_id`` instead."""
        had, first = self.covered
        return room == self.room and (seq <= had or seq >= first)

    def on_translator(self, message: dict) -> None:
        """Choose the room's translator; every member is told (docs/protocol.md)."""
        name, key, lock = rules.choose_translator(
            message, joined=self.room is not None and self.name is not None)
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are sending messages too fast.")
        try:
            self.chat.choose_translator(self.room, name, self.name, key, lock,
                                        self.address or "")
        except ChatError:
            raise
        except Exception:
            log.exception("keeping the translator of %r failed", self.room)
            raise ChatError("unavailable", "The choice could not be kept; try again.") from None

    def on_retract(self, message: dict) -> None:
        """Take a line back: its author (soon after) or a moderator (moderation/)."""
        request = moderation.retract_request(
            message, joined=self.room is not None and self.name is not None)
        self._moderating(self.chat.retract, request)

    def on_moderate(self, message: dict) -> None:
        """Mute, ban, slow, read-only, moderators: moderators only (moderation/)."""
        request = moderation.moderate_request(
            message, self.room is not None and self.name is not None, self.chat.settings.max_name)
        self.reply(self._moderating(self.chat.moderate, request))

    def on_log(self, message: dict) -> None:
        """The room's moderation log: moderators only (moderation/)."""
        key = moderation.log_request(message, self.room is not None and self.name is not None)
        self.reply(self._moderating(self.chat.moderation_log, key))

    def _moderating(self, action, request) -> dict:
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are sending messages too fast.")
        try:
            return action(self, request)
        except ChatError:
            raise
        except Exception:
            log.exception("a moderation action in %r failed", self.room)
            raise ChatError("unavailable", "That could not be done now; try again.") from None

    def on_read_as(self, message: dict) -> None:
        """Read the room through another parrot (or the room's again, with null):
        lines sent from now on carry that reading; ``read_as`` confirms it."""
        if self.room is None:
            raise ChatError("not_joined", "Join a room before choosing how to read it.")
        if "translator" not in message:
            raise ChatError("bad_message", "Name the reading in 'translator' (a "
                            "translator's name, 'original', or null for the room's).")
        self.read_as = self.chat.chosen_reading(message["translator"])
        self.reply({"type": "read_as", "room": self.room, "translator": self.read_as})

    def _last_read(self, room: str) -> int | None:
        """This reader's mark in ``room`` for ``joined``; None if none, or unknown now."""
        if self.reader is None:
            return None
        try:
            return self.chat.last_read(self.reader, room)
        except Exception:
            log.exception("reading the last-read line of %r failed", room)
            return None

    def on_read(self, message: dict) -> None:
        """Mark the joined room read up to ``seq``: every connection of this
        reader, on every process, is sent the room's ``unread`` count."""
        seq = unread_requests.read(message, self.room, self.reader)
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are sending messages too fast.")
        try:
            self.chat.mark_read(self.reader, self.room, seq)
        except Exception:
            log.exception("keeping the last-read line of %r failed", self.room)
            raise ChatError("unavailable", "What you read could not be kept; "
                            "try again.") from None

    def on_unread(self, message: dict) -> None:
        """The unread counts of ``rooms`` (those this reader read before), one
        ``unread`` message each."""
        rooms = unread_requests.unread(message, self.reader)
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are sending messages too fast.")
        try:
            counts = self.chat.unread_counts(self.reader, rooms)
        except Exception:
            log.exception("reading unread counts failed")
            raise ChatError("unavailable", "Unread counts cannot be read now; "
                            "try again.") from None
        for count in counts:
            self.reply(count)
