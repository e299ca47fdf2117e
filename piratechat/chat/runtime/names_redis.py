"""IRoomNames in Redis: every process of a cluster sees one holder per name.

A name held in a room is one key, ``<prefix>name:<room>:<name key>``
(chat/core/names.py's key), holding the JSON text ``[token, name, expiry]``:
which holder (a random token per connection, so holders of different
processes never mix; the owner's own, a digest of its ``sender_key``, when the
join gave one, so the same client is let back in on any process), the name
as it was given, and when it expires (Unix seconds, the processes' clocks, as
presence does). A take is one script,
one round trip: the name is given if the key is missing, expired or already
the holder's, so two processes asked at once give it to one. Expired keys
of a process that died are taken over by the next join; Redis drops the key
itself ``2 * ttl`` after its last write, so nothing is left behind.

With Redis unreachable the chat carries on, as with presence: a take is
checked against this process's own names only, and the next refresh after
Redis is back holds each name in Redis again (a name another process gave
meanwhile stays with both until one leaves; ``refresh`` answers those).

Also here, as the only I/O of room names: which IRoomNames a chat uses
(``make_room_names``) and the greenlet that keeps its names refreshed.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable

import gevent
import redis
from zope.interface import implementer

from ...interfaces import IRoomNames
from ..core.names import RoomNames, name_key, taken

log = logging.getLogger(__name__)

# KEYS[1]: the name's key. ARGV: the holder's token, the value to set, now, and
# how long (ms) Redis keeps the key. Answers nil (held now) or the value of
# the live holder it belongs to.
_TAKE = """
local value = redis.call('GET', KEYS[1])
if value then
  local held = cjson.decode(value)
  if held[1] ~= ARGV[1] and tonumber(held[3]) > tonumber(ARGV[3]) then
    return value
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
return false
"""

# KEYS[1]: the name's key; ARGV[1]: the holder's token. Deletes it if it is theirs.
_RELEASE = """
local value = redis.call('GET', KEYS[1])
if value and cjson.decode(value)[1] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@implementer(IRoomNames)
class RedisRoomNames:
    def __init__(self, client, ttl: float = 30.0, prefix: str = "piratechat:",
                 clock: Callable[[], float] = time.time):
        self.client = client
        self.ttl = ttl
        self.prefix = prefix
        self.clock = clock
        self._take = client.register_script(_TAKE)
        self._release = client.register_script(_RELEASE)
        # holder -> (room, key, name, token): what this process holds, to refresh
        self._held: dict[object, tuple[str, str, str, str]] = {}
        self._holders: dict[tuple[str, str], object] = {}  # (room, key) -> its holder here

    def _key(self, room: str, key: str) -> str:
        return f"{self.prefix}name:{room}:{key}"

    def _args(self, token: str, name: str) -> list:
        value = json.dumps([token, name, self.clock() + self.ttl], ensure_ascii=False)
        return [token, value, self.clock(), max(1, int(2 * self.ttl * 1000))]

    def take(self, room: str, name: str, holder: object, owner: str | None = None) -> None:
        key = name_key(name)
        before = self._held.get(holder)
        # The owner's connections share one token, so the script lets them take over.
        token = before[3] if before is not None else owner or uuid.uuid4().hex
        try:
            other = self._take(keys=[self._key(room, key)], args=self._args(token, name))
        except redis.RedisError as error:  # this process's names are checked still
            mine = self._holders.get((room, key))
            if mine is not None and mine is not holder:
                raise taken(name, room, self._held[mine][2]) from None
            log.warning("room names: Redis unreachable (%s); %r in %r is checked on this "
                        "process only, until the next refresh", error, name, room)
        else:
            if other is not None:
                raise taken(name, room, json.loads(other)[1])
        if before is not None and before[:2] != (room, key):
            self.release(holder)
        self._held[holder] = (room, key, name, token)
        self._holders[(room, key)] = holder

    def release(self, holder: object) -> None:
        held = self._held.pop(holder, None)
        if held is None:
            return
        room, key, _, token = held
        if self._holders.get((room, key)) is holder:
            del self._holders[(room, key)]
        try:
            self._release(keys=[self._key(room, key)], args=[token])
        except redis.RedisError as error:  # it expires
            log.warning("room names: releasing a name in %r failed (%s)", room, error)

    def refresh(self) -> list:
        held = list(self._held.items())
        if not held:
            return []
        pipe = self.client.pipeline(transaction=False)
        for _, (room, key, name, token) in held:
            self._take(keys=[self._key(room, key)], args=self._args(token, name), client=pipe)
        answers = pipe.execute()
        return [holder for (holder, _), other in zip(held, answers, strict=True)
                if other is not None]

    def __len__(self) -> int:
        return len(self._held)


def make_room_names(broker, ttl: float, prefix: str = "piratechat:"):
    """The IRoomNames matching ``broker``: shared in its Redis, else in memory."""
    client = getattr(broker, "client", None)
    if client is None:
        return RoomNames(ttl)
    return RedisRoomNames(client, ttl, prefix)


def keep_refreshed(names) -> gevent.Greenlet:
    """A greenlet refreshing ``names`` every ``ttl / 3`` seconds, for ever."""
    def beat():
        while True:
            gevent.sleep(names.ttl / 3)
            try:
                lost = names.refresh()
            except Exception as error:  # the next beat tries again; names expire meanwhile
                log.warning("room names: refreshing failed (%s)", error)
                continue
            if lost:
                log.warning("room names: %d names expired and were taken by others", len(lost))

    return gevent.spawn(beat)
