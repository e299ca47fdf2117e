"""How stored lines write their times (rooms/lines.py)."""

from datetime import timedelta

import pytest

from piratechat.timestamps import EPOCH, iso, iso_us


@pytest.mark.parametrize("at_us", [0, 1, 999, 1_000, 1_764_500_000_123_456, 1_764_500_000_999_999,
                                   -1, -1_000_001, -60_000_000_000_000_000, 253402300799_999_999])
def test_times_are_written_as_iso_writes_them(at_us):
    assert iso_us(at_us) == iso(EPOCH + timedelta(microseconds=at_us))
