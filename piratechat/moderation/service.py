"""Moderation in a running chat: reads rules, keeps changes, tells every process.

The decisions are moderation/core.py's; this class reads what they need and
does what they return:

- Rules a line must keep are read per room along its lineage
  (moderation/tree.py) through a fresh ZODB connection (``reading``: it sees
  every committed change, invalidations included) and reused for
  ``rules_reuse_seconds`` at most, so a line costs a dict lookup. A change made on
  any process is followed by ``rules_changed`` over the broker: every process
  then drops what it kept and reads again (and keeps nothing it read until
  its database has the announced commit: a ZEO client may learn of it a
  moment after Redis tells), so a rule set on the whole chat
  reaches every room at once, everywhere; a lost notice (the broker
  reconnecting) costs ``rules_reuse_seconds`` (2) at most.
- A change (mute, ban, slow, read-only, moderators) goes through the storage's
  writer, is durable before anyone is told, and is logged on the level it
  was set on, with who and when.
- A line taken back goes through IHistory.retract; every member of its room,
  here and on every other process, is sent ``retracted``.

Without a database (MemoryHistory) the tree is kept in this process's memory.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from ..chat.core.messages import ChatError, dumps
from ..chat.core.senders import repeat_key
from ..interfaces import IDatabase, IWriter
from ..rooms.resources import Root
from ..timestamps import iso_us
from . import core
from .tree import lineage, rules_of

log = logging.getLogger(__name__)

#: The channel (a name no room can have) rules_changed goes out on.
EVERY_ROOM = ""
#: Entries a ``log`` answer holds at most, the latest.
LOG_LINES = 200
_PRUNE_ABOVE = 10_000
#: How the notices other processes send a room's members begin (dumps keeps "type" first).
_TOLD = ('{"type":"retracted"', '{"type":"rules"')


def _levels(stored_room) -> list[tuple[str, object]]:
    """(scope, Rules) along a room's lineage, nearest first."""
    levels = lineage(stored_room)
    scopes = ["room"] + (["group"] if len(levels) == 3 else []) + ["chat"]
    return [(scope, rules_of(level)) for scope, level in zip(scopes, levels, strict=False)]


def _effective(root: Root, room: str) -> core.Effective:
    stored = root.rooms[room]  # not stored yet: follows the chat's rules
    return core.effective(_levels(stored), stored.group)


def _level(root: Root, room: str, scope: str):
    """The level ``scope`` of ``room`` is (made if it was not stored), or ChatError."""
    stored = root.rooms.add(room)
    if scope == "room":
        return stored
    if scope == "chat":
        return root.rooms
    if stored.group is None:
        return ChatError("no_group", "This room is in no group: set the rule on the room "
                         "or the whole chat.")
    return root.rooms.groups.add(stored.group)


def _entry(at_us: int, by: str, action: str, details: dict, scope: str) -> dict:
    return {"at": iso_us(at_us), "by": by, "action": action, "scope": scope, **details}


class Moderation:
    def __init__(self, chat):
        self.chat = chat
        settings = chat.settings
        self.site_moderators = frozenset(
            name.strip() for name in settings.moderators.split(",") if name.strip())
        self._kept: dict[str, tuple[core.Effective, float]] = {}
        self._last_said: dict[tuple[str, str], float] = {}  # (room, sender) -> its last line
        self._slowest = 0  # the longest slow mode seen: older last lines count for none
        self._memory: Root | None = None
        self._awaited = b""  # the last commit a rules_changed announced
        chat.broker.subscribe(self.receive)
        chat.broker.on_reconnect(self.forget_all)

    # -- reading -----------------------------------------------------------------

    @contextmanager
    def _root(self) -> Iterator[Root]:
        db = self.chat.registry.queryUtility(IDatabase)
        if db is None:
            if self._memory is None:
                self._memory = Root()
            yield self._memory
            return
        from ..storage.database import reading
        from ..storage.outage import is_outage

        try:
            with reading(db) as root:
                yield root
        except ChatError:
            raise
        except Exception as error:  # a join or a line waits for no storage to come back
            if not is_outage(error):
                raise
            raise ChatError("unavailable", "The room's rules cannot be read now (its storage "
                            "is not reachable); try again.") from None

    def _write(self, change):
        writer = self.chat.registry.queryUtility(IWriter)
        if writer is None:
            with self._root() as root:
                return change(root)
        return writer.submit(change)

    def rules(self, room: str, clock=time.monotonic) -> core.Effective:
        """The rules ``room`` follows now (read again after ``rules_reuse_seconds``)."""
        now, reuse = clock(), self.chat.settings.rules_reuse_seconds
        kept = self._kept.get(room)
        if kept is not None and now - kept[1] < reuse:
            return kept[0]
        with self._root() as root:
            rules = _effective(root, room)
        if self._awaited and self._last_commit() < self._awaited:
            return rules  # read before the change reached us: read again next time
        if len(self._kept) > _PRUNE_ABOVE:
            self._kept = {k: v for k, v in self._kept.items() if now - v[1] < reuse}
        self._kept[room] = (rules, now)
        return rules

    def _last_commit(self) -> bytes:
        db = self.chat.registry.queryUtility(IDatabase)
        return b"" if db is None else db.lastTransaction()

    def forget_all(self) -> None:
        """Rules changed somewhere (or notices may have been lost): read them again."""
        self._kept.clear()

    def _is_owner(self, room: str, key: str | None, member: str | None = None) -> bool:
        """Does ``key`` own ``room``, or is ``member`` (a member's name) its owner?"""
        if key is None and member is None:
            return False
        with self._root() as root:
            stored = root.rooms.get(room)
            if stored is None:
                return False
            return ((key is not None and stored.is_owner_key(key))
                    or (member is not None and stored.owner_member == member))

    def person(self, session, key: str | None = None) -> core.Person:
        """Who ``session`` is; ``key`` (a message's) proves ownership of its room."""
        owner = self._is_owner(session.room, key) if key is not None else session.owns_room
        if key is not None and not owner:
            raise ChatError("bad_key", "That key does not own this room.")
        return core.Person(session.name, session.member, session.address or "", owner,
                           session.moderates)

    def moderator(self, person: core.Person, rules: core.Effective, scope: str = "room") -> bool:
        return core.is_moderator(person, rules, self.site_moderators, scope)

    # -- joining and saying --------------------------------------------------------

    def joining(self, room: str, person: core.Person, key: str | None) -> tuple[dict, bool]:
        """At ``join``: refuse a banned address; what ``joined`` tells of moderation,
        and whether ``key`` owns the room (the session keeps it: its lines then
        need no key for the rules to spare them)."""
        owner = self._is_owner(room, key, person.name if person.member else None)
        rules = self.rules(room)
        moderator = self.moderator(person._replace(owner=owner), rules)
        if not moderator and rules.banned(person.address, time.time()):
            raise ChatError("banned", "Your address is banned from this room.")
        return {"moderator": moderator, "rules": rules.as_message()}, owner

    def check_say(self, session) -> None:
        """Refuse a line the room's rules keep out (moderation/core.py, check_say)."""
        rules = self.rules(session.room)
        if not (rules.slow or rules.read_only or rules.mutes or rules.bans):
            return
        person = self.person(session)
        now = time.time()
        who = (session.room, session.sender or session.name)
        core.check_say(rules, person, self.moderator(person, rules), self._last_said.get(who),
                       now)
        if rules.slow:
            self._slowest = max(self._slowest, rules.slow)
            if len(self._last_said) > _PRUNE_ABOVE:  # what no slow mode still counts
                self._last_said = {k: v for k, v in self._last_said.items()
                                   if now - v < self._slowest}
            self._last_said[who] = now

    # -- taking back -----------------------------------------------------------------

    def retract(self, session, request: core.Retract) -> dict:
        """Take a line back if ``session`` may; every member of the room is told."""
        room = session.room
        person = self.person(session, request.key)
        moderator = self.moderator(person, self.rules(room))
        now = time.time()
        proof = repeat_key(session.sender, request.client_id) if request.client_id else None

        def check(line: dict) -> None:
            own = ((person.member and line["author"] == person.name)
                   or (proof is not None and line["repeat_key"] == proof))
            core.may_retract(moderator, line["author"], line["at_us"], line["retracted"], own,
                             now)

        was = self.chat.history.retract(room, request.seq, check)
        notice = {"type": "retracted", "room": room, "seq": request.seq}
        payload = dumps(notice)
        self.chat.hub.notice(room, payload)
        self.chat.broker.publish(room, payload)
        self._log(room, "room", person, "retract",
                  {"seq": request.seq, "author": was.get("author")})
        return notice

    # -- changing rules ----------------------------------------------------------------

    def moderate(self, session, request: core.Moderate) -> dict:
        room = session.room
        person = self.person(session, request.key)
        if not self.moderator(person, self.rules(room), request.scope):
            raise ChatError("not_allowed", f"Only a moderator of the {request.scope} can "
                            "do that.")
        details = self._details(session, request)
        until = time.time() + (request.seconds or 0)
        change = partial(self._change, room, request, until, details, person.name)
        refusal = self._write(change)
        if isinstance(refusal, ChatError):
            raise refusal
        self.forget_all()
        self.chat.broker.publish(EVERY_ROOM, dumps({"type": "rules_changed",
                                                    "tid": self._last_commit().hex()}))
        rules = self.rules(room)
        notice = {"type": "rules", "room": room, **rules.as_message()}
        payload = dumps(notice)
        self.chat.hub.notice(room, payload)
        self.chat.broker.publish(room, payload)
        return {"type": "moderated", "room": room, "action": request.action,
                "scope": request.scope, **details}

    def _details(self, session, request: core.Moderate) -> dict:
        """What the change is about, as the log keeps it; a ``ban`` of a ``name``
        bans the addresses it is here from (the log keeps the name only)."""
        details = {k: v for k, v in (("name", request.name), ("seconds", request.seconds),
                                     ("on", request.on), ("rule", request.rule))
                   if v is not None}
        if request.action in ("ban", "unban"):
            if request.address is not None:
                details["address"] = request.address
            else:
                found = sorted({other.address for other in self.chat.hub.members(
                    session.room) if getattr(other, "name", None) == request.name
                    and getattr(other, "address", None)})
                if not found:
                    raise ChatError("not_here", f"Nobody called {request.name!r} is in this "
                                    "room on this server now: ban by 'address'.")
                details["addresses"] = found
        return details

    @staticmethod
    def _change(room: str, request: core.Moderate, until: float, details: dict, by: str,
                root: Root):
        """The writer's change: the rule kept on its level, and logged there."""
        level = _level(root, room, request.scope)
        if isinstance(level, ChatError):
            return level
        rules = rules_of(level, make=True)
        action = request.action
        if action == "mute":
            rules.mutes[request.name] = until
        elif action == "unmute":
            rules.mutes.pop(request.name, None)
        elif action in ("ban", "unban"):
            for address in details.get("addresses") or [details["address"]]:
                if action == "unban":
                    rules.bans.pop(address, None)
                else:  # without ``seconds``: a year
                    rules.bans[address] = until if request.seconds else until + core.MAX_SECONDS
        elif action == "slow":
            rules.slow = request.seconds
        elif action == "read_only":
            rules.read_only = request.on
        elif action == "clear":
            setattr(rules, request.rule, None)
        elif action == "moderator":
            rules.moderators.add(request.name)
        elif action == "unmoderator":
            rules.moderators.discard(request.name)
        logged = {k: v for k, v in details.items() if k != "addresses"}
        rules.record(round(time.time() * 1_000_000), by, action, logged)
        return None

    def _log(self, room: str, scope: str, person: core.Person, action: str,
             details: dict) -> None:
        """Keep an action in the log of ``room`` (retractions: not part of a rule change)."""
        def change(root: Root) -> None:
            level = _level(root, room, scope)
            rules_of(level, make=True).record(round(time.time() * 1_000_000), person.name,
                                              action, details)
        try:
            self._write(change)
        except Exception:
            log.exception("logging %s in %r failed", action, room)

    # -- reading the log -----------------------------------------------------------------

    def log(self, session, key: str | None) -> dict:
        """The room's log, with its group's and the chat's: moderators only."""
        room = session.room
        person = self.person(session, key)
        if not self.moderator(person, self.rules(room)):
            raise ChatError("not_allowed", "Only a moderator can read the room's log.")
        entries = []
        with self._root() as root:
            for scope, rules in _levels(root.rooms[room]):
                if rules is None:
                    continue
                for at_us, (by, action, details) in rules.log.items():
                    entries.append((at_us, by, action, dict(details), scope))
        entries.sort(key=lambda entry: entry[0])
        return {"type": "log", "room": room,
                "entries": [_entry(*entry) for entry in entries[-LOG_LINES:]]}

    # -- other processes ------------------------------------------------------------------

    def receive(self, room: str, payload: str) -> None:
        """A message another process published: rules changed, or a line taken back."""
        if room == EVERY_ROOM:
            if '"rules_changed"' in payload:
                try:
                    self._awaited = max(self._awaited, bytes.fromhex(json.loads(payload)["tid"]))
                except (ValueError, KeyError, TypeError):
                    log.warning("a rules_changed notice without its commit: %.100r", payload)
                self.forget_all()
            return
        if self.chat.hub.occupied(room) and payload.startswith(_TOLD):
            self.chat.hub.notice(room, payload)
