"""Two writers on one database, racing, in a gevent-patched process as the server runs.

Run by test_history.py as ``python -m tests.integration.writers_race SCENARIO
DATA_FS``; prints what happened as JSON. Two Writers on one DB stand for two
worker processes on one ZEO or RelStorage database: each has its own
connection. Each change pauses a moment between storing its line and the
commit, as another process would be busy elsewhere, so the two transactions
really overlap: one reads what the other is about to change.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
from functools import partial  # noqa: E402

import gevent  # noqa: E402

from piratechat.chat.core.messages import now  # noqa: E402
from piratechat.rooms.evolve import evolve  # noqa: E402
from piratechat.storage.database import open_database  # noqa: E402
from piratechat.storage.history import ZODBHistory, _append  # noqa: E402
from piratechat.storage.writer import Writer  # noqa: E402


def said(text: str) -> dict:
    return {"author": "Ann", "text": text, "translation": text, "translator": "echo", "at": now()}


#: Which writers are inside a change now, and how often both were at once.
busy: set[int] = set()
overlaps = [0]


def slow_append(who: int, room: str, line: dict, root) -> dict:
    stored = _append(room, line, root)
    busy.add(who)
    overlaps[0] += len(busy) > 1
    gevent.sleep(0.002)  # the other writer runs its own transaction meanwhile
    busy.discard(who)
    return stored


def say(writers: list[Writer], who: int, room: str, text: str) -> dict:
    return writers[who].submit(partial(slow_append, who, room, said(text)), announce=True)


def main(scenario: str, data_fs: str) -> dict:
    db = open_database(f"file://{data_fs}")
    evolve(db)
    writers = [Writer(db), Writer(db)]
    histories = [ZODBHistory(db, writer) for writer in writers]
    rooms = ["deck", "deck"] if scenario == "same-room" else ["deck", "hold"]
    if scenario == "new-rooms":
        rooms = ["galley", "brig"]
    else:
        for history, room in zip(histories, rooms, strict=True):
            history.append(room, said("first"))
    sayers = [gevent.spawn(say, writers, n % 2, rooms[n % 2], f"l{n}") for n in range(100)]
    gevent.joinall(sayers, raise_error=True)
    result = {
        "conflicts": [writer.conflicts for writer in writers],
        "commits": [writer.commits for writer in writers],
        "overlaps": overlaps[0],
        "acked": sorted(s.value["seq"] for s in sayers if s.value["room"] == rooms[0]),
        "rooms": {},
    }
    for room in set(rooms):
        result["rooms"][room] = [(line["seq"], line["text"])
                                 for line in histories[0].after(room, 0, 1000)]
    db.close()
    return result


if __name__ == "__main__":
    json.dump(main(sys.argv[1], sys.argv[2]), sys.stdout)
