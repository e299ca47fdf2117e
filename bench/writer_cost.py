"""The writer's CPU per line when many rooms talk at once (the rooms scenario's storage side).

    .venv/bin/python -m bench.writer_cost [--rooms 100] [--talkers 100] [--seconds 4]

TALKERS greenlets say lines as fast as they are stored into ROOMS rooms
(talker i into room i % ROOMS) through the real ZODBHistory and Writer on a
FileStorage with fsync on, for SECONDS; prints lines per second, lines per
commit and this process's CPU per line (the talkers' share is small: a dict
and a timestamp per line). To measure older code, run this file as a script
with that code first on the path: ``git archive REV | tar -x -C /tmp/old;
PYTHONPATH=/tmp/old .venv/bin/python bench/writer_cost.py`` (it prints which
code it ran).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

import piratechat  # noqa: E402
from piratechat.chat.messages import now  # noqa: E402
from piratechat.rooms.evolve import evolve  # noqa: E402
from piratechat.storage.database import open_database  # noqa: E402
from piratechat.storage.history import ZODBHistory  # noqa: E402
from piratechat.storage.writer import Writer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--talkers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="writer-cost-")
    db = open_database(f"file://{folder}/Data.fs")
    evolve(db)
    writer = Writer(db)
    history = ZODBHistory(db, writer)
    end = time.monotonic() + args.seconds
    said = [0]

    def talk(number: int) -> None:
        count = 0
        while time.monotonic() < end:
            history.append(f"room-{number % args.rooms}", {
                "author": "Bench", "text": f"line {number} {count} ahoy there matey",
                "translation": "arr", "translator": "pirate", "at": now()})
            count += 1
            said[0] += 1

    cpu = time.process_time()
    gevent.joinall([gevent.spawn(talk, n) for n in range(args.talkers)])
    cpu = time.process_time() - cpu
    print(f"code {piratechat.__file__}: {said[0] / args.seconds:,.0f} lines/s, "
          f"{said[0] / max(writer.commits, 1):.1f} lines/commit, "
          f"{1e6 * cpu / said[0]:.0f} µs CPU per line")
    writer.close()
    db.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
