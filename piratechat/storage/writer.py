"""The one greenlet that writes: group commit, and nobody else waits for it.

Every change to the database goes through ``Writer.submit(change)``. The
caller's greenlet waits; the writer greenlet takes every change queued so far
(up to ``max_batch``), runs them in one transaction and commits once, so a
burst of N lines costs one fsync instead of N. While it commits, new changes
queue up and become the next batch: no timer, no added latency when idle.

Ordering: changes run in the order they were submitted; results announced
through ``on_commit`` listeners go out in that order, after the commit and
before any caller wakes. A line is published to its room only once stored,
and in sequence order.

Conflicts: with one process there are none (one writer, one connection). With
several processes on ZEO or RelStorage two writers may race for a room's next
number; the loser's batch is aborted and run again on fresh state (which has
the winner's lines), after a short random pause that grows with each try, for
up to ``retry_seconds``: a conflict always has a winner, so with a handful of
processes it ends in a few tries (bench/many_writers.py counts them). Nothing
was announced yet, so numbers stay gap-free.

Conflicts are retried in any process on any storage: a ZEO or RelStorage
database shared by processes, or two Writers on one DB (tests). A batch that
conflicts ``split_after`` times in a row is split in two halves, each
committed (and announced) in order as a batch of its own, and so on down to
the one change that loses the race: a writer that keeps losing to a faster
one still stores the lines nobody else contends for, instead of re-running
all of them until it wins (with two processes on ZEO, a writer made 3
commits in 17 s that way, 241 conflicts, each re-running 200 lines). Not
sooner: four processes racing for one room's numbers (bench/many_writers.py)
stored about a third as many lines a second when batches were split after 3
conflicts (halves of one room's lines conflict as much as the whole), and
some 10% fewer after 10, within the machine's noise.

Shared objects stay out of the lines' transaction: a change that updates
something every process writes (the rooms' activity index) is given to
``later(key, change)`` instead. Such changes run in a small transaction of
their own, after the lines they follow are committed, at most once every
``later_every`` seconds (a later change with the same key replaces one not
yet run); a conflict there runs only them again, never a line. So lines of
different rooms on different processes touch no object in common and never
conflict (tests/integration/test_own_rooms.py).

Outages: when the storage server cannot be reached (storage/outage.py), a
batch waits for it, ``storage_wait`` seconds at most (a ZEO client's commit
fails at once while its server is lost, where its reads wait), then fails
whole: each caller gets the error (the chat answers ``unavailable``) within
``storage_timeout`` plus one commit. The changes queued while it waited are
the next batch, which waits in its turn (a caller hears within twice that).
Before, commits failed at once, and with them everything queued: lines said
just as the server came back were refused until its client reconnected, and
their pages said them again 1.5 s later (issue 25, finding 6). The writer's
connection is dropped, and the next change tries a fresh one. Nothing of a
failed batch was announced.

Failures: if a batch fails for another reason, each of its changes is run
alone, so only the change at fault fails (its caller gets the exception).

No commit window: the writer starts the next commit as soon as the last one
is done, and whatever queued meanwhile is the batch. Waiting a few
milliseconds for more lines was measured (100 greenlets into 100 rooms, as
bench/writer_cost.py): a 5 ms window gave about a fifth fewer lines per
second, as batches were already 50 to 100 lines. A window for small batches
only, while lines came often (1.5 ms, then only while windows brought lines
in), was measured in the server with 1k connections in 100 rooms: at 500
lines/s it saved no CPU beyond the machine's noise and raised the p50 from
about 1.5 to 4-6 ms (a timer on a busy hub fires late); at 5,000 lines/s,
with the hub saturated, the p50 went from some 50 ms to over a second.

The hub: a commit pickles and stores its whole batch at once, on the hub's
thread (ZODB's locks cannot be shared with a native thread here;
storage/fsync.py says why): one record per room it adds lines to (that
room's last chunk, rooms/lines.py), a line costing some 60-80 µs of CPU in
all on FileStorage, so up to ``max_batch`` lines hold the hub some 10-20 ms.
``slice_size`` runs a batch in slices with a savepoint and a yield after
each, so a commit holds the hub for one slice; but a savepoint pickles its
slice into a temporary store that the commit reads back and stores again,
and objects changed in several slices (a busy room's last chunk, the
activity index) are pickled once per slice: committing fixed batches of 200
lines over 100 rooms cost 30% more CPU per line in slices of 100 than whole
(220-255 µs against 160-175, measured before chunks). So batches are
committed whole by default (``slice_size=None``). The fsync itself waits in
a thread (storage/fsync.py). bench/history_bench.py measures what a commit
costs everyone else; bench/writer_cost.py the CPU per line.

Readers: FileStorage keeps readers out while a commit waits for (or holds)
its write lock, and lets them in when it ends. The commit's fsync lets
others run, but only inside that lock; so the writer lets others run after
every commit too, even with lines waiting. Without that, whole batches back
to back on a starved machine (load 11-13, 5,000 lines/s) kept every read out
for good: joins and the sequencer's gap fills waited, and delivery stopped
after 1,000-4,000 lines (bench/results/rooms.md, session 4). Slices hid it:
their savepoint's yield falls between two commits' locks.
tests/integration/busy_writer.py shows it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

import gevent
import transaction
from gevent.event import AsyncResult
from gevent.queue import Empty, Queue
from transaction.interfaces import TransientError

from .database import app_root
from .outage import StorageUnavailable, is_outage

log = logging.getLogger(__name__)

Change = Callable[[Any], Any]  # gets the app's Root, returns plain data (no persistent objects)

#: Seconds between two looks at whether a lost storage server is back.
AWAIT_POLL = 0.05
#: The writer's connection keeps this many times a reader's bytes of objects
#: (storage/database.py, CACHE_BYTES): every line's commit works on its room's
#: objects (the room, its last chunk, its client ids), and with 2,000 rooms
#: talking a reader's budget doubled the CPU per line (79 -> 174 µs,
#: bench/writer_cost.py --rooms 2000 --talkers 2000 --client-ids). Chunks that
#: are full leave it once committed (rooms/resources.py, Room.add_new), and so do
#: the client-id index's buckets once looked in or written (ClientIds.let_go).
WRITER_CACHE_TIMES = 16

#: Put on the queue to wake the writer for its ``later`` changes (``drain``).
_WAKE = None


class _Split(Exception):
    """A batch conflicted ``split_after`` times in a row: commit it in halves."""


class Waiter(Protocol):
    """Told the outcome of a submitted change (``AsyncResult`` is one)."""

    def ready(self) -> bool: ...
    def set(self, result: Any) -> None: ...
    def set_exception(self, error: BaseException) -> None: ...


def _let_others_run() -> None:
    """Yield for one turn of the event loop, timers and I/O included.

    ``gevent.sleep(0)`` only lets greenlets that are ready run: a loop of
    work and ``sleep(0)`` starves timers and sockets for tens of
    milliseconds (measured). A timer, however short, makes the loop poll.
    """
    gevent.sleep(0.00001)


class Writer:
    def __init__(self, db, max_batch: int = 200, retry_seconds: float = 30.0,
                 slice_size: int | None = None, split_after: int = 10,
                 later_every: float = 1.0, storage_wait: float = 5.0):
        self.db = db
        self.storage_wait = storage_wait  # seconds a batch waits for a lost storage server
        self.max_batch = max(1, max_batch)
        self.slice_size = max(1, slice_size or self.max_batch)  # None: the whole batch at once
        self.retry_seconds = retry_seconds
        self.commits = 0  # transactions committed (the bench divides lines by it)
        self.conflicts = 0  # batches run again after a conflict
        self.split_after = max(1, split_after)
        self.splits = 0  # batches split in two after conflicting again and again
        self.later_every = later_every
        self.later_commits = 0  # transactions of ``later`` changes committed
        self.later_conflicts = 0  # ...run again after a conflict (no line in them)
        self._later: dict[Any, Change] = {}
        self._later_due: float | None = None  # when the ``later`` changes run
        self._queue: Queue = Queue()
        self._listeners: list[Callable[[Any], None]] = []
        self._greenlet: gevent.Greenlet | None = None
        self._manager = transaction.TransactionManager()
        self._connection = None
        self._busy = False  # a batch is being written
        #: Called with each commit's seconds, from begin to committed (metrics.py).
        self.on_commit_time: Callable[[float], None] | None = None

    def on_commit(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener(result)`` for each announced change, in order, once committed."""
        self._listeners.append(listener)

    def submit(self, change: Change, announce: bool = False) -> Any:
        """Run ``change(root)`` in the next commit; return its result once it is durable.

        Blocks the calling greenlet only. Raises what the change raised, what
        the storage raised (an outage: storage/outage.py), or the last
        conflict when conflicts went on for ``retry_seconds``.
        """
        waiter = AsyncResult()
        self.submit_soon(change, announce, waiter)
        return waiter.get()

    def submit_soon(self, change: Change, announce: bool, waiter: Waiter) -> None:
        """Queue ``change`` for the next commit and return at once.

        The writer greenlet calls ``waiter.set(result)`` once the change is
        durable, or ``waiter.set_exception(error)`` (as ``submit`` would
        raise), in the order changes were submitted; an ``AsyncResult`` is one.
        So a caller can queue several changes without waiting for each commit.
        """
        self._queue.put((change, announce, waiter))
        if self._greenlet is None or self._greenlet.dead:
            self._greenlet = gevent.spawn(self._run)

    def later(self, key: Any, change: Change) -> None:
        """Run ``change(root)`` within ``later_every`` seconds, in a transaction
        with no line in it; it replaces a change under ``key`` not yet run.

        For what every process writes (the activity index): its conflicts
        then cost a retry of these changes only. If they cannot be committed
        (still conflicting after a few tries, or an outage), they wait for
        the next round; a process that stops before that loses them.
        """
        self._later[key] = change
        if self._later_due is None:
            self._later_due = time.monotonic() + self.later_every
        if self._greenlet is None or self._greenlet.dead:
            self._greenlet = gevent.spawn(self._run)

    def drain(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` seconds) until every change submitted so far,
        ``later`` ones included, is committed or failed; True if the writer is idle."""
        if self._later:
            self._later_due = time.monotonic()
            self._queue.put((_WAKE, False, None))
        with gevent.Timeout(timeout, False):
            while self._busy or not self._queue.empty() or self._later:
                gevent.sleep(0.01)
            return True
        return False

    def close(self) -> None:
        """Stop the writer greenlet and close its connection (queued changes are lost)."""
        if self._greenlet is not None:
            self._greenlet.kill()
        self._drop_connection()

    # --- the writer greenlet ---------------------------------------------
    def _run(self) -> None:
        """Take a batch, write it, let others run, again: after every commit,
        even with lines waiting, or readers starve (the module's "Readers")."""
        while True:
            wait = None if self._later_due is None else max(self._later_due - time.monotonic(), 0)
            try:
                batch = [self._queue.get(timeout=wait)]
            except Empty:
                batch = []
            while batch and len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except Empty:
                    break
            batch = [item for item in batch if item[0] is not _WAKE]
            if batch:
                self._write_batch(batch)
            if self._later_due is not None and time.monotonic() >= self._later_due:
                self._write_later()  # after the lines it follows
            if not batch:
                continue
            if self._queue.empty():
                _let_others_run()  # those just woken, timers and sockets, before the next commit
            else:
                gevent.sleep(0)  # the readers the commit held back take their files

    def _write_batch(self, batch: list) -> None:
        self._busy = True
        try:
            self._write(batch)
        except Exception as error:  # the writer must outlive any batch
            if is_outage(error):
                self._fail_during_outage(batch, error)
                return
            log.exception("writing a batch failed")
            for _, _, waiter in batch:
                if not waiter.ready():
                    waiter.set_exception(error)
        finally:
            self._busy = False

    def _fail_during_outage(self, batch: list, error: BaseException) -> None:
        """Fail ``batch``; start on a fresh connection. What queued behind it
        is the next batch, which waits for the storage in its turn."""
        log.warning("the storage is unreachable (%r); %d changes fail", error, len(batch))
        for _, _, waiter in batch:
            if not waiter.ready():
                waiter.set_exception(error)
        self._drop_connection()

    def _await_storage(self) -> None:
        """Wait, ``storage_wait`` seconds at most, for a storage that says it
        has lost its server (ZEO's ClientStorage), then raise an outage: its
        commit fails at once while it is lost (only reads wait for the
        server), so lines said just as the server came back were refused
        until its client reconnected."""
        connected = getattr(self.db.storage, "is_connected", None)
        if connected is None:
            return
        deadline = time.monotonic() + self.storage_wait
        while not connected():
            if time.monotonic() >= deadline:  # no further wait in a read of the batch's
                raise StorageUnavailable("the storage server is not answering")
            gevent.sleep(AWAIT_POLL)
    def _cache_bytes(self, times: int) -> None:
        """Let the writer's connection keep ``times`` a reader's bytes of objects."""
        self._connection._cache.cache_size_bytes = times * self.db.getCacheSizeBytes()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._cache_bytes(1)  # back in the pool, it is a reader's again
                self._manager.abort()
                self._connection.close()
            except Exception:  # a connection to a lost server may fail to close
                log.debug("closing the writer's connection failed", exc_info=True)
            self._connection = None

    def _write_later(self) -> None:
        """Commit the ``later`` changes in a transaction of their own; keep them
        for the next round if that fails."""
        changes, self._later, self._later_due = self._later, {}, None
        self._busy = True
        try:
            self._commit(list(changes.values()), later=True)
        except Exception as error:
            if not (is_outage(error) or isinstance(error, TransientError)):
                log.exception("%d deferred changes failed", len(changes))  # would every round
                return
            log.warning("%d deferred changes wait for the next round (%r)", len(changes), error)
            if is_outage(error):
                self._drop_connection()
            for key, change in changes.items():
                self._later.setdefault(key, change)
            self._later_due = time.monotonic() + self.later_every
        finally:
            self._busy = False

    def _write(self, batch: list) -> None:
        try:
            results = self._commit([change for change, _, _ in batch])
        except _Split:
            self.splits += 1
            half = len(batch) // 2
            self._write(batch[:half])  # committed and announced before the second half runs
            self._write(batch[half:])
            return
        except Exception as error:
            if is_outage(error):
                raise
            if len(batch) == 1:
                batch[0][2].set_exception(error)
                return
            log.warning("a batch of %d failed (%r); committing its changes one by one",
                        len(batch), error)
            for item in batch:
                self._write([item])
            return
        for (_, announce, _), result in zip(batch, results, strict=True):
            if announce:
                for listener in self._listeners:
                    try:
                        listener(result)
                    except Exception:
                        log.exception("a commit listener failed")
        for (_, _, waiter), result in zip(batch, results, strict=True):
            waiter.set(result)

    def _commit(self, changes: list[Change], later: bool = False) -> list:
        """Run ``changes`` in one transaction and commit, again on a conflict;
        raise _Split after ``split_after`` conflicts in a row if there are
        several lines, or the conflict itself for ``later`` changes."""
        self._await_storage()
        if self._connection is None:
            self._connection = self.db.open(transaction_manager=self._manager)
            self._cache_bytes(WRITER_CACHE_TIMES)  # the one connection every line is written on
        give_up = time.monotonic() + self.retry_seconds
        attempt = 0
        while True:
            started = time.perf_counter()
            self._manager.begin()
            try:
                root = app_root(self._connection)
                results = []
                for start in range(0, len(changes), self.slice_size):
                    if start:
                        self._manager.savepoint(optimistic=True)  # pickles the slice so far
                        _let_others_run()
                    results += [change(root) for change in changes[start:start + self.slice_size]]
                self._manager.commit()
            except TransientError as error:
                self._manager.abort()
                if is_outage(error) or time.monotonic() > give_up:  # ZEO's outage is "transient"
                    raise
                attempt += 1
                if later:
                    self.later_conflicts += 1
                    if attempt >= self.split_after:
                        raise
                else:
                    self.conflicts += 1
                    if attempt >= self.split_after and len(changes) > 1:
                        raise _Split() from error
                gevent.sleep(random.uniform(0, min(0.002 * 2 ** attempt, 0.1)))
                continue
            except BaseException:
                self._manager.abort()
                raise
            if later:
                self.later_commits += 1
                return results
            self.commits += 1
            if self.on_commit_time is not None:
                self.on_commit_time(time.perf_counter() - started)
            return results
