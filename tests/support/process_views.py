"""Contract suites for state shared by a cluster's processes (IPresence,
IRoomNames): one state in this process's memory, or in the machine's Redis
under the test's own prefix, seen through as many "processes" as a test asks
for, with a clock the test moves so nothing waits."""

from __future__ import annotations

from contextlib import contextmanager

from piratechat.broker.redis import pooled_client

TTL = 30.0


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def process_views(kind: str, redis_url: str, prefix: str, local, remote):
    """``(view, clock)``: ``view()`` is one more process's view of one state:
    ``local(TTL, clock)`` shared as is, or ``remote(client, TTL, prefix, clock)``
    anew each time over one Redis client; the Redis keys go at the end."""
    clock = Clock()
    if kind == "local":
        state = local(TTL, clock)
        yield (lambda: state), clock
        return
    client = pooled_client(redis_url)
    try:
        yield (lambda: remote(client, TTL, prefix, clock)), clock
    finally:
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)
        client.close()
