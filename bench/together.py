"""Run a load's clients at once, one thread each, and time them together.

The page benchmarks (plone_bench, theme_bench) measure requests per second
over many concurrent clients: the wall time is from the first start to the
last end, so a slow client counts as it does for a server under load.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable


def run_together(client: Callable[..., object], arguments: Iterable[tuple]) -> float:
    """``client(*args)`` for each ``args``, in threads started together; the
    seconds until the last one returns."""
    threads = [threading.Thread(target=client, args=args) for args in arguments]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
