"""Made tests/data/Data-48bcfdc.fs: a database written by main at commit 48bcfdc
(schema 4: one persistent Line per line), for evolve step 5's tests.

Run with that commit's code first on the path, not this tree's:
    git archive 48bcfdc | tar -x -C /tmp/pc-main
    PYTHONPATH=/tmp/pc-main .venv/bin/python tests/data/make_48bcfdc.py tests/data/Data-48bcfdc.fs
(then drop the .index, .lock and .tmp files beside it). Not collected by pytest.
"""

import sys

import piratechat
from piratechat.rooms.evolve import evolve
from piratechat.storage.database import open_database
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer

#: Lines per room: "deck" fills more than one chunk of the new schema.
ROOMS = (("lobby", 3), ("deck", 40), ("käpt-n-blaubär", 2))


def main(path: str) -> None:
    assert piratechat.__file__.startswith("/tmp/pc-main"), piratechat.__file__
    db = open_database("file://" + path)
    evolve(db)
    history = ZODBHistory(db, Writer(db, max_batch=1))
    for room, count in ROOMS:
        for n in range(1, count + 1):
            at = f"2026-11-30T12:00:{n:02d}.{n:03d}Z"
            line = {"author": "Ann", "text": f"{room} line {n}", "translation": f"Arr {n}",
                    "translator": "pirate", "at": at}
            if n % 2:
                line["client_id"] = f"ann-{n}"
            if n == 2:
                line["fallback"] = "remote"
            history.append(room, line)
    history.writer.close()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
