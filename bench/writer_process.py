"""One process of bench/many_writers.py: talkers saying lines into one room, flat out.

    python -m bench.writer_process URI ROOM SECONDS TALKERS

ROOM may be several rooms, comma-separated: talker N says its lines into the
Nth (round robin). Each of them is then made before ``ready`` (a first line,
acknowledged like the others), so the conflicts reported, counted while
talking, are not those of processes creating rooms at once.

Prints ``started`` and waits for a line on stdin, then opens the storage as
the server does (piratechat.storage.open_storage: evolve, retries), so every
process creates the new database's root at once; prints ``ready``, waits for
another line (so every process talks at once), then lets TALKERS greenlets
say lines into ROOM through the real Writer and ZODBHistory for SECONDS.
Prints JSON: every acknowledged (seq, text), the lines refused, the writer's
conflicts and commits.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

from piratechat.chat.core.messages import now  # noqa: E402
from piratechat.settings import Settings  # noqa: E402
from piratechat.storage import open_storage  # noqa: E402
from piratechat.storage.history import ZODBHistory  # noqa: E402
from piratechat.storage.writer import Writer  # noqa: E402


def main(uri: str, room: str, seconds: float, talkers: int) -> dict:
    print("started", flush=True)
    sys.stdin.readline()  # every process opens the new database at the same moment
    started = time.monotonic()
    db = open_storage(Settings(zodb_uri=uri, storage_timeout=10))
    db.wait_open(120)
    opened = time.monotonic() - started
    writer = Writer(db)
    history = ZODBHistory(db, writer)
    rooms = room.split(",")
    acked: list[tuple[str, int, str]] = []
    if len(rooms) > 1:
        for made in rooms:
            text = f"{os.getpid()}-made"
            stored = history.append(made, {"author": "t", "text": text, "translation": text,
                                           "translator": "echo", "at": now()})
            acked.append((made, stored["seq"], text))
    conflicts = writer.conflicts
    print("ready", flush=True)
    sys.stdin.readline()
    refused: list[str] = []
    end = time.monotonic() + seconds

    def talk(who: int) -> None:
        n = 0
        while time.monotonic() < end:
            text = f"{os.getpid()}-{who}-{n}"
            n += 1
            try:
                stored = history.append(rooms[who % len(rooms)], {"author": f"t{who}", "text": text,
                                               "translation": text, "translator": "echo",
                                               "at": now()})
            except Exception as error:  # counted: the test wants none
                refused.append(repr(error))
                continue
            acked.append((stored["room"], stored["seq"], text))

    gevent.joinall([gevent.spawn(talk, who) for who in range(talkers)])
    result = {"acked": acked, "refused": refused, "conflicts": writer.conflicts - conflicts,
              "commits": writer.commits, "open_seconds": opened}
    writer.close()
    db.close()
    return result


if __name__ == "__main__":
    uri, room, seconds, talkers = sys.argv[1:5]
    print(json.dumps(main(uri, room, float(seconds), int(talkers))), flush=True)
