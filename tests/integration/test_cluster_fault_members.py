"""Members of one room chatting through a cluster's nginx while it suffers the
three faults of issue 25's probe, one after another: a process killed
(SIGKILL), Redis stopped for OUTAGE seconds, ZEO killed for OUTAGE seconds
(twice).
The members are page-like clients (tests/support/cluster_members.py).

What must hold, for every member: every line of the room once, in ``seq``
order, and only lines that are stored (docs/cluster.md, "What holds across
processes"); and after the storage's outage, its lines are confirmed again
soon after the storage answers. That bound, RECONFIRM, is looser than the 2 s
the issue asks for, so that a loaded CI machine does not fail it: the figure
itself is measured by bench/cluster_faults.py (p50 and max over rounds; before
the fixes of issue 25 some 1.9 s and 3 s, after them 0.4 s and 0.9 s).
"""

from __future__ import annotations

import signal
import time

import pytest

from piratechat.cluster.local import LocalCluster
from tests.integration.test_cluster import FAST, stored
from tests.support.cluster_members import Members, stop_redis, stop_zeo, tally

MEMBERS = 20
OUTAGE = 10  # seconds Redis, then ZEO, are stopped (as the probe)
# ZEO outages in a row: the lines said during one are refused while others are
# on their way, and members say all unconfirmed ones again; before issue 25's
# fix a line so said again came back twice about one outage in two.
ZEO_OUTAGES = 2
RECONFIRM = 3.0  # seconds after ZEO answers within which every member's new line is stored


@pytest.fixture
def cluster(tmp_path):
    running = LocalCluster(3, str(tmp_path), env={**FAST, "PIRATECHAT_WS_PING_INTERVAL": "25"})
    running.start()
    yield running
    running.stop()


def test_every_member_gets_every_line_once_in_order_through_three_faults(cluster):
    members = Members(cluster, MEMBERS)
    try:
        members.confirmed_since(time.monotonic(), "chatting")
        cluster.chats[-1].stop(signal.SIGKILL)  # a process dies; its members come back
        members.confirmed_since(time.monotonic(), "after the kill")
        assert any(m.errors for m in members.all)  # some did rejoin (with after and epoch)
        members.confirmed_since(stop_redis(cluster, OUTAGE), "after Redis")
        took = []
        for _ in range(ZEO_OUTAGES):
            took += members.confirmed_since(stop_zeo(cluster, OUTAGE), "after ZEO")
        took.sort()
        print(f"confirmed again after ZEO: p50 {took[len(took) // 2]:.2f} s, max {took[-1]:.2f} s")
        members.quiet()
        history = stored(cluster, members.room)
        members.seen_up_to(history[-1]["seq"])
    finally:
        members.stop()
    assert [line["seq"] for line in history] == list(range(1, len(history) + 1))
    result = tally(members.all, history)
    assert result.clean, result  # every line once, in order, as stored; no gap, no reset
    assert took[-1] <= RECONFIRM, took
