"""The protocol's time stamps: UTC, ISO 8601 with milliseconds and a Z.

Every line carries one (``at``), made when it is said (chat/core/messages.py's
``now``) and again each time a stored line is read (rooms/lines.py keeps µs
since 1970). Free of I/O, so the chat's core may use it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def microseconds(at: datetime) -> int:
    return (at - EPOCH) // _MICROSECOND


def iso(at: datetime) -> str:
    """A UTC time as the protocol writes it: ISO 8601, milliseconds, Z."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@lru_cache(maxsize=256)
def _second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def iso_us(at_us: int) -> str:
    """``iso`` of a time in µs since 1970, as the protocol writes it, for every line
    stored or read: the date part is formatted once a second (a third of
    ``iso``'s cost, with no datetime made)."""
    second, fraction = divmod(at_us, 1_000_000)
    if not 0 <= second < 253402300800:  # years 1970 to 9999: strftime pads no others
        return iso(EPOCH + timedelta(microseconds=at_us))
    return f"{_second(second)}.{fraction // 1000:03d}Z"
