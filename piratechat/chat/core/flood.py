"""Token buckets: how much one connection, address or room may do, and how fast.

A ``TokenBucket`` holds up to ``burst`` tokens and refills at ``rate`` a
second; each act spends one (or ``cost``). ``Buckets`` keeps one bucket per
key (a client address, a room) and forgets the ones that have refilled, so
a million addresses seen once cost nothing after a while. Limits are per
process: N workers allow N times as much.
"""

from __future__ import annotations

import time


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock=time.monotonic):
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens if there are that many; False means: too fast, refuse."""
        self._refill()
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def can(self, cost: float = 1.0) -> bool:
        """Whether ``cost`` could be spent now (for an act charged once it succeeded)."""
        self._refill()
        return self.tokens >= cost

    def has(self) -> bool:
        """Whether anything is left (for work whose cost is known only afterwards)."""
        self._refill()
        return self.tokens > 0

    def available(self) -> float:
        """What may be spent now (0 while in debt)."""
        self._refill()
        return max(0.0, self.tokens)

    def charge(self, cost: float) -> None:
        """Spend ``cost`` after the fact; the bucket may go into debt, which
        refills like any other spending."""
        self._refill()
        self.tokens -= cost

    @property
    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.capacity


class Buckets:
    """One TokenBucket per key, made on first use; full ones are dropped
    now and then (a full bucket is the same as a new one)."""

    PRUNE_ABOVE = 10_000  # keys kept before full buckets are dropped

    def __init__(self, rate: float, burst: float, clock=time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[object, TokenBucket] = {}

    def __getitem__(self, key) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.PRUNE_ABOVE:
                self._buckets = {k: b for k, b in self._buckets.items() if not b.full}
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.clock)
        return bucket

    def take(self, key, cost: float = 1.0) -> bool:
        return self[key].take(cost)

    def __len__(self) -> int:
        """How many keys' buckets are kept (what the limits cost in memory)."""
        return len(self._buckets)
