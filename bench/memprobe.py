"""What a running ``piratechat serve`` holds, counted from inside it (bench.soak --probe).

    python -m bench.memprobe FOLDER [--tracemalloc] -- serve --ini ... --port 0

Runs ``piratechat serve`` with a greenlet that answers requests dropped in
FOLDER: ``touch FOLDER/ask-N`` and it writes ``FOLDER/ask-N.json`` (after a
full collection): RSS, the objects the collector tracks by type, the loggers
``logging`` keeps, the ZODB connections' cache sizes and, with
``--tracemalloc``, the source lines whose allocations grew most since the
first answer; what Python's allocator and glibc's malloc hold and use. An ask
file that says ``trim`` also gets the RSS after ``malloc_trim(0)``. Asking
costs a full walk of the heap (some 100 ms): ask every few thousand cycles,
not every second. For finding what grows; the RSS the
soak judges is read from /proc, outside.
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import os
import re
import sys
import tempfile
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
        "pymalloc": pymalloc(),
        "malloc": glibc_malloc(),
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


def pymalloc() -> dict:
    """Python's small-object allocator (``sys._debugmallocstats``): its arenas'
    bytes (memory it holds from the OS) and the bytes of blocks in use in them."""
    fd, path = tempfile.mkstemp()
    saved = os.dup(2)
    try:
        os.dup2(fd, 2)
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)
    text = Path(path).read_text()
    os.unlink(path)

    def figure(label: str) -> int:
        found = re.search(r"^" + re.escape(label) + r"\s*=\s*([\d,]+)", text, re.M)
        return int(found.group(1).replace(",", "")) if found else 0

    arenas = re.search(r"^(\d+) arenas \* (\d+) bytes/arena", text, re.M)
    return {"arena_bytes": int(arenas.group(1)) * int(arenas.group(2)) if arenas else 0,
            "used_bytes": figure("# bytes in allocated blocks")}


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
                "keepcost".split()]


def glibc_malloc() -> dict:
    """glibc's malloc (what Python's objects over 512 bytes, C extensions and
    libraries take), all arenas: bytes in use, bytes free but held."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return {}
    info = libc.mallinfo2()
    return {"used_bytes": info.uordblks + info.hblkhd, "free_bytes": info.fordblks,
            "heap_bytes": info.arena + info.hblkhd}


def trimmed() -> int | None:
    """The RSS after glibc's ``malloc_trim(0)`` gave back the free pages it held."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return proc_rss_kb(os.getpid())


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
            if ask.read_text().strip() == "trim":  # after the counts: what free() kept
                found["rss_after_trim_kb"] = trimmed()
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
