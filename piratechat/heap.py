"""A server's long-lived heap, kept out of the garbage collector's full passes.

A full collection walks every object the collector tracks, and the process
stops for it. After start-up most of them (modules, functions, the
component registry, templates: some 100,000 in a worker) live for good, so
walking them again finds nothing. ``freeze`` moves them to the collector's
permanent generation once the app is built, so a full pass walks only what
the chat made since (its sessions, rooms, queued lines).

Measured in a gunicorn worker, 1,000 connections in 100 rooms, 500 lines/s
(bench, rooms scenario): a full pass during the run took 112-114 ms over
130,000 objects before, 10-11 ms over 31,000-35,000 after; the slowest
line, median of 5 alternated runs, 105 -> 23 ms (p99 and CPU: within the
noise of identical runs).

The same holds for connections: one holds some 20 tracked objects (its
socket, its watchers, its session...) for as long as it is open, so at
10,000 a full pass walked 200,000 objects that survive it (168 ms, issue 24).
So ``watch`` also freezes what survives each full pass: the next one walks
only what was made since, and comes once that is a quarter of what the last
one walked (CPython's rule) and after ``FULL_PASS_EVERY`` passes over the
middle generation, so passes stay small: at 10,000 connections joining, three
passes over ~70,000 objects each (36 ms of CPU) became many short ones.
Reference counting still frees frozen objects; a cycle among them is not
collected while frozen (one closed connection leaves some 0.04 such objects,
measured with 1,000). So when the frozen heap
has grown to ``THAW_GROWTH`` times its size after the last full walk, the
next full pass walks everything once (``thaws``): the garbage so kept is
bounded by the live heap's size.

``watch`` counts full passes, their seconds and their CPU seconds for
``/metrics``, for the whole process (one collector, whatever the number of
apps). Only servers call ``freeze``, once, after building the app (tests that
build many apps do not).
"""

from __future__ import annotations

import gc
import time

#: Full passes since ``watch``: [count, seconds, slowest, slowest in CPU seconds].
full_passes = [0, 0.0, 0.0, 0.0]
#: Full passes that walked the whole heap again (``THAW_GROWTH``).
thaws = [0]
#: The frozen heap may grow to this many times its size after the last full walk.
THAW_GROWTH = 4
#: A full pass after this many passes over the middle generation (CPython: 10):
#: it walks what was promoted since the last, so the fewer, the shorter.
FULL_PASS_EVERY = 2
_started: list[tuple[float, float]] = []
_walked = [0]  # frozen objects after the last full walk (0: not frozen yet)
#: Objects frozen since the last full walk, counted as they are frozen (an upper
#: bound: reference counting frees some): gc.get_freeze_count walks them all.
_added = [0]
_thawing = [False]


def freeze() -> int:
    """Collect once, then freeze what is left and, from then on, what survives each
    full pass; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    # The collector starts its next full pass once what it promoted since the last
    # one is a quarter of what that one left: after a pass over nothing (all is
    # frozen), that is a few objects, not a quarter of the start-up heap, so full
    # passes stay small (each one's survivors are frozen in turn, see _full_pass).
    gc.collect()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)
    _walked[0], _added[0] = frozen(), 0
    watch()
    return _walked[0]


def frozen() -> int:
    """Objects frozen now (counted one by one: for /metrics, not for every pass)."""
    return gc.get_freeze_count()


def watch() -> None:
    """Time this process's full passes (once per process)."""
    if _full_pass not in gc.callbacks:
        gc.callbacks.append(_full_pass)


def _grown() -> bool:
    """Has the frozen heap grown ``THAW_GROWTH`` times since the last full walk?
    Counted exactly only once the objects frozen since say it may have."""
    if _walked[0] + _added[0] <= THAW_GROWTH * _walked[0]:
        return False
    _added[0] = frozen() - _walked[0]  # what is still there of them
    return _walked[0] + _added[0] > THAW_GROWTH * _walked[0]


def _full_pass(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        if _walked[0] and _grown():
            gc.unfreeze()  # this pass walks everything: cycles among the frozen go
            _thawing[0] = True
            thaws[0] += 1
        _started[:] = [(time.perf_counter(), time.thread_time())]
    elif _started:
        wall, cpu = _started.pop()
        seconds, cpu_seconds = time.perf_counter() - wall, time.thread_time() - cpu
        full_passes[0] += 1
        full_passes[1] += seconds
        full_passes[2] = max(full_passes[2], seconds)
        full_passes[3] = max(full_passes[3], cpu_seconds)
        if _walked[0]:  # a server's heap: what survived lives on
            survived = len(gc.get_objects(generation=2))  # what this pass walked and kept
            gc.freeze()
            if _thawing[0]:
                _walked[0], _added[0], _thawing[0] = survived, 0, False
            else:
                _added[0] += survived
