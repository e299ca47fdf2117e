"""FileStorage's fsync, in a thread, so the gevent hub keeps delivering meanwhile.

A commit's fsync is the slow part of storing a line (milliseconds to tens of
milliseconds on a real disk) and it blocks its OS thread. Done on the hub it
stalls every connection of the process. Here the committing greenlet hands
just the ``os.fsync(fd)`` to a native thread and waits for it; other
greenlets run meanwhile, and those that need the storage wait on its
(gevent) locks like they wait on anything else.

Only the fsync goes to the thread: it touches no Python lock. Running the
whole commit in a thread was measured and refused: the storage's
monkey-patched locks, when held by a native thread, leave greenlets of the
hub thread waiting forever (gevent raises LoopExit). The bench
(bench/history_bench.py) compares fsync in a thread against fsync inline.

FileStorage calls its module's ``fsync`` function (ZODB keeps it separate so
tests can replace it); ``install`` puts ours there.
"""

from __future__ import annotations

import importlib
import os

import gevent
from gevent._hub_local import get_hub_if_exists
from gevent.monkey import is_module_patched
from gevent.threadpool import ThreadPool

#: The module (not the class of the same name) whose ``fsync`` FileStorage calls.
filestorage_module = importlib.import_module("ZODB.FileStorage.FileStorage")

_state = {"in_thread": False, "pool": None}


def install(in_thread: bool) -> None:
    """Make FileStorage fsync through ``fsync`` below; ``in_thread`` picks the mode."""
    _state["in_thread"] = in_thread
    filestorage_module.fsync = fsync


def fsync(fd: int) -> None:
    """``os.fsync(fd)``, in a thread when called from a greenlet that may wait.

    Waiting is only safe when ``threading`` is monkey-patched: the committing
    greenlet holds the storage's locks while it waits, and other greenlets
    must be able to wait for those locks without blocking the OS thread (with
    native locks they would block it, and the fsync's answer would never be
    taken: a deadlock). Unpatched processes (commands, WebTest) fsync inline.
    """
    # The hub is per OS thread: none here means we are not on a gevent thread.
    hub = get_hub_if_exists() if _state["in_thread"] else None
    if hub is None or gevent.getcurrent() is hub or not is_module_patched("threading"):
        os.fsync(fd)
        return
    pool = _state["pool"]
    if pool is None or pool.hub is not hub:
        pool = _state["pool"] = ThreadPool(1, hub=hub)
    pool.apply(os.fsync, (fd,))
