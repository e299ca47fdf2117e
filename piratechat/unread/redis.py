"""ILastRead in Redis: every process of a cluster sees a reader's marks.

One hash per reader at ``<prefix>read:<reader>``: room -> last-read seq. A
mark only ever moves forward, atomically (a script: two devices marking at
once keep the greater). The hash expires ``KEEP_SECONDS`` after the reader's
last mark, so readers who never come back leave nothing behind.
"""

from __future__ import annotations

from zope.interface import implementer

from ..interfaces import ILastRead

#: A reader's marks are forgotten this long after their last read: 90 days.
KEEP_SECONDS = 90 * 24 * 3600

_FORWARD = """
local kept = redis.call('HGET', KEYS[1], ARGV[1])
local seq = tonumber(ARGV[2])
if not kept or seq > tonumber(kept) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  kept = seq
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return tonumber(kept)
"""


@implementer(ILastRead)
class RedisLastRead:
    def __init__(self, client, prefix: str = "piratechat:", keep: int = KEEP_SECONDS):
        self.client = client
        self.prefix = prefix
        self.keep = keep
        self._forward = client.register_script(_FORWARD)

    def _key(self, reader: str) -> str:
        return f"{self.prefix}read:{reader}"

    def mark(self, reader: str, room: str, seq: int) -> int:
        return int(self._forward(keys=[self._key(reader)], args=[room, seq, self.keep]))

    def marks(self, reader: str, rooms: list[str]) -> dict[str, int]:
        if not rooms:
            return {}
        found = self.client.hmget(self._key(reader), rooms)
        return {room: int(seq) for room, seq in zip(rooms, found, strict=True)
                if seq is not None}
