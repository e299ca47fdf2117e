"""What moderation costs a line, and what reading a room's rules costs.

    .venv/bin/python -m bench.rules_lookup [--rooms 10000] [--mutes 0,1000]

A line pays ``check_say`` on the rules its process keeps for the room (a dict
lookup or two); the rules are read along the room's lineage (room, group,
chat: moderation/tree.py) once per ``rules_reuse_seconds`` per room, or after
a change. The read walks the levels and copies their mutes and bans, so it
grows with those (``--mutes`` set on the whole chat), never with the number
of rooms (``--rooms``, all in one group). In memory, without ZODB: the
database's own read costs come on top (bench/reads_probe.py).
"""

from __future__ import annotations

import argparse
import time
import timeit

from piratechat.moderation import core
from piratechat.moderation.service import _effective
from piratechat.moderation.tree import rules_of
from piratechat.rooms.resources import Root


def tree(rooms: int, mutes: int) -> Root:
    root = Root()
    root.rooms.groups.add("crew")
    for n in range(rooms):
        root.rooms.add(f"room-{n}").group = "crew"
    rules_of(root.rooms.groups.get("crew"), make=True).slow = 5
    until = time.time() + 3600
    for n in range(mutes):
        root.rooms.rules.mutes[f"name {n}"] = until
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", default="100,10000")
    parser.add_argument("--mutes", default="0,1000")
    args = parser.parse_args()
    print("| rooms | chat-wide mutes | read a room's rules (µs) | check a line (µs) |")
    print("| ---: | ---: | ---: | ---: |")
    for rooms in (int(r) for r in args.rooms.split(",")):
        for mutes in (int(m) for m in args.mutes.split(",")):
            read, check = measure(tree(rooms, mutes))
            print(f"| {rooms} | {mutes} | {read * 1e6:.1f} | {check * 1e6:.2f} |")


def measure(root: Root, reads: int = 200, checks: int = 100_000) -> tuple[float, float]:
    """Seconds to read one room's rules, and to check one line against them."""
    read = timeit.timeit(lambda: _effective(root, "room-7"), number=reads) / reads
    rules = _effective(root, "room-7")
    person = core.Person("Quiet", False, "192.0.2.1", False)
    check = timeit.timeit(lambda: core.check_say(rules, person, False, None, time.time()),
                          number=checks) / checks
    return read, check


if __name__ == "__main__":
    main()
