"""Made tests/data/Data-e2d81ac.fs: a database written by main at commit e2d81ac
(schema 6: lines in chunks, no moderation), for evolve step 8's tests.

Run with that commit's code first on the path, not this tree's:
    git archive e2d81ac | tar -x -C /tmp/pc-e2d81ac
    PYTHONPATH=/tmp/pc-e2d81ac .venv/bin/python tests/data/make_e2d81ac.py \
        tests/data/Data-e2d81ac.fs
(then drop the .index, .lock and .tmp files beside it). Not collected by pytest.
"""

import sys

import piratechat
from piratechat.rooms.evolve import evolve
from piratechat.storage.database import open_database
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer

#: Lines per room: "deck" fills more than one chunk.
ROOMS = (("lobby", 3), ("deck", 40))


def main(path: str) -> None:
    assert piratechat.__file__.startswith("/tmp/pc-e2d81ac"), piratechat.__file__
    db = open_database("file://" + path)
    evolve(db)
    history = ZODBHistory(db, Writer(db, max_batch=1))
    for room, count in ROOMS:
        for n in range(1, count + 1):
            at = f"2026-12-07T12:00:{n:02d}.{n:03d}Z"
            history.append(room, {"author": "Ann", "text": f"{room} line {n}",
                                  "translation": f"Arr {n}", "translator": "pirate", "at": at})
    history.writer.close()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
