"""A server's start-up heap, kept out of the garbage collector's full passes.

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
noise of identical runs). Frozen objects are never
freed; only servers call this, once, after building the app (tests that
build many apps do not).

``watch`` counts full passes and their seconds for ``/metrics``, for the
whole process (one collector, whatever the number of apps).
"""

from __future__ import annotations

import gc
import time

#: Full passes since ``watch`` and their seconds: [count, seconds, slowest].
full_passes = [0, 0.0, 0.0]
_started: list[float] = []


def freeze() -> int:
    """Collect once, then freeze what is left; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    watch()
    return frozen()


def frozen() -> int:
    return gc.get_freeze_count()


def watch() -> None:
    """Time this process's full passes (once per process)."""
    if _time_full_pass not in gc.callbacks:
        gc.callbacks.append(_time_full_pass)


def _time_full_pass(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        seconds = time.perf_counter() - _started.pop()
        full_passes[0] += 1
        full_passes[1] += seconds
        full_passes[2] = max(full_passes[2], seconds)
