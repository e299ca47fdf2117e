"""The writer's CPU per line when many rooms talk at once (the rooms scenario's storage side).

    .venv/bin/python -m bench.writer_cost [--rooms 100] [--talkers 100] [--seconds 4]
    .venv/bin/python -m bench.writer_cost --rate 5000   # paced, pipelined, as the server says
    .venv/bin/python -m bench.writer_cost --rate 500 --tick 0.002   # a line at a time
    .venv/bin/python -m bench.writer_cost --rate 5000 --slice-size 100   # savepoint slices
    .venv/bin/python -m bench.writer_cost --storage zeo --client-ids --count

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

``--storage memory`` runs it on ZODB's MappingStorage: the transaction
machinery without a file or fsync (what a commit costs before any disk).
``--storage zeo`` or ``postgres`` runs the same on a ZEO server or a
PostgreSQL cluster of the run's own (bench/history_bench.py's), and adds the
server's CPU per line. ``--client-ids`` gives every line a client id, as the
chat page does (the room then also indexes it). ``--count`` also counts the
records stored and ZODB's ``persistent_id`` calls (one per pickled item) per
line; counting costs CPU of its own, so its CPU figure is not comparable.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

import piratechat  # noqa: E402
from piratechat.chat.core.messages import now  # noqa: E402
from piratechat.chat.core.senders import repeat_key, sender  # noqa: E402
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
    parser.add_argument("--tick", type=float, default=0.01,
                        help="with --rate: offer the lines due every TICK seconds (0.002 at 500 "
                             "lines/s: one at a time, as lines of many people come)")
    parser.add_argument("--slice-size", type=int, default=0,
                        help="a savepoint every N lines of a batch (0: whole batches, the default)")
    parser.add_argument("--storage", choices=("file", "memory", "zeo", "postgres"),
                        default="file", help="memory: ZODB's commit without a disk")
    parser.add_argument("--client-ids", action="store_true",
                        help="every line has a client id, as the page sends")
    parser.add_argument("--count", action="store_true",
                        help="count records stored and persistent_id calls per line")
    args = parser.parse_args()
    from bench.history_bench import _cpu, storage_server

    server, uri, pids = storage_server(args.storage)
    db = open_database(uri)
    evolve(db)
    counts = _counting() if args.count else None
    writer = Writer(db, slice_size=args.slice_size or None)
    history = ZODBHistory(db, writer)
    said = [0]
    end = 0.0

    def said_line(text: str, client_id: str) -> dict:
        line = {"author": "Bench", "text": text, "translation": "arr", "translator": "pirate",
                "at": now()}
        if args.client_ids:  # stored as the sender's repeat key (chat/core/senders.py)
            line["repeat_key"] = repeat_key(sender(None, "Bench"), client_id)
        return line

    def talk(number: int) -> None:
        count = 0
        while time.monotonic() < end:
            history.append(f"room-{number % args.rooms}",
                           said_line(f"line {number} {count} ahoy there matey",
                                     f"t{number}-{count}"))
            count += 1
            said[0] += 1

    waits: list[float] = []

    def paced() -> None:
        """Offer ``rate`` lines a second, every ``tick`` seconds, without waiting for any."""
        start, count = time.monotonic(), 0
        while time.monotonic() < end:
            due = int((time.monotonic() - start) * args.rate)
            for _ in range(due - count):
                queued = time.perf_counter()
                history.append_soon(f"room-{count % args.rooms}",
                                    said_line(f"line {count} ahoy there matey",
                                              f"s{count % args.rooms}-{count // args.rooms}"),
                    lambda stored, error, queued=queued: waits.append(
                        time.perf_counter() - queued))
                count += 1
            gevent.sleep(args.tick)
        writer.drain(30)
        said[0] = count

    history.append("room-0", said_line("warm up", "warm-up"))  # opens the writer's connection
    said[0] = 0
    commits = writer.commits
    if counts:
        counts.update(records=0, persistent_id=0)
    cpu, theirs = time.process_time(), _cpu(pids())
    end = time.monotonic() + args.seconds
    if args.rate:
        paced()
    else:
        gevent.joinall([gevent.spawn(talk, n) for n in range(args.talkers)])
    cpu, theirs = time.process_time() - cpu, _cpu(pids()) - theirs
    lines = said[0]
    latency = ""
    if waits:
        waits.sort()
        latency = (f", queued to durable p50 {1e3 * waits[len(waits) // 2]:.1f} ms "
                   f"p99 {1e3 * waits[int(len(waits) * 0.99)]:.1f} ms")
    writer.close()
    db.close()
    extra = f", storage server {1e6 * theirs / lines:.0f} µs CPU per line" if server else ""
    if counts:
        extra += (f", {counts['records'] / lines:.2f} records and "
                  f"{counts['persistent_id'] / lines:.1f} persistent_id calls per line")
    if uri.startswith("file://"):  # what the file grew by: chunks are rewritten until full
        extra += f", Data.fs {os.path.getsize(uri[len('file://'):]) / lines:,.0f} bytes per line"
    print(f"code {piratechat.__file__} on {args.storage}: {lines / args.seconds:,.0f} lines/s, "
          f"{lines / max(writer.commits - commits, 1):.1f} lines/commit, "
          f"{1e6 * cpu / lines:.0f} µs CPU per line{extra}{latency}")
    if server is not None:
        server.remove()
    elif uri.startswith("file://"):
        shutil.rmtree(os.path.dirname(uri[len("file://"):]), ignore_errors=True)


def _counting() -> dict:
    """Count what ZODB pickles: records stored, and ``persistent_id`` calls (one per item)."""
    from ZODB.serialize import ObjectWriter

    counts = {"records": 0, "persistent_id": 0}
    serialize, persistent_id = ObjectWriter.serialize, ObjectWriter.persistent_id

    def counted_serialize(self, obj):
        counts["records"] += 1
        return serialize(self, obj)

    def counted_persistent_id(self, obj):
        counts["persistent_id"] += 1
        return persistent_id(self, obj)

    ObjectWriter.serialize, ObjectWriter.persistent_id = counted_serialize, counted_persistent_id
    return counts


if __name__ == "__main__":
    main()
