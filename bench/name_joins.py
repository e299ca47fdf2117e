"""``python -m bench.name_joins --n 10000``: what "is this name taken here" costs a
join as one room fills to N members, in one process, without sockets.

Now: chat/core/names.py's RoomNames, one lookup of the name's key. Before (issue 25,
finding 5): each join compared its name, case-folded, with every other
member's (``ChatSession._names_in`` and ``rules.check_free``), reproduced
here in three lines as the reference. ``--redis URL``: also the cluster's
names (chat/runtime/names_redis.py's RedisRoomNames: one script call a join, a round
trip to Redis), and one refresh of all N names (every ``presence_ttl / 3``).
"""

from __future__ import annotations

import argparse
import time
import uuid

from piratechat.chat.core.names import RoomNames


def fill_with_lookups(n: int) -> list[float]:
    names, costs = RoomNames(), []
    for number in range(n):
        start = time.perf_counter()
        names.take("deck", f"Pirate {number}", number)
        costs.append(time.perf_counter() - start)
    return costs


def fill_in_redis(url: str):
    """A fill of RedisRoomNames (under a prefix of its own, removed after)."""
    from piratechat.broker.redis import pooled_client
    from piratechat.chat.runtime.names_redis import RedisRoomNames

    def fill(n: int) -> list[float]:
        client, prefix = pooled_client(url), f"bench-names-{uuid.uuid4().hex[:8]}:"
        names, costs = RedisRoomNames(client, 30.0, prefix), []
        try:
            for number in range(n):
                start = time.perf_counter()
                names.take("deck", f"Pirate {number}", number)
                costs.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert names.refresh() == []
            print(f"{'redis refresh':>17}: all {n:,} names at once: "
                  f"{time.perf_counter() - start:.3f} s")
        finally:
            for key in client.scan_iter(prefix + "*", count=1000):
                client.delete(key)
            client.close()
        return costs

    return fill


def fill_with_scans(n: int) -> list[float]:
    members, costs = [], []
    for number in range(n):
        start = time.perf_counter()
        folded = f"Pirate {number}".casefold()
        if any(other.casefold() == folded for other in members):
            raise AssertionError("unique names")
        members.append(f"Pirate {number}")
        costs.append(time.perf_counter() - start)
    return costs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="members the room fills to")
    parser.add_argument("--redis", default="", help="redis://... : the cluster's names too")
    args = parser.parse_args(argv)
    n = args.n
    fills = [("key lookup (now)", fill_with_lookups), ("scan (before)", fill_with_scans)]
    if args.redis:
        fills.insert(1, ("redis key (cluster)", fill_in_redis(args.redis)))
    for what, fill in fills:
        costs = fill(n)
        last = costs[-max(1, n // 100):]  # the last 1%: joins into a full room
        print(f"{what:>17}: filling a room of {n:,}: {sum(costs):.3f} s; "
              f"a join into it: {sum(last) / len(last) * 1e6:,.1f} µs")


if __name__ == "__main__":
    main()
