"""IBroker implementations: in-process (local.py) and Redis pub/sub (redis.py).

``make_broker(url, prefix)`` picks one by the ``broker_url`` setting: empty
for the in-process broker (one process), ``redis://host:port/db`` for Redis.
"""

from __future__ import annotations


def make_broker(url: str, prefix: str = "piratechat:"):
    if not url:
        from .local import LocalBroker

        return LocalBroker()
    if url.startswith("redis://"):
        from .redis import RedisBroker

        return RedisBroker(url, prefix)
    raise ValueError(f"broker_url: not a Redis URL (redis://host:port/db) nor empty: {url!r}")
