"""The writer's CPU per line when many rooms talk at once (the rooms scenario's storage side).

    .venv/bin/python -m bench.writer_cost [--rooms 100] [--talkers 100] [--seconds 4]
    .venv/bin/python -m bench.writer_cost --rate 5000   # paced, pipelined, as the server says
    .venv/bin/python -m bench.writer_cost --rate 5000 --slice-size 100   # savepoint slices

TALKERS greenlets say lines as fast as they are stored into ROOMS rooms
(talker i into room i % ROOMS) through the real ZODBHistory and Writer on a
FileStorage with fsync on, for SECONDS; prints lines per second, lines per
commit and this process's CPU per line (the talkers' share is small: a dict
and a timestamp per line). With ``--rate``, lines are offered at that pace
instead, round robin over the rooms, queued without waiting
(``append_soon``, as the chat's sessions do), and the time from queueing to
durable is reported too (p50, p99). To measure older code, run this file as a script
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
    parser.add_argument("--rate", type=float, default=0, help="lines/s offered (0: flat out)")
    parser.add_argument("--slice-size", type=int, default=0,
                        help="a savepoint every N lines of a batch (0: whole batches, the default)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="writer-cost-")
    db = open_database(f"file://{folder}/Data.fs")
    evolve(db)
    writer = Writer(db, slice_size=args.slice_size or None)
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

    waits: list[float] = []

    def paced() -> None:
        """Offer ``rate`` lines a second, in ticks of 10 ms, without waiting for any."""
        start, count = time.monotonic(), 0
        while time.monotonic() < end:
            due = int((time.monotonic() - start) * args.rate)
            for _ in range(due - count):
                queued = time.perf_counter()
                history.append_soon(f"room-{count % args.rooms}", {
                    "author": "Bench", "text": f"line {count} ahoy there matey",
                    "translation": "arr", "translator": "pirate", "at": now()},
                    lambda stored, error, queued=queued: waits.append(
                        time.perf_counter() - queued))
                count += 1
            gevent.sleep(0.01)
        writer.drain(30)
        said[0] = count

    cpu = time.process_time()
    if args.rate:
        paced()
    else:
        gevent.joinall([gevent.spawn(talk, n) for n in range(args.talkers)])
    cpu = time.process_time() - cpu
    latency = ""
    if waits:
        waits.sort()
        latency = (f", queued to durable p50 {1e3 * waits[len(waits) // 2]:.1f} ms "
                   f"p99 {1e3 * waits[int(len(waits) * 0.99)]:.1f} ms")
    print(f"code {piratechat.__file__}: {said[0] / args.seconds:,.0f} lines/s, "
          f"{said[0] / max(writer.commits, 1):.1f} lines/commit, "
          f"{1e6 * cpu / said[0]:.0f} µs CPU per line{latency}")
    writer.close()
    db.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
