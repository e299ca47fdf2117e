"""IBroker over Redis pub/sub (redis-py; under gevent its sockets are gevent's).

Every process publishes to, and subscribes to, one channel (``<prefix>bus``).
A Redis message on it carries a *batch*: ``"<origin>\\n<JSON array>"``, the
array flat, ``[room, message, room, message, ...]`` in publish order;
``origin`` names the publishing broker, so a broker skips its own batches
(Redis sends them back) without decoding them.

Two greenlets per broker, so that nobody else waits for Redis:

- the *publisher* sends whatever was queued since its last round trip as one
  batch: one PUBLISH, one message for Redis to fan out and for each other
  process to read, however many lines a busy moment brought (per message,
  Redis and redis-py cost about as much as per line inside one). When Redis
  is down the batch is dropped and logged (at most once: IBroker), and
  until a PUBLISH works again it PINGs Redis every ``PROBE_EVERY`` seconds
  when it has nothing to send, so that ``healthy()`` (``/readyz``) follows
  Redis coming back, not the next line said;
- the *listener* holds the subscription, blocked in one read per message on
  a connection without a timeout (a closed socket or TCP keepalive tells it
  Redis is gone). When the connection breaks it tries again after 0.1 s,
  doubling up to 5 s, for ever; once subscribed again it calls the
  ``on_reconnect`` callbacks, which read what was missed from the history.
  It subscribes before it says so, so a line stored after that read is
  delivered live: nothing falls between the two.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from collections.abc import Callable

import gevent
import gevent.socket
import redis
from gevent.event import Event
from zope.interface import implementer

from ..interfaces import IBroker

log = logging.getLogger(__name__)

MIN_BACKOFF = 0.1  # seconds before the first retry after Redis went away
# The longest wait between two retries: one refused connection a second per
# process costs nothing, and lines from other processes wait for the
# subscription (a longer back-off held them up to 5 s after Redis was back).
MAX_BACKOFF = 1.0
PROBE_EVERY = 1.0  # seconds between PINGs while publishing fails and nothing is queued
PUBLISH_TIMEOUT = 3.0  # seconds a PUBLISH may take before its batch is dropped
# TCP keepalive: seconds idle before the first probe, seconds between probes,
# probes; a Redis that vanished without closing (its host gone) shows in ~25 s.
KEEPALIVE = (10, 5, 3)


class GeventConnection(redis.Connection):
    """redis-py's TCP connection on a gevent socket, whether or not the
    process is monkey-patched (the servers are; tests and tools may not be),
    so waiting for Redis never blocks other greenlets. TCP keepalive probes
    an idle connection, so a subscription that waits for ever still learns
    that Redis is gone."""

    def _connect(self):
        sock = gevent.socket.create_connection((self.host, self.port),
                                               timeout=self.socket_connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        idle, interval, count = KEEPALIVE
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, count)
        sock.settimeout(self.socket_timeout)
        return sock


POOL_WAIT = 3.0  # seconds a call may wait for one of the pool's connections


class WaitingPool(redis.ConnectionPool):
    """redis-py's pool, but a call that finds all its connections in use (100:
    500 members leaving at once, each a presence call) waits, as a greenlet,
    for one to come back (``POOL_WAIT`` at most) instead of failing at once
    with "Too many connections"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._released = Event()

    def get_connection(self, *args, **kwargs):
        deadline = time.monotonic() + POOL_WAIT
        while True:
            try:
                return super().get_connection()
            except redis.exceptions.MaxConnectionsError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                self._released.clear()
                self._released.wait(left)

    def release(self, connection) -> None:
        super().release(connection)
        self._released.set()


def pooled_client(url: str) -> redis.Redis:
    """A client for ``url`` (redis://host:port/db) whose calls give up after a
    few seconds, never hang. Its replies are small (presence): a read buffer
    of 4 KiB, not hiredis's 64 KiB in each of up to 100 connections."""
    pool = WaitingPool.from_url(url, connection_class=GeventConnection, socket_timeout=3,
                                socket_connect_timeout=1, decode_responses=True,
                                socket_read_size=4096)
    return redis.Redis(connection_pool=pool)


def own_connection(url: str, timeout: float | None, name: str) -> GeventConnection:
    """One connection of the broker's own, outside any pool: no pool, retry
    or metrics layer per call (what a line pays for on the hot path); RESP2,
    where a pub/sub message is a plain array. Connects on first use, and
    again on the first use after an error; ``name`` is its CLIENT LIST name."""
    return GeventConnection(**{**redis.connection.parse_url(url),
                               "socket_timeout": timeout, "socket_connect_timeout": 1,
                               "decode_responses": True, "protocol": 2, "client_name": name})


@implementer(IBroker)
class RedisBroker:
    def __init__(self, url: str, prefix: str = "piratechat:"):
        self.url = url
        self.channel = prefix + "bus"
        self.origin = uuid.uuid4().hex[:16]
        self.client = pooled_client(url)  # presence's (piratechat/presence/)
        # The publisher's own connection: lines never wait behind presence's calls.
        self._publishing = own_connection(url, PUBLISH_TIMEOUT, self.name("publisher"))
        self.subscribed = Event()  # set while the subscription is live
        self._published_ok = True
        self._closed = False
        self._outbox: list[str] = []  # room, message, room, message, ...
        self._wake = Event()
        self._subscribers: list[Callable[[str, str], None]] = []
        self._reconnects: list[Callable[[], None]] = []
        self._publisher = gevent.spawn(self._publish_queued)
        self._listener = gevent.spawn(self._listen)

    def name(self, role: str) -> str:
        """The name of this broker's connection for ``role`` (CLIENT LIST)."""
        return f"{self.channel}:{self.origin}:{role}"

    # --- IBroker -----------------------------------------------------------
    def publish(self, room: str, message: str) -> None:
        self._outbox += (room, message)
        self._wake.set()

    def subscribe(self, callback: Callable[[str, str], None]) -> None:
        self._subscribers.append(callback)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._reconnects.append(callback)

    def healthy(self) -> bool:
        return self.subscribed.is_set() and self._published_ok

    def close(self) -> None:
        self._closed = True
        gevent.killall([self._publisher, self._listener])
        self.subscribed.clear()
        self.client.close()
        self._publishing.disconnect()

    # --- the publisher -----------------------------------------------------
    def _publish_queued(self) -> None:
        while not self._closed:
            woken = self._wake.wait(None if self._published_ok else PROBE_EVERY)
            self._wake.clear()
            if not woken and not self._outbox:
                self._send("PING")  # is Redis back? (healthy() asks)
            while self._outbox:
                batch, self._outbox = self._outbox, []
                payload = self.origin + "\n" + json.dumps(batch, ensure_ascii=False)
                self._send("PUBLISH", self.channel, payload)

    def _send(self, *command: str) -> None:
        """One command on the publisher's connection; ``_published_ok`` says
        whether it worked (a failed batch is dropped: at most once, IBroker)."""
        try:
            self._publishing.send_command(*command)
            self._publishing.read_response()
        except redis.RedisError as error:
            if self._published_ok:
                log.warning("Redis at %s: publishing failed (%s); messages are "
                            "dropped until it is back", self.url, error)
            self._published_ok = False
        else:
            if not self._published_ok:
                log.warning("Redis at %s: publishing again", self.url)
            self._published_ok = True

    # --- the listener ------------------------------------------------------
    def _listen(self) -> None:
        delay = MIN_BACKOFF
        while not self._closed:
            # Waits for messages for ever, blocked in one read (no poll per
            # message, no timeout to arm): close() kills the greenlet, and a
            # Redis gone is a closed socket or, silently, TCP keepalive.
            conn = own_connection(self.url, None, self.name("listener"))
            try:
                conn.send_command("SUBSCRIBE", self.channel)
                while not self._closed:
                    kind, _, data = conn.read_response(disconnect_on_error=False)
                    if kind == "message":
                        self._dispatch(data)
                    elif kind == "subscribe":
                        delay = MIN_BACKOFF
                        self.subscribed.set()
                        log.info("Redis at %s: subscribed to %s", self.url, self.channel)
                        for callback in self._reconnects:
                            gevent.spawn(callback)
            except (redis.RedisError, OSError) as error:
                if self.subscribed.is_set():
                    log.warning("Redis at %s: lost (%s); retrying with backoff", self.url, error)
            finally:
                self.subscribed.clear()
                conn.disconnect()
            if not self._closed:
                gevent.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    def _dispatch(self, data: str) -> None:
        origin, _, body = data.partition("\n")
        if origin == self.origin:
            return
        try:
            batch = json.loads(body)
            if not isinstance(batch, list):
                raise ValueError("not an array")
        except ValueError:  # e.g. a process of a version before batches
            log.warning("Redis at %s: a message on %s is not a batch; ignored",
                        self.url, self.channel)
            return
        for at in range(0, len(batch) - 1, 2):
            room, message = batch[at], batch[at + 1]
            for callback in self._subscribers:
                try:
                    callback(room, message)
                except Exception:
                    log.exception("a broker subscriber failed on a message for %r", room)
