"""Joins only, interleaved, e.g.
``python -m bench.joins_ab --n 10000 --rounds 3 piratechat-base HEAD ws``.

Each round runs every entry once, in the order given, on the goals bench's joins
cell (bench/goals.py: N raw WebSocket clients connect and join one room); an entry
is a server of bench/servers.py or a git revision (PirateChat from ``git archive``
of it). Prints each run's join CPU and, per round, the ratios to ``ws``: a
change's before and after on a shared machine, without the other scenarios.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path
from types import SimpleNamespace

from .cells import Cell
from .goals import run_args
from .run import run_cell
from .servers import SERVERS
from .source import snapshot


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.joins_ab", description=__doc__)
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("entries", nargs="+", help="server names or git revisions")
    args = p.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    options = run_args(SimpleNamespace(tag="joins-ab", quiet_wait=3.0))
    with tempfile.TemporaryDirectory(prefix="joins-ab-") as tmp:
        sources = {e: snapshot(e, Path(tmp) / f"src-{i}")
                   for i, e in enumerate(args.entries) if e not in SERVERS}
        for r in range(args.rounds):
            got = {}
            for entry in args.entries:
                options.piratechat_src = sources.get(entry)
                server = SERVERS.get(entry, SERVERS["piratechat"])
                row = run_cell(Cell("joins", args.n, 1, 10, 2.0, 1), server, options, Path(tmp))
                got[entry] = row.join_cpu_seconds if row.ok else None
                print(f"round {r} {entry}: join CPU {got[entry]} s {'' if row.ok else row.error}",
                      flush=True)
            ws = got.get("ws")
            print(f"round {r} ratios to ws:",
                  {k: round(v / ws, 2) for k, v in got.items() if v and ws}, flush=True)


if __name__ == "__main__":
    main()
