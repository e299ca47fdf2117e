"""Four processes saying lines into one room at once, on ZEO and on RelStorage
(PostgreSQL): every line stored once, numbered without gaps, none refused.

The processes start together on a new, empty database, so this is also N
processes creating the root and evolving it at the same moment. A short
run of bench/many_writers.py (which runs it for 60 s and reports).
"""

from __future__ import annotations

from bench.many_writers import run


def test_four_processes_one_room_no_line_refused_lost_or_numbered_twice(shared_uri):
    result = run(shared_uri, processes=4, seconds=5, talkers=10)
    assert all(count > 0 for count in result["per_process"])  # all four came up and talked
    assert result["refused"] == 0, result["refusals"]
    assert result["gaps"] == 0 and result["duplicates"] == 0
    assert result["stored_as_acked"]
    assert result["conflicts"] > 0  # they did race for the room's next number
