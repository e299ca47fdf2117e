"""Made tests/data/Data-bb68348.fs: a database written by main at commit bb68348.

Run with that commit's code first on the path, not this tree's:
    git archive bb68348 | tar -x -C /tmp/pc-old
    PYTHONPATH=/tmp/pc-old .venv/bin/python tests/data/make_bb68348.py tests/data/Data-bb68348.fs
(then drop the .index, .lock and .tmp files beside it). Not collected by pytest.
"""

import sys

import piratechat
from piratechat.rooms.evolve import evolve
from piratechat.storage.database import open_database
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer


def main(path: str) -> None:
    assert piratechat.__file__.startswith("/tmp/pc-old"), piratechat.__file__
    db = open_database("file://" + path)
    evolve(db)
    history = ZODBHistory(db, Writer(db, max_batch=1))
    for room, count in (("lobby", 3), ("deck", 5), ("käpt-n-blaubär", 2)):
        for n in range(1, count + 1):
            history.append(room, {"author": "Ann", "text": f"{room} line {n}",
                                  "translation": f"Arr {n}", "translator": "pirate",
                                  "at": f"2026-11-30T12:00:0{n}.000Z"})
    history.writer.close()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
