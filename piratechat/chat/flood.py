"""A token bucket: how many lines one connection may say, and how fast."""

from __future__ import annotations

import time


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.stamp = clock()

    def take(self) -> bool:
        """Spend one token if there is one; False means: too fast, refuse."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
