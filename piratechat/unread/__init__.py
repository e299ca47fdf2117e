"""Unread counts that follow a reader (docs/protocol.md, "Unread counts"): each
reader's last-read line per room, kept on the server (ILastRead: in process
memory, local.py, or Redis for a cluster, redis.py), and the reader's own
connections told, on every process, when it reads.

``make_last_read(broker, prefix)`` gives the one matching the broker, as
presence does: a Redis broker's processes share the marks in the same Redis.
"""

from __future__ import annotations


def make_last_read(broker, prefix: str = "piratechat:"):
    client = getattr(broker, "client", None)
    if client is None:
        from .local import LocalLastRead

        return LocalLastRead()
    from .redis import RedisLastRead

    return RedisLastRead(client, prefix)
