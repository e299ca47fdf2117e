"""What each reader's own parrot adds to one room's fan-out, in the hub alone.

    .venv/bin/python -m bench.readings_fanout [--n 10000] [--lines 200]

The work tree's Hub (chat/runtime/hub.py) and Readings (chat/runtime/readings.py), in this
process, with N members whose ``send`` takes the batch's SockJS encoding (the
part built once per batch and shared) and keeps it: no sockets, so what is
timed is the hub's own work per delivery, the part readings change. Timed in
CPU time (time.process_time: not skewed by the machine's other processes),
lines one after another, each a new line (so every other reading of it is
translated once, as live): all members on the room's parrot, then the same
room with its readers spread evenly over four choices (the room's, bard,
yoda when installed else the pirate named explicitly, and the original).
The end-to-end figure, sockets included, is ``python -m bench --scenarios
single,readings`` (bench/README.md).
"""

from __future__ import annotations

import argparse
import time

from pyramid.config import Configurator

from piratechat.chat.core.messages import dumps
from piratechat.chat.core.reading_cache import ReadingCache
from piratechat.chat.runtime.hub import Hub
from piratechat.chat.runtime.limits import TranslationBudget
from piratechat.chat.runtime.readings import Readings
from piratechat.translators.registry import includeme, translator_named


class Member:
    """A member's session as far as the hub sees it: ``send`` and ``read_as``."""

    def __init__(self, read_as: str | None):
        self.read_as = read_as
        self.last = None

    def send(self, message, encoded: str | None = None) -> bool:
        self.last = message.encoded_texts  # built once per batch, shared
        return True


def registry():
    config = Configurator(settings={})
    config.include(includeme)
    config.commit()
    return config.registry


def run(n: int, lines: int, choices: list[str | None]) -> float:
    """µs of CPU per delivery over ``lines`` lines to ``n`` members."""
    hub = Hub()
    readings = Readings(registry(), TranslationBudget(1e9, 10**6, 1e9), ReadingCache())
    hub.read = readings.payloads
    for i in range(n):
        member = Member(choices[i % len(choices)])
        hub.join("deck", member)
        hub.caught_up("deck", member, 0)
    text = "Hello my friend, where is the beer? I am sure you will come tonight."
    start = time.process_time()
    for seq in range(1, lines + 1):
        hub.deliver("deck", dumps({
            "type": "line", "room": "deck", "seq": seq, "epoch": "e", "author": "Ann",
            "text": f"{text} {seq}", "translation": "ahoy", "translator": "pirate",
            "at": f"2026-12-07T20:00:00.{seq:06}Z"}))
        hub.drain()
    return (time.process_time() - start) / (n * lines) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=200)
    args = parser.parse_args()
    third = "yoda" if translator_named(registry(), "yoda") is not None else "pirate"
    spread = [None, "bard", third, "original"]
    one = run(args.n, args.lines, [None])
    four = run(args.n, args.lines, spread)
    print(f"N={args.n}, {args.lines} lines, hub only (no sockets), µs CPU per delivery:")
    print(f"  all on the room's parrot: {one:.3f}")
    print(f"  spread over {', '.join(str(c) for c in spread)}: {four:.3f}")
    print(f"  ratio: {four / one:.2f}x")


if __name__ == "__main__":
    main()
