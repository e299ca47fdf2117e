"""What a running ``piratechat serve`` holds, counted from inside it (bench.soak --probe).

    python -m bench.memprobe FOLDER [--tracemalloc] -- serve --ini ... --port 0

Runs ``piratechat serve`` with a greenlet that answers requests dropped in
FOLDER: ``touch FOLDER/ask-N`` and it writes ``FOLDER/ask-N.json`` (after a
full collection): RSS, the objects the collector tracks by type, the loggers
``logging`` keeps, the ZODB connections' cache sizes and, with
``--tracemalloc``, the source lines whose allocations grew most since the
first answer. Asking costs a full walk of the heap (some 100 ms): ask every
few thousand cycles, not every second. For finding what grows; the RSS the
soak judges is read from /proc, outside.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

from .procfs import proc_rss_kb

TOP = 25  # types and source lines reported


def counts(first: list) -> dict:
    """The figures of one answer (see the module docstring)."""
    gc.collect()
    by_type = Counter(type(o).__module__ + "." + type(o).__qualname__ for o in gc.get_objects())
    loggers = logging.Logger.manager.loggerDict
    found = {
        "rss_kb": proc_rss_kb(os.getpid()),
        "gc_objects": sum(by_type.values()),
        "types": dict(by_type.most_common(TOP)),
        "loggers": len(loggers),
        "txn_loggers": sum(1 for name in list(loggers) if name.startswith("txn.")),
        "zodb": zodb_caches(),
    }
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)])
        if not first:
            first.append(snapshot)
        found["traced_kb"] = tracemalloc.get_traced_memory()[0] // 1024
        found["grown"] = [f"{stat.size_diff // 1024:+d} KB {stat.count_diff:+d} "
                          f"{stat.traceback.format()[-1].strip()}"
                          for stat in snapshot.compare_to(first[0], "lineno")[:TOP]]
    return found


def zodb_caches() -> list[dict]:
    """Every ZODB DB whose objects were loaded since start: objects in its
    connections' caches, its storage's index. (The DBs themselves were made
    before the server froze its heap, so the collector does not list them:
    they are found through the persistent objects it does list.)"""
    from persistent import Persistent

    dbs = {}
    for o in gc.get_objects():
        jar = getattr(o, "_p_jar", None) if isinstance(o, Persistent) else None
        if jar is not None and jar.db() is not None:
            dbs[id(jar.db())] = jar.db()
    found = []
    for db in dbs.values():
        storage = db.storage
        index = getattr(getattr(storage, "_storage", storage), "_index", None)
        caches = [connection._cache for connection in db.pool.all]
        found.append({"cached": db.cacheSize(), "cache_target": db.getCacheSize(),
                      "cache_bytes_target": db.getCacheSizeBytes(),
                      "estimated_bytes": sum(cache.total_estimated_size for cache in caches),
                      "each": sorted(((cache.cache_non_ghost_count, len(cache),
                                       cache.total_estimated_size) for cache in caches),
                                     key=lambda each: each[2], reverse=True),
                      "connections": len(db.cacheDetailSize()),
                      "storage_index": None if index is None else len(index)})
    return found


def answer(folder: Path) -> None:
    import gevent

    first: list = []
    n = 0
    while True:
        gevent.sleep(0.2)
        ask = folder / f"ask-{n}"
        if ask.exists():
            found = counts(first)
            partial = folder / f"ask-{n}.part"
            partial.write_text(json.dumps(found))
            partial.rename(folder / f"ask-{n}.json")
            n += 1


def main(argv: list[str]) -> int:
    folder, rest = Path(argv[0]), argv[argv.index("--") + 1:]
    if "--tracemalloc" in argv[:argv.index("--")]:
        tracemalloc.start(1)
    from gevent import monkey

    monkey.patch_all()
    import gevent

    from piratechat.cli import main as piratechat

    gevent.spawn(answer, folder)
    return piratechat(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
