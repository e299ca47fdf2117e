"""Issue 25's cluster probe, measured: page-like members chat through a local
cluster's nginx (tests/support/cluster_members.py) while one process is
killed, Redis is stopped, then ZEO is stopped ``--rounds`` times. Prints how
long after ZEO answered again each member's new line took to be stored (the
goal: within 2 s), and whether every member got every line once, in order.

    .venv/bin/python -m bench.cluster_faults --members 20 --rounds 3 --outage 10
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import tempfile
import time

from piratechat.cluster.local import LocalCluster
from tests.integration.test_cluster import FAST, stored
from tests.support.cluster_members import Members, stop_redis, stop_zeo, tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="ZEO outages (3)")
    parser.add_argument("--outage", type=float, default=10, help="seconds each outage lasts (10)")
    parser.add_argument("--zeo-signal", default="KILL", choices=["KILL", "TERM"],
                        help="how ZEO is stopped (KILL: a crash)")
    args = parser.parse_args()
    how = getattr(signal, "SIG" + args.zeo_signal)
    cluster = LocalCluster(args.processes, tempfile.mkdtemp(prefix="piratechat-faults-"),
                           env={**FAST, "PIRATECHAT_WS_PING_INTERVAL": "25"}).start()
    members = None
    try:
        members = Members(cluster, args.members)
        members.confirmed_since(time.monotonic(), "chatting")
        cluster.chats[-1].stop(signal.SIGKILL)
        killed = members.confirmed_since(time.monotonic(), "after the kill")
        print(f"after a process was killed: max {max(killed):.2f} s to confirm a new line")
        redis = members.confirmed_since(stop_redis(cluster, args.outage), "after Redis")
        print(f"after Redis answered again: max {max(redis):.2f} s")
        every = []
        for round_ in range(1, args.rounds + 1):
            answered = stop_zeo(cluster, args.outage, how)
            took = members.confirmed_since(answered, "after ZEO")
            every += took
            late = sum(any(t >= answered for t in m.refusals) for m in members.all)
            print(f"ZEO outage {round_}: confirmed again p50 {statistics.median(took):.2f} s, "
                  f"max {max(took):.2f} s; {late} members refused after ZEO answered")
        print(f"all ZEO outages ({len(every)} lines): p50 {statistics.median(every):.2f} s, "
              f"max {max(every):.2f} s (goal: 2 s)")
        members.quiet()
        history = stored(cluster, members.room)
        members.seen_up_to(history[-1]["seq"])
        result = tally(members.all, history)
        refused = sum(m.refused for m in members.all)
        rejoins = sum(len(m.errors) for m in members.all)
        print(f"{result.lines} lines stored; {refused} refusals said again; {rejoins} rejoins; "
              f"doubled {result.doubled or 'none'}; out of order {result.backwards or 'none'}; "
              f"not as stored {result.differ or 'none'}; gap/reset {result.notices or 'none'}")
    finally:
        if members is not None:
            members.stop()
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
