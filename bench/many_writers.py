"""Many processes writing one room: gap-free numbers across processes, and the cost.

    .venv/bin/python -m bench.many_writers [--storages zeo,postgres] [--processes 4]
        [--seconds 60] [--talkers 20]

For each storage, starts a server of its own (a ZEO server; a PostgreSQL
cluster, initdb'd here), then PROCESSES processes (bench/writer_process.py)
on the same new, empty database at once. Each opens it as the server does
(all race to create the root and evolve it), then its TALKERS greenlets say
lines into one room as fast as the writer stores them, for SECONDS. Checked
and reported: lines refused, gaps and duplicate numbers among the
acknowledged lines, that the stored history is exactly what was
acknowledged, and the writers' conflicts per 1,000 lines.
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


def run(uri: str, processes: int = 4, seconds: float = 10, talkers: int = 20) -> dict:
    """Run the processes on ``uri`` (a new database) and check what they stored."""
    command = [sys.executable, "-m", "bench.writer_process", uri, ROOM, str(seconds),
               str(talkers)]
    workers = [subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True) for _ in range(processes)]
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
    return summarize(uri, results, seconds)


def summarize(uri: str, results: list[dict], seconds: float) -> dict:
    from piratechat.storage.database import open_database
    from piratechat.storage.history import ZODBHistory
    from piratechat.storage.writer import Writer

    acked = sorted((seq, text) for result in results for seq, text in result["acked"])
    seqs = [seq for seq, _ in acked]
    total = len(acked)
    db = open_database(uri)
    try:
        history = ZODBHistory(db, Writer(db))
        stored, after = [], 0
        while True:
            page = history.after(ROOM, after, 1000)
            if not page:
                break
            stored += [(line["seq"], line["text"]) for line in page]
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
        "gaps": len(set(range(1, max(seqs, default=0) + 1)) - set(seqs)),
        "duplicates": total - len(set(seqs)),
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
    lines = ["| storage | processes | seconds | lines | lines/s | refused | gaps | duplicates "
             "| stored = acked | conflicts / 1,000 lines | lines / commit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    for name, r in rows:
        lines.append(f"| {name} | {r['processes']} | {r['seconds']:g} | {r['lines']:,} | "
                     f"{r['lines_per_second']:,.0f} | {r['refused']} | {r['gaps']} | "
                     f"{r['duplicates']} | {'yes' if r['stored_as_acked'] else 'NO'} | "
                     f"{r['conflicts_per_1000']:.1f} | {r['lines'] / max(r['commits'], 1):.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storages", default="zeo,postgres")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--talkers", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for name in args.storages.split(","):
        server, uri = storage(name)
        try:
            rows.append((name, run(uri, args.processes, args.seconds, args.talkers)))
        finally:
            server.remove()
        print(json.dumps(rows[-1][1]), file=sys.stderr)
    print(table(rows))


if __name__ == "__main__":
    main()
