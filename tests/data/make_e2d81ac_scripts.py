"""Made tests/data/Data-e2d81ac-scripts.fs: a database written by main at commit e2d81ac (schema
6, before the search index), with lines in several scripts and a room of several chunks.

Run with that commit's code first on the path, not this tree's:
    git archive e2d81ac | tar -x -C /tmp/pc-old
    PYTHONPATH=/tmp/pc-old .venv/bin/python tests/data/make_e2d81ac_scripts.py \
        tests/data/Data-e2d81ac-scripts.fs
(then drop the .index, .lock and .tmp files beside it). Not collected by pytest.
"""

import sys

import piratechat
from piratechat.rooms.evolve import evolve
from piratechat.storage.database import open_database
from piratechat.storage.history import ZODBHistory
from piratechat.storage.writer import Writer

#: What each room says; "deck" says 40 lines, more than two chunks.
SAID = {
    "lobby": ["Ahoy, CAPTAIN!", "Crème brûlée for the crew"],
    "käpt-n-blaubär": ["STRASSE der Piraten", "東京都に住んでいます", "ภาษาไทยง่ายนิดเดียว"],
    "deck": [f"deck line {n}: swab the deck" for n in range(1, 41)],
}


def main(path: str) -> None:
    assert piratechat.__file__.startswith("/tmp/pc-old"), piratechat.__file__
    db = open_database("file://" + path)
    evolve(db)
    history = ZODBHistory(db, Writer(db, max_batch=1))
    second = 0
    for room, lines in SAID.items():
        for text in lines:
            second += 1
            history.append(room, {"author": "Ann", "text": text, "translation": "Arr",
                                  "translator": "pirate",
                                  "at": f"2026-12-07T12:{second // 60:02d}:{second % 60:02d}.000Z"})
    history.writer.close()
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
