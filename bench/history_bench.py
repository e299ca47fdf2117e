"""Lines kept per second, and how long a commit holds up everyone else.

    .venv/bin/python -m bench.history_bench [--lines 3000] [--talkers 50] [--rounds 3]

Stores the same lines through PirateChat's real history (ZODBHistory, the
Writer, a FileStorage in a temporary folder, fsync on every commit) in four
ways, in the same run:

    one transaction per line, fsync inline         (Writer max_batch=1)
    one transaction per line, fsync in a thread
    group commit, fsync inline                     (Writer max_batch=200)
    group commit, fsync in a thread                (the default)

With ``--storages file,zeo,postgres`` it compares instead the storages, in
group commit as the server runs: durable lines said per second in one
process, lines per commit, and CPU per line of this process and of the
storage server (a ZEO server, or a PostgreSQL cluster initdb'd for the run,
each of its own, fsync on); results in bench/results/storage.md.

``--talkers`` greenlets each say their share of the lines one after another,
as connections do (each waits until its line is stored). Meanwhile a ticker
greenlet asks to run every millisecond, as a connection waiting to be sent a
line would, and records how late it runs: its worst lateness is the longest
time nobody else got a message. Readers join the room (read its last 50
lines) every 5 ms, as joining clients do. The table shows the median of
``--rounds`` runs per mode and the worst stall of all of them; the baseline
row is the same clock and readers with nobody talking: the machine's noise.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import gevent  # noqa: E402

from bench.procfs import children, proc_cpu_seconds  # noqa: E402
from piratechat.chat.core.messages import now  # noqa: E402
from piratechat.rooms.evolve import evolve  # noqa: E402
from piratechat.storage.database import open_database  # noqa: E402
from piratechat.storage.history import ZODBHistory  # noqa: E402
from piratechat.storage.writer import Writer  # noqa: E402

MODES = (
    ("one txn per line, fsync inline", 1, False),
    ("one txn per line, fsync in thread", 1, True),
    ("group commit, fsync inline", 200, False),
    ("group commit, fsync in thread", 200, True),
)
TICK = 0.001  # the ticker's period, seconds


@dataclass
class Run:
    lines: int
    seconds: float
    commits: int
    stalls: list[float]  # lateness of each tick, seconds
    reads: int

    @property
    def rate(self) -> float:
        return self.lines / self.seconds


def line(text: str) -> dict:
    return {"author": "Bench", "text": text, "translation": text, "translator": "echo", "at": now()}


def run(folder: str, batch: int, in_thread: bool, lines: int, talkers: int,
        uri: str | None = None) -> Run:
    db = open_database(uri or f"file://{folder}/Data.fs", fsync_in_thread=in_thread)
    evolve(db)
    writer = Writer(db, max_batch=batch)
    history = ZODBHistory(db, writer)
    history.append("bench", line("warm up"))  # opens the writer's connection
    running = True
    stalls: list[float] = []
    reads = [0]

    def ticker():
        while running:
            start = time.perf_counter()
            gevent.sleep(TICK)
            stalls.append(time.perf_counter() - start - TICK)

    def reader():
        while running:
            history.since("bench", 0, 50)
            reads[0] += 1
            gevent.sleep(0.005)

    def talker(number: int, count: int):
        if not count:  # the baseline: nobody talks, the clock runs as long
            gevent.sleep(0.5)
        for k in range(count):
            history.append("bench", line(f"talker {number} line {k}"))

    background = [gevent.spawn(ticker), gevent.spawn(reader), gevent.spawn(reader)]
    gevent.sleep(0.05)
    commits_before = writer.commits
    share = lines // talkers
    start = time.perf_counter()
    gevent.joinall([gevent.spawn(talker, n, share) for n in range(talkers)], raise_error=True)
    seconds = time.perf_counter() - start
    running = False
    gevent.joinall(background)
    result = Run(share * talkers, seconds, writer.commits - commits_before, stalls, reads[0])
    if not lines:
        result.lines = 0
    last, _ = history.since("bench", 0, 0)
    assert last == result.lines + 1, (last, result.lines)
    writer.close()
    db.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.history_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lines", type=int, default=3000, help="lines per run")
    parser.add_argument("--talkers", type=int, default=50, help="greenlets saying lines")
    parser.add_argument("--rounds", type=int, default=3, help="runs per mode")
    parser.add_argument("--dir", default=None, help="where the Data.fs files go (a real disk!)")
    parser.add_argument("--storages", default="",
                        help="compare these storages instead (file,zeo,postgres)")
    args = parser.parse_args(argv)
    if args.storages:
        return compare_storages(args)
    base = tempfile.mkdtemp(prefix="history-bench-", dir=args.dir)
    print(
        f"FileStorage under {base}, fsync on every commit; {args.lines} lines by "
        f"{args.talkers} talkers, {args.rounds} rounds per mode, modes interleaved"
    )
    modes = (("baseline: no lines said", 200, True, 0),) + tuple(
        (name, batch, in_thread, args.lines) for name, batch, in_thread in MODES
    )
    results: dict[str, list[Run]] = {mode[0]: [] for mode in modes}
    try:
        for round_number in range(args.rounds):
            for index, (name, batch, in_thread, lines) in enumerate(modes):
                folder = os.path.join(base, f"r{round_number}m{index}")
                results[name].append(run(folder, batch, in_thread, lines, args.talkers))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    header = (
        f"{'mode':<36} {'lines/s':>9} {'lines/commit':>13} {'worst stall ms':>15} "
        f"{'p99 stall ms':>13} {'reads':>6}"
    )
    print()
    print(header)
    print("-" * len(header))
    for name, runs in results.items():
        rate = statistics.median(r.rate for r in runs)
        per_commit = statistics.median(r.lines / max(r.commits, 1) for r in runs)
        if not runs[0].lines:
            rate = per_commit = float("nan")
        worst = max(max(r.stalls) for r in runs) * 1000
        p99 = statistics.median(sorted(r.stalls)[int(len(r.stalls) * 0.99)] for r in runs) * 1000
        reads = statistics.median(r.reads for r in runs)
        print(
            f"{name:<36} {rate:>9.0f} {per_commit:>13.1f} {worst:>15.2f} {p99:>13.2f} {reads:>6.0f}"
        )
    return 0


def storage_server(name: str):
    """(server, uri, pids of its processes) for a storage of the run's own; file: no server."""
    from tests.support.storage_servers import PostgresServer, ZEOServer

    if name == "file":
        folder = tempfile.mkdtemp(prefix="history-bench-")
        return None, f"file://{folder}/Data.fs", lambda: []
    if name == "memory":  # ZODB's machinery without a disk (MappingStorage)
        return None, "memory://", lambda: []
    if name == "zeo":
        server = ZEOServer().start()
        return server, server.uri, lambda: [server.process.pid]
    server = PostgresServer().start()

    def pids() -> list[int]:
        with open(os.path.join(server.data, "postmaster.pid")) as pidfile:
            main = int(pidfile.readline())
        return [main, *children(main)]

    return server, server.uri(), pids


def compare_storages(args) -> int:
    print(f"{args.lines} lines by {args.talkers} talkers into one room, group commit "
          f"(max_batch 200), fsync on; median of {args.rounds} rounds, storages interleaved")
    names = args.storages.split(",")
    results: dict[str, list[tuple[Run, float, float]]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            server, uri, pids = storage_server(name)
            try:
                own, theirs = time.process_time(), _cpu(pids())
                result = run("", 200, True, args.lines, args.talkers, uri=uri)
                own, theirs = time.process_time() - own, _cpu(pids()) - theirs
            finally:
                if server is not None:
                    server.remove()
                else:
                    shutil.rmtree(os.path.dirname(uri[len("file://"):]), ignore_errors=True)
            results[name].append((result, own, theirs))
    base = statistics.median(r.rate for r, _, _ in results[names[0]])
    print()
    print(f"| storage | durable lines/s | ÷ {names[0]} | lines/commit | this process µs CPU/line "
          f"| storage server µs CPU/line | p99 stall ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in results.items():
        rate = statistics.median(r.rate for r, _, _ in runs)
        per_commit = statistics.median(r.lines / max(r.commits, 1) for r, _, _ in runs)
        own = statistics.median(1e6 * o / r.lines for r, o, _ in runs)
        theirs = statistics.median(1e6 * t / r.lines for r, _, t in runs)
        p99 = statistics.median(sorted(r.stalls)[int(len(r.stalls) * 0.99)] for r, _, _ in runs)
        print(f"| {name} | {rate:,.0f} | {rate / base:.2f} | {per_commit:.1f} | {own:.0f} | "
              f"{theirs:.0f} | {p99 * 1000:.1f} |")
    return 0


def _cpu(pids: list[int]) -> float:
    return sum(proc_cpu_seconds(pid) or 0.0 for pid in pids)


if __name__ == "__main__":
    raise SystemExit(main())
