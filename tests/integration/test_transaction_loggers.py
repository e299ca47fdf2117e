"""Reading the database from many greenlets leaves no logger behind (issue 25).

The transaction package names a logger after the thread that begins a
transaction, and under gevent every greenlet is a thread of its own: each
join's reads used to add a ``txn.<ident>`` logger that ``logging`` keeps for
good. The reads run here as in the server: in a gevent-patched process (its
own, so this test process stays unpatched), on a real FileStorage, through
the app's ``reading`` and its writer.
"""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import scratch_zodb_uri

ROOT = Path(__file__).resolve().parents[2]

READS = 300

SCRIPT = """
from gevent import monkey
monkey.patch_all()
import json, logging, sys
import gevent
from gevent.event import Event
from piratechat.storage import open_storage
from piratechat.storage.database import reading
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer
from piratechat.settings import Settings

def txn_loggers():
    return sorted(name for name in logging.Logger.manager.loggerDict if name.startswith("txn"))

db = open_storage(Settings(zodb_uri=sys.argv[1]))
history = ZODBHistory(db, Writer(db))
history.append("lobby", {"author": "Ann", "at": "2026-01-01T00:00:00", "text": "hi",
                         "translation": "ahoy", "translator": "pirate"})
before = txn_loggers()
all_in = Event()

def join(n):  # what a join reads, each in a greenlet of its own, all alive at once
    history.epoch("lobby")
    history.since("lobby", 0, 50)
    all_in.wait()

greenlets = [gevent.spawn(join, n) for n in range(int(sys.argv[2]))]
gevent.sleep(0.1)
all_in.set()
gevent.joinall(greenlets, raise_error=True)
print(json.dumps({"before": before, "after": txn_loggers()}))
"""


def test_reads_in_many_greenlets_leave_no_logger_each():
    done = subprocess.run([sys.executable, "-c", SCRIPT, scratch_zodb_uri(), str(READS)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loggers = json.loads(done.stdout.splitlines()[-1])
    new = [name for name in loggers["after"] if name not in loggers["before"]]
    assert new == [], f"{len(new)} loggers made by {READS} reads: {new[:3]}..."
    assert all(name == "txn" for name in loggers["after"])
