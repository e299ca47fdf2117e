"""A chat client's SockJS session: the message protocol on one connection."""

from __future__ import annotations

import logging
import sys
from functools import partial

from .. import logs
from ..rooms.slugs import BadRoomName, check_slug
from ..sockjs import Session
from ..sockjs.session import CLOSED
from .flood import TokenBucket
from .limits import TOO_MANY_CONNECTIONS
from .messages import ChatError, client_id_field, dumps, parse, text_field
from .service import DEFAULT_ROOM, Chat
from .text import check_name
from .tokens import BadToken, verify

log = logging.getLogger(__name__)


class ChatSession(Session):
    """Speaks docs/protocol.md. Bad input is answered with an error message
    and the connection stays usable."""

    chat: Chat  # set by the app factory on a subclass

    def on_open(self) -> None:
        self.name: str | None = None
        self.room: str | None = None
        self.member_id: str | None = None  # in the room's presence
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
        with logs.about(self.id):
            try:
                message = parse(text)
                getattr(self, "on_" + message["type"])(message)
            except ChatError as error:
                self.reply(error.to_message())

    def on_close(self) -> None:
        if self.address is not None:
            self.chat.limits.disconnect(self.address)
            self.address = None
        if self.room is not None:
            self._leave_room()

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
        covered. So a line committed while we read is neither lost nor sent
        twice.
        """
        name = self._name(message)
        try:
            room = check_slug(message.get("room", DEFAULT_ROOM))
        except BadRoomName as error:
            raise ChatError("bad_room", error.reason) from None
        after = message.get("after")
        if after is not None and (
            not isinstance(after, int) or isinstance(after, bool) or after < 0
        ):
            raise ChatError("bad_message", "'after' must be a whole number, 0 or more.")
        presence = message.get("presence", False)
        if not isinstance(presence, bool):
            raise ChatError("bad_message", "'presence' must be true or false.")
        known_epoch = message.get("epoch")
        if known_epoch is not None and not isinstance(known_epoch, str):
            raise ChatError("bad_message", "'epoch' must be a string (a joined or line epoch).")
        chat = self.chat
        if self._name_taken(room, name):
            raise ChatError("name_taken", f"{name!r} is already in the room {room!r}; "
                            "choose another name.")
        if self.room is not None:
            self._leave_room()
        self.name, self.room, self.presence = name, room, presence
        self.presence_told = None  # presence notices are held until the list (Roster)
        chat.join(room, self)
        try:
            epoch = chat.history.epoch(room)
            # ``after`` counts lines of the epoch the client knew: of another
            # history it means nothing (docs/protocol.md, Epochs).
            reset = after is not None and known_epoch is not None and known_epoch != epoch
            last, backlog = chat.catch_up(room, None if reset else after)
            translators = chat.translators(room)
        except Exception:
            log.exception("reading the history of %r failed", room)
            self._leave_room()
            raise ChatError("unavailable", "The room's history cannot be read now; "
                            "join again.") from None
        if reset:
            backlog = [{"type": "reset", "room": room, "seq": last}, *backlog]
        if self.room != room or self.state == CLOSED:
            return  # closed (or gone elsewhere) while the history was read: not here
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
        for line in backlog:
            self.reply(line)
        chat.caught_up(room, self, last)

    def _name(self, message: dict) -> str:
        """Who joins: the member a valid ``token`` names (``name``, if sent, must be
        theirs), or the nickname in ``name``, if no member chats under it."""
        settings = self.chat.settings
        token = message.get("token")
        if token is None:
            name = text_field(message, "name", settings.max_name, "The name",
                              check_name).strip()
            if self.chat.members.taken(name):
                raise ChatError("name_taken", f"{name!r} is a member's name: log in to "
                                "chat under it, or pick another.")
            return name
        try:
            member = verify(settings.token_secret, token)
        except BadToken as error:
            raise ChatError("bad_token", str(error)) from None
        claimed = message.get("name", member)
        if not isinstance(claimed, str) or claimed.strip() != member:
            raise ChatError("bad_token", "The token is for another name.")
        if len(member) > settings.max_name:
            member = member[: settings.max_name]
        self.chat.members.add(member)
        return member

    def _name_taken(self, room: str, name: str) -> bool:
        """Whether another live connection to this process is in ``room`` as
        ``name`` (compared case-blind). Names are unique per room and process:
        members connected to other processes are not seen here."""
        folded = name.casefold()
        return any(member is not self and getattr(member, "name", None) is not None
                   and member.name.casefold() == folded
                   for member in self.chat.hub.rooms.get(room, ()))

    def on_say(self, message: dict) -> None:
        if self.room is None or self.name is None:
            raise ChatError("not_joined", "Send a join message before saying anything.")
        text = text_field(message, "text", self.chat.settings.max_line, "The line")
        client_id = client_id_field(message)
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are saying lines too fast.")
        self.chat.limits.line(self.address or "", self.room)
        try:
            self.chat.say_soon(self.room, self.name, text, client_id,
                               partial(self._said, self.room))
        except Exception:  # the line is not stored, so nobody saw it: say so
            self._said(self.room, None, sys.exc_info()[1])

    def _said(self, room: str, stored: dict | None, error: BaseException | None) -> None:
        """A line of this connection is durable (or failed). The next ``say``
        is read without waiting for this: lines queued meanwhile share a
        commit, in the order said (the flood limits above bound how many)."""
        with logs.about(self.id):
            if error is not None:  # the line is not stored, so nobody saw it: say so
                log.error("storing a line in %r failed", room, exc_info=error)
                self.reply(ChatError("unavailable", "The line could not be stored; "
                                     "say it again.").to_message())
            elif stored is not None and stored.get("repeat"):  # the room saw it then
                self.reply(stored)  # tell only the sender

    def on_translator(self, message: dict) -> None:
        """Choose the room's translator; every member is told (docs/protocol.md)."""
        if self.room is None or self.name is None:
            raise ChatError("not_joined", "Send a join message before choosing a translator.")
        name = message.get("name")
        if not isinstance(name, str):
            raise ChatError("bad_message", "The translator's name must be a string in 'name'.")
        key, lock = message.get("key"), message.get("lock")
        if key is not None and not isinstance(key, str):
            raise ChatError("bad_message", "The room's key must be a string in 'key'.")
        if lock is not None and not isinstance(lock, bool):
            raise ChatError("bad_message", "'lock' must be true or false.")
        if not self.bucket.take():
            raise ChatError("flood", "Slow down: you are sending messages too fast.")
        try:
            self.chat.choose_translator(self.room, name, self.name, key, lock)
        except ChatError:
            raise
        except Exception:
            log.exception("keeping the translator of %r failed", self.room)
            raise ChatError("unavailable", "The choice could not be kept; try again.") from None
