"""heap.py: a server's long-lived objects stay out of full collections, and
cycles among them are still collected once the frozen heap has grown.

Each case runs in a Python process of its own: freezing changes the whole
process's collector, which the test process must keep as it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> dict:
    """Run ``code`` (after ``from piratechat import heap``) in a fresh process;
    the JSON it prints last."""
    program = "import gc, json\nfrom piratechat import heap\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_what_survives_a_full_pass_is_not_walked_by_the_next():
    found = run("""
        heap.freeze()  # the server's start-up heap
        class Connection:
            pass
        connections = [Connection() for _ in range(20_000)]  # long-lived, tracked
        gc.collect()  # a full pass: they survive it
        walked = len(gc.get_objects())  # what the next full pass would walk
        print(json.dumps({"walked": walked, "frozen": heap.frozen()}))
    """)
    assert found["walked"] < 1_000
    assert found["frozen"] > 20_000


def test_a_cycle_among_frozen_objects_is_collected_once_the_frozen_heap_has_grown():
    found = run("""
        import weakref
        heap.freeze()
        class Connection:
            pass
        closed = Connection()
        closed.me = closed  # a cycle: reference counting alone never frees it
        gone = weakref.ref(closed)
        gc.collect()  # it survives, and is frozen
        del closed
        gc.collect()
        kept_while_small = gone() is not None
        grown = [Connection() for _ in range(heap.THAW_GROWTH * heap.frozen())]
        gc.collect()  # frozen heap grown past THAW_GROWTH times: this pass walks it all
        gc.collect()
        print(json.dumps({"kept_while_small": kept_while_small, "collected": gone() is None,
                          "thaws": heap.thaws[0], "walked": len(gc.get_objects())}))
    """)
    assert found["kept_while_small"]  # the price: kept until the frozen heap grows
    assert found["collected"]
    assert found["thaws"] == 1
    assert found["walked"] < 1_000  # and what survived is frozen again
