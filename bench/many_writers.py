"""Many processes writing one room: gap-free numbers across processes, and the cost.

    .venv/bin/python -m bench.many_writers [--storages zeo,postgres] [--processes 4]
        [--seconds 60] [--talkers 20] [--own-rooms]

For each storage, starts a server of its own (a ZEO server; a PostgreSQL
cluster, initdb'd here), then PROCESSES processes (bench/writer_process.py)
on the same new, empty database at once. Each opens it as the server does
(all race to create the root and evolve it), then its TALKERS greenlets say
lines into one room as fast as the writer stores them, for SECONDS. Checked
and reported: lines refused, gaps and duplicate numbers among the
acknowledged lines, that the stored history is exactly what was
acknowledged, and the writers' conflicts per 1,000 lines.

``--own-rooms K``: each process says its lines into K rooms of its own
(``deck-0-0``, ``deck-0-1``... for the first), so no two processes race for a
number: every conflict then comes from what rooms share (the activity
index), and there should be none. Gaps and duplicates are counted per room.
tests/integration/test_many_writers.py runs it for a few seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from tests.support.storage_servers import PostgresServer, ZEOServer

ROOT = Path(__file__).resolve().parents[1]
ROOM = "deck"


def run(uri: str, processes: int = 4, seconds: float = 10, talkers: int = 20,
        own_rooms: int = 0) -> dict:
    """Run the processes on ``uri`` (a new database) and check what they stored."""
    rooms = [[f"{ROOM}-{i}-{k}" for k in range(own_rooms)] if own_rooms else [ROOM]
             for i in range(processes)]
    workers = [subprocess.Popen([sys.executable, "-m", "bench.writer_process", uri,
                                 ",".join(its), str(seconds), str(talkers)], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for its in rooms]
    try:
        for step in ("started", "ready"):  # all open the new database at once, then all talk
            for worker in workers:
                said = worker.stdout.readline()
                if said.strip() != step:
                    raise RuntimeError(f"a writer process did not get {step}: {said!r}")
            for worker in workers:
                worker.stdin.write("go\n")
                worker.stdin.flush()
        results = [json.loads(worker.communicate(timeout=seconds + 120)[0]) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    return summarize(uri, results, seconds, sorted({r for its in rooms for r in its}))


def summarize(uri: str, results: list[dict], seconds: float, rooms: list[str]) -> dict:
    from piratechat.storage.database import open_database
    from piratechat.storage.history import ZODBHistory
    from piratechat.storage.writer import Writer

    acked = sorted(tuple(said) for result in results for said in result["acked"])
    total = len(acked)
    gaps = duplicates = 0
    for room in rooms:
        seqs = [seq for at, seq, _ in acked if at == room]
        gaps += len(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
        duplicates += len(seqs) - len(set(seqs))
    db = open_database(uri)
    try:
        history = ZODBHistory(db, Writer(db))
        stored = []
        for room in rooms:
            after = 0
            while True:
                page = history.after(room, after, 1000)
                if not page:
                    break
                stored += [(room, line["seq"], line["text"]) for line in page]
                after = page[-1]["seq"]
    finally:
        db.close()
    conflicts = sum(result["conflicts"] for result in results)
    return {
        "processes": len(results),
        "seconds": seconds,
        "lines": total,
        "lines_per_second": total / seconds,
        "per_process": [len(result["acked"]) for result in results],
        "refused": sum(len(result["refused"]) for result in results),
        "refusals": [r for result in results for r in result["refused"]][:5],
        "rooms": len(rooms),
        "gaps": gaps,
        "duplicates": duplicates,
        "stored_as_acked": stored == acked,
        "conflicts": conflicts,
        "conflicts_per_1000": 1000 * conflicts / max(total, 1),
        "commits": sum(result["commits"] for result in results),
        "slowest_open_seconds": max(result["open_seconds"] for result in results),
    }


def storage(name: str):
    """A started server of ``name`` and a URI of a new database on it; stop with .remove()."""
    if name == "zeo":
        server = ZEOServer().start()
        return server, server.uri
    server = PostgresServer().start()
    return server, server.uri()


def table(rows: list[tuple[str, dict]]) -> str:
    lines = ["| storage | processes | rooms | seconds | lines | lines/s | refused | gaps "
             "| duplicates | stored = acked | conflicts / 1,000 lines | lines / commit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    for name, r in rows:
        lines.append(f"| {name} | {r['processes']} | {r['rooms']} | {r['seconds']:g} | "
                     f"{r['lines']:,} | {r['lines_per_second']:,.0f} | {r['refused']} | "
                     f"{r['gaps']} | {r['duplicates']} | "
                     f"{'yes' if r['stored_as_acked'] else 'NO'} | "
                     f"{r['conflicts_per_1000']:.1f} | {r['lines'] / max(r['commits'], 1):.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storages", default="zeo,postgres")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--talkers", type=int, default=20)
    parser.add_argument("--own-rooms", type=int, default=0, metavar="K",
                        help="each process says lines into K rooms of its own")
    args = parser.parse_args()
    rows = []
    for name in args.storages.split(","):
        server, uri = storage(name)
        try:
            rows.append((name, run(uri, args.processes, args.seconds, args.talkers,
                                     args.own_rooms)))
        finally:
            server.remove()
        print(json.dumps(rows[-1][1]), file=sys.stderr)
    print(table(rows))


if __name__ == "__main__":
    main()
