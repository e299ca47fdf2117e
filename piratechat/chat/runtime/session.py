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
from ..core import rules
from ..core.flood import TokenBucket
from ..core.messages import ChatError, dumps, parse
from ..core.senders import name_owner, repeat_key, sender, sender_key_field
from ..core.tokens import verify
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
        settings = self.chat.settings
        self.bucket = TokenBucket(settings.lines_per_second, settings.burst)
        self.address: str | None = None
        address = self.chat.limits.address(self.environ)
        try:
            self.chat.limits.connect(address)
        except ChatError as error:
            self.reply(error.to_message())
            self.close(TOO_MANY_CONNECTIONS, "Too many connections")
            return
        self.address = address

    def on_message(self, text: str) -> None:
        token = logs.session_id.set(self.id)  # logs.about, without a generator per line
        try:
            message = parse(text)
            getattr(self, "on_" + message["type"])(message)
        except ChatError as error:
            self.reply(error.to_message())
        finally:
            logs.session_id.reset(token)

    def on_close(self) -> None:
        if self.address is not None:
            self.chat.limits.disconnect(self.address)
            self.address = None
        if self.room is not None:
            self._leave_room()
        self.chat.names.release(self)

    def _leave_room(self) -> None:
        self.chat.leave(self.room, self)
        if self.member_id is not None:
            self.chat.roster.leave(self.room, self.member_id, self.presence)
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
        settings = chat.settings
        name, member = rules.who(message, settings.max_name,
                                 partial(verify, settings.token_secret), chat.members.taken)
        if member:
            chat.members.add(name)
        room, after, presence = rules.where(message)
        known_epoch = rules.known_epoch(message)
        sender_key = sender_key_field(message)
        chat.limits.join(self.address or "")
        # Taken before leaving the old room: a refused join keeps the member where it was.
        chat.names.take(room, name, self, name_owner(sender_key))
        self.sender = sender(sender_key, name)
        caught = self._enter(room, after, known_epoch, name, presence)
        if caught is None:
            return
        epoch, last, backlog, translators, seen = caught
        log.info("joined %r as %r", room, name)
        member_id = chat.roster.enter(room, name, presence)
        if self.room != room or self.state == CLOSED:  # ... or while presence was written
            chat.roster.leave(room, member_id, presence)
            return
        self.member_id = member_id
        self.reply({"type": "joined", "room": room, "name": name, "epoch": epoch, **translators})
        if presence:
            for notice in chat.roster.listing_for(room, self):
                self.reply(notice)
        self._catch_up(room, backlog, last, seen)

    def on_listen(self, message: dict) -> None:
        """Hear a room without being in it (the site's lobby box): ``listening``, the
        room's recent lines (or those after ``after``), then live ones. A listener has
        no name, is in no presence list and is never counted; ``say`` and
        ``translator`` are refused with ``not_joined``. It reads as a join does, so
        the same budgets pay for it."""
        room, after, _ = rules.where(message)
        self.chat.limits.join(self.address or "")
        self.chat.names.release(self)
        caught = self._enter(room, after, rules.known_epoch(message), None, False)
        if caught is None:
            return
        epoch, last, backlog, _, seen = caught
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
        self.presence_told = []  # presence notices held back until its list (Roster)
        chat.join(room, self)
        try:
            epoch = chat.history.epoch(room)
            # ``after`` counts lines of the epoch the client knew: of another
            # history it means nothing (docs/protocol.md, Epochs).
            reset = after is not None and known_epoch is not None and known_epoch != epoch
            same_epoch = known_epoch is not None and known_epoch == epoch
            last, backlog = chat.catch_up(room, None if reset else after, self.address or "",
                                          same_epoch=same_epoch)
            translators = chat.translators(room)
        except Exception:
            log.exception("reading the history of %r failed", room)
            self._leave_room()
            chat.names.release(self)
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
        for line in backlog:
            self.reply(line)
        self.chat.caught_up(room, self, last, seen=seen)

    def on_say(self, message: dict) -> None:
        text, client_id = rules.say(message, self.chat.settings.max_line,
                                    joined=self.room is not None and self.name is not None)
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are saying lines too fast.")
        self.chat.limits.line(self.address or "", self.room)
        if not self.room_checked:  # a line that makes its room counts as a room made
            if self.chat.makes_room(self.room):
                self.chat.limits.line_makes_room(self.address or "")
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
            self.reply(dict(stored, client_id=client_id))  # the room saw it: sender only
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
