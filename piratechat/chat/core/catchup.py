"""Catch-up: which lines a member gets when it joins or comes back, and in what order.

The rules apart from storage and sockets (the history is read through the
``read`` function the caller passes; the hub keeps per-member state and
calls ``release`` and ``unseen``):

* A newcomer (no ``after``) gets the room's last ``recent`` lines. One that
  says the last seq it saw gets every line after it, up to ``max_backlog``
  of the newest; older missed ones are announced by a ``gap`` message (the
  client fetches them from the room's history URL). An ``after`` beyond the
  room's last line means the history was reset: a ``reset`` message, then
  the recent lines; unless the client named the history's epoch
  (``same_epoch``): then this process's view of the history is behind the
  client (it saw a line another process stored a moment ago, which the
  storage has not shown here yet), and nothing is sent now.
* Lines are cut, oldest first, to half the client's queue limit, so a
  catch-up never gets its client dropped as slow, and to what its address
  may still read (``allowance``: chat/runtime/limits.py); one line is always sent. A
  returning member is told of the lines cut by a ``gap``.
* Live lines that arrive while a member reads the history are held; once it
  is caught up to seq ``last``, only the held lines after ``last`` (and every
  notice) go out, and until a newer line reaches it, lines numbered at or
  below what it was sent are skipped. So a join loses nothing and repeats
  nothing, however the commits and the read interleave.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .messages import dumps

#: ``read(after, limit)`` -> (the room's last seq, up to ``limit`` of the newest
#: lines after ``after``): IHistory.since for one room.
Read = Callable[[int, int], tuple[int, list[dict]]]

#: Bytes a line costs in a client's queue beyond its JSON (the frame around it).
FRAME_BYTES = 8
#: Fewer bytes than any line's JSON (a line of one character by a one-letter
#: author, with its fixed fields, is 155).
MIN_LINE_BYTES = 128


def catch_up(room: str, after: int | None, read: Read, recent: int, max_backlog: int,
             max_queue: int, allowance: float = math.inf,
             same_epoch: bool = False) -> tuple[int, list[dict], int]:
    """The messages a joining member is sent before live lines, the last seq
    of this process's view of the room (they cover it, or ``after``), and the
    bytes of their lines."""
    notes: list[dict] = []
    budget = min(max_queue // 2, allowance)
    # No more lines are read than the budget could hold: a join whose address
    # has read its share costs one line's read, not a backlog's.
    most = max(1, int(min(budget // MIN_LINE_BYTES, 2**31)))
    if after is None:
        last, lines = read(0, min(recent, most))
    else:
        last, lines = read(after, min(max_backlog, most))
        if after > last and same_epoch:
            return last, [], 0
        if after > last:
            last, lines = read(0, min(recent, most))
            notes.append({"type": "reset", "room": room, "seq": last})
            after = None
    lines, size = fit(lines, budget)
    if after is not None and lines and lines[0]["seq"] > after + 1:
        notes.append({"type": "gap", "room": room, "after": after, "before": lines[0]["seq"]})
    return last, notes + lines, size


def fit(lines: list[dict], budget: float) -> tuple[list[dict], int]:
    """The newest of ``lines`` that fit in ``budget`` bytes as sent (at least
    one), and their bytes."""
    sizes = [len(dumps(line)) + FRAME_BYTES for line in lines]
    total, first = sum(sizes), 0
    while len(lines) - first > 1 and total > budget:
        total -= sizes[first]
        first += 1
    return lines[first:], total


def release(held: Sequence[tuple[int | None, str]], last: int) -> tuple[list[str], int]:
    """What a member caught up to ``last`` is sent of what was ``held`` for it
    (notices, seq None, always; lines only after ``last``), and the newest seq
    it has then been sent."""
    newer = [(seq, payload) for seq, payload in held if seq is None or seq > last]
    sent = max((seq for seq, _ in newer if seq is not None), default=last)
    return [payload for _, payload in newer], sent


def unseen(seqs: Sequence[int], payloads: Sequence[str], sent: int) -> list[str]:
    """Of a batch of lines, those a member that was sent up to ``sent`` has not seen."""
    return [payload for seq, payload in zip(seqs, payloads, strict=True) if seq > sent]
