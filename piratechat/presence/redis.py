"""IPresence in Redis: one sorted set per room, each member scored by the
time (Unix seconds, the processes' clocks) it expires.

The set lives at ``<prefix>presence:<room>``; a member is the JSON text
``[id, name]``. Reads count and list only members scored in the future, so
the members of a process that died without a word stop counting ``ttl``
seconds after its last refresh, and the next sweep by any process removes
them (``ZREM`` answers 1 to one sweeper only: each is announced once). The
key itself expires ``2 * ttl`` after its last write, so abandoned rooms
leave nothing behind.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from zope.interface import implementer

from ..interfaces import IPresence


@implementer(IPresence)
class RedisPresence:
    def __init__(self, client, ttl: float = 30.0, prefix: str = "piratechat:",
                 clock: Callable[[], float] = time.time):
        self.client = client
        self.ttl = ttl
        self.prefix = prefix
        self.clock = clock

    def _key(self, room: str) -> str:
        return f"{self.prefix}presence:{room}"

    def _keep(self, pipe, key: str) -> None:
        pipe.expire(key, max(1, int(2 * self.ttl + 1)))

    def enter(self, room: str, member_id: str, name: str) -> None:
        key = self._key(room)
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(key, {_member(member_id, name): self.clock() + self.ttl})
        self._keep(pipe, key)
        pipe.execute()

    def leave(self, room: str, member_id: str, name: str) -> bool:
        return self.client.zrem(self._key(room), _member(member_id, name)) == 1

    def refresh(self, room: str, members: dict[str, str]) -> list[str]:
        if not members:
            return []
        key, expiry = self._key(room), self.clock() + self.ttl
        pipe = self.client.pipeline(transaction=False)
        for member_id, name in members.items():
            pipe.zadd(key, {_member(member_id, name): expiry}, nx=True)  # 1: was gone
            pipe.zadd(key, {_member(member_id, name): expiry}, xx=True)  # push the expiry
        self._keep(pipe, key)
        added = pipe.execute()[0:-1:2]
        return [member_id for member_id, new in zip(members, added, strict=True) if new]

    def members(self, room: str, limit: int) -> tuple[int, list[dict]]:
        key, now = self._key(room), self.clock()
        pipe = self.client.pipeline(transaction=False)
        pipe.zcount(key, f"({now}", "+inf")
        if limit > 0:
            pipe.zrangebyscore(key, f"({now}", "+inf", start=0, num=limit)
        count, *rest = pipe.execute()
        listed = rest[0] if rest else []
        people = [{"id": member_id, "name": name}
                  for member_id, name in (json.loads(item) for item in listed)]
        return count, sorted(people, key=lambda m: (m["name"], m["id"]))

    def counts(self, rooms) -> dict[str, int]:
        rooms, now = list(rooms), self.clock()
        pipe = self.client.pipeline(transaction=False)
        for room in rooms:
            pipe.zcount(self._key(room), f"({now}", "+inf")
        return dict(zip(rooms, pipe.execute(), strict=True))

    def sweep(self, room: str) -> list[dict]:
        key = self._key(room)
        expired = self.client.zrangebyscore(key, "-inf", self.clock())
        if not expired:
            return []
        pipe = self.client.pipeline(transaction=False)
        for item in expired:
            pipe.zrem(key, item)
        removed = pipe.execute()
        return [{"id": member_id, "name": name}
                for (member_id, name), gone in zip((json.loads(i) for i in expired), removed,
                                                   strict=True) if gone]


def _member(member_id: str, name: str) -> str:
    return json.dumps([member_id, name], ensure_ascii=False)
