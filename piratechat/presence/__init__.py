"""IPresence implementations: in process memory (local.py), Redis sorted sets (redis.py).

``make_presence(broker, ttl)`` gives the one matching the broker: a Redis
broker's processes share presence in the same Redis, an in-process broker
keeps it in memory.
"""

from __future__ import annotations


def make_presence(broker, ttl: float, prefix: str = "piratechat:"):
    client = getattr(broker, "client", None)
    if client is None:
        from .local import LocalPresence

        return LocalPresence(ttl)
    from .redis import RedisPresence

    return RedisPresence(client, ttl, prefix)
