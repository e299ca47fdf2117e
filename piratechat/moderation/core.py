"""Moderation's decisions, apart from sockets, storage and greenlets.

Who may do what (docs/protocol.md, "Moderation"): a room's owner (its key) and
its moderators (named on the room, its group or the whole chat, or given by
the site's token) may take any line back, mute names, ban addresses, slow the
room or make it read-only; a line's author may take it back within
``AUTHOR_WINDOW``; everyone else may only say lines, within the rules.

Every function takes plain values and returns plain values or raises
ChatError with the code a client acts on; moderation/service.py feeds them
what it read, tests/unit/test_moderation_core.py calls them directly.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from ..chat.core.messages import ChatError
from ..chat.core.text import BadText, check_name

#: How long (seconds) after saying it a line's author may take it back.
AUTHOR_WINDOW = 600
#: Where a rule is set: one room, its group, the whole chat.
SCOPES = ("room", "group", "chat")
#: The longest mute, ban or slow mode one may set (seconds): a year.
MAX_SECONDS = 365 * 24 * 3600
#: What ``moderate`` may ask.
ACTIONS = ("mute", "unmute", "ban", "unban", "slow", "read_only", "clear",
           "moderator", "unmoderator")
#: Rules ``clear`` can give back to the level above.
CLEARABLE = ("slow", "read_only")


@dataclass(frozen=True)
class Effective:
    """The rules a room follows now, merged along its lineage (moderation/tree.py)."""

    slow: int = 0
    read_only: bool = False
    mutes: dict = field(default_factory=dict)  # name -> until, the latest along the lineage
    bans: dict = field(default_factory=dict)  # address -> until
    #: Members named moderators at each scope: at "room", those of every level;
    #: at "group", those of the group and the chat; at "chat", the chat's.
    moderators: dict = field(default_factory=dict)
    group: str | None = None

    def muted_until(self, name: str, now: float) -> float | None:
        until = self.mutes.get(name)
        return until if until is not None and until > now else None

    def banned(self, address: str, now: float) -> bool:
        until = self.bans.get(address)
        return until is not None and until > now

    def as_message(self) -> dict:
        """What a member is told of the room's rules (``joined``, ``rules``)."""
        return {"slow": self.slow, "read_only": self.read_only}


def effective(levels: Iterable[tuple[str, object]], group: str | None = None) -> Effective:
    """Merge the Rules of a lineage, nearest first: (scope, Rules or None) pairs.
    The nearest level that sets ``slow`` or ``read_only`` decides it; a mute or
    ban anywhere counts (the longest wins); a moderator of a level moderates
    every level below it. The walk is O(levels) plus the entries the levels
    hold, never O(rooms)."""
    slow = read_only = None
    mutes: dict = {}
    bans: dict = {}
    named: dict = {}
    for scope, rules in levels:
        if rules is None:
            continue
        if slow is None and rules.slow is not None:
            slow = rules.slow
        if read_only is None and rules.read_only is not None:
            read_only = rules.read_only
        for name, until in rules.mutes.items():
            mutes[name] = max(until, mutes.get(name, 0))
        for address, until in rules.bans.items():
            bans[address] = max(until, bans.get(address, 0))
        named.setdefault(scope, set()).update(rules.moderators)
    moderators = {}
    for at, scope in enumerate(SCOPES):
        moderators[scope] = frozenset().union(*(named.get(s, ()) for s in SCOPES[at:]))
    return Effective(slow or 0, bool(read_only), mutes, bans, moderators, group)


class Person(NamedTuple):
    """Who sends a message, as moderation sees them."""

    name: str
    member: bool  # the name is a member's, proven by a token
    address: str
    owner: bool  # holds the room's key
    moderates: tuple = ()  # from the site's token: "*" (everywhere) and group names


def is_moderator(person: Person, rules: Effective, site_moderators: frozenset,
                 scope: str = "room") -> bool:
    """May ``person`` moderate at ``scope`` of a room following ``rules``? The
    room's owner moderates the room; a member named a moderator (on the room, its
    group or the chat, or in the ``moderators`` setting), or given moderation by
    the site's token for the room's group or everywhere, moderates there."""
    if scope == "room" and person.owner:
        return True
    if "*" in person.moderates:
        return True
    if scope != "chat" and rules.group is not None and rules.group in person.moderates:
        return True
    if not person.member:
        return False
    if person.name in site_moderators:
        return True
    return person.name in rules.moderators.get(scope, ())


def check_say(rules: Effective, person: Person, moderator: bool, last_said: float | None,
              now: float) -> None:
    """Refuse a line the rules keep out: ``banned``, ``muted``, ``read_only`` or
    ``slow_mode`` (with ``wait``, whole seconds). Moderators are held by none."""
    if moderator:
        return
    if rules.banned(person.address, now):
        raise ChatError("banned", "Your address is banned from this room.")
    until = rules.muted_until(person.name, now)
    if until is not None:
        raise Refused("muted", f"{person.name!r} is muted here for "
                      f"{math.ceil(until - now)} more seconds.", wait=math.ceil(until - now))
    if rules.read_only:
        raise ChatError("read_only", "This room is read-only now: you can read it, "
                        "not say lines.")
    if rules.slow and last_said is not None and now - last_said < rules.slow:
        wait = math.ceil(rules.slow - (now - last_said))
        raise Refused("slow_mode", f"This room is in slow mode: one line every "
                      f"{rules.slow} seconds; wait {wait} more.", wait=wait)


class Refused(ChatError):
    """A refusal that says how long to wait (``wait``, seconds) before trying again."""

    def __init__(self, code: str, message: str, wait: int):
        super().__init__(code, message)
        self.wait = wait

    def to_message(self) -> dict:
        return dict(super().to_message(), wait=self.wait)


def may_retract(moderator: bool, line_author: str, line_at_us: int, line_retracted: bool,
                own: bool, now: float) -> None:
    """Whether a ``retract`` of a stored line goes through: a moderator's, any
    time; its author's (``own``: the member who said it, or the browser that
    did), within AUTHOR_WINDOW; nobody else's. A line taken back already
    is taken back again without complaint (the answer is the same)."""
    if moderator or line_retracted:
        return
    if not own:
        raise ChatError("not_allowed", "Only its author or a moderator can take a line back.")
    if now - line_at_us / 1_000_000 > AUTHOR_WINDOW:
        raise ChatError("too_late", f"Lines can be taken back by their author for "
                        f"{AUTHOR_WINDOW // 60} minutes only; ask a moderator.")


class Retract(NamedTuple):
    seq: int
    key: str | None
    client_id: str | None  # the line's own client id: proves the same browser said it


class Moderate(NamedTuple):
    action: str
    scope: str
    key: str | None
    name: str | None
    address: str | None
    seconds: int | None
    on: bool | None
    rule: str | None


def _key(message: dict) -> str | None:
    key = message.get("key")
    if key is not None and not isinstance(key, str):
        raise ChatError("bad_message", "The room's key must be a string in 'key'.")
    return key


def _whole(message: dict, name: str, low: int, high: int) -> int | None:
    value = message.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ChatError("bad_message", f"{name!r} must be a whole number from {low} to {high}.")
    return value


def retract_request(message: dict, joined: bool) -> Retract:
    """A ``retract`` message: only once joined; ``seq``, and ``key`` or ``client_id``."""
    if not joined:
        raise ChatError("not_joined", "Send a join message before taking a line back.")
    seq = _whole(message, "seq", 1, 2**62)
    if seq is None:
        raise ChatError("bad_message", "Say which line to take back in 'seq'.")
    client_id = message.get("client_id")
    if client_id is not None and (not isinstance(client_id, str) or not 1 <= len(client_id) <= 64):
        raise ChatError("bad_message", "'client_id' must be 1 to 64 characters.")
    return Retract(seq, _key(message), client_id)


def moderate_request(message: dict, joined: bool, max_name: int) -> Moderate:
    """A ``moderate`` message, checked field by field (docs/protocol.md)."""
    if not joined:
        raise ChatError("not_joined", "Send a join message before moderating.")
    action, scope = message.get("action"), message.get("scope", "room")
    if action not in ACTIONS:
        raise ChatError("bad_message", f"'action' must be one of {', '.join(ACTIONS)}.")
    if scope not in SCOPES:
        raise ChatError("bad_message", f"'scope' must be one of {', '.join(SCOPES)}.")
    name = message.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name) > max_name:
            raise ChatError("bad_message", f"'name' must be a name of 1 to {max_name} "
                            "characters.")
        try:
            name = check_name(name, "The name").strip()
        except BadText as error:
            raise ChatError("bad_text", error.reason) from None
    address = message.get("address")
    if address is not None and (not isinstance(address, str) or not 1 <= len(address) <= 64):
        raise ChatError("bad_message", "'address' must be an IP address.")
    seconds = _whole(message, "seconds", 0, MAX_SECONDS)
    on = message.get("on")
    if on is not None and not isinstance(on, bool):
        raise ChatError("bad_message", "'on' must be true or false.")
    rule = message.get("rule")
    needs = {"mute": ("name", "seconds"), "unmute": ("name",), "moderator": ("name",),
             "unmoderator": ("name",), "slow": ("seconds",), "read_only": ("on",),
             "clear": ("rule",)}.get(action, ())
    given = {"name": name, "seconds": seconds, "on": on, "rule": rule}
    for needed in needs:
        if given[needed] is None:
            raise ChatError("bad_message", f"{action!r} needs {needed!r}.")
    if action in ("ban", "unban") and name is None and address is None:
        raise ChatError("bad_message", f"{action!r} needs a 'name' (of someone here) or "
                        "an 'address'.")
    if action == "clear" and rule not in CLEARABLE:
        raise ChatError("bad_message", f"'rule' must be one of {', '.join(CLEARABLE)}.")
    return Moderate(action, scope, _key(message), name, address, seconds, on, rule)


def log_request(message: dict, joined: bool) -> str | None:
    """A ``log`` message: only once joined; its optional ``key``."""
    if not joined:
        raise ChatError("not_joined", "Send a join message before reading the log.")
    return _key(message)


def moderates_claim(token: str) -> tuple:
    """The ``moderates`` claim of a token already verified (chat/core/tokens.py): the
    group names (``"*"``: everywhere) the site lets its member moderate."""
    payload = token.split(".")[0]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return ()
    claim = claims.get("moderates") if isinstance(claims, dict) else None
    if not isinstance(claim, list):
        return ()
    return tuple(c for c in claim if isinstance(c, str))[:100]
