"""A hijacked WebSocket's socket: buffered reads, reads when the client
sends (no greenlet waiting meanwhile), ordered writes, writes that never
wait, and a cut that wakes every greenlet using it."""

from __future__ import annotations

import socket

import gevent
from gevent import get_hub
from gevent.lock import Semaphore

from ..hijack import abort, release

READ_SIZE = 64 * 1024


class Conn:
    """The hijacked socket: reads (from what the server had already
    buffered first), locked writes, writes that never wait (``try_send``),
    and a cut that wakes both greenlets."""

    def __init__(self, sock, reader=None):
        self.sock = sock
        self.reader = reader
        self._os_sock = getattr(sock, "_sock", sock)  # gevent's socket wraps the OS one
        self._lock = Semaphore()
        self._pending = b""  # the rest of a partial try_send, written before anything else
        self._readable = None  # the gevent hub's watcher, made on first use

    def recv(self) -> bytes:
        try:
            if self.reader is not None:
                return self.reader.read1(READ_SIZE)
            return self.sock.recv(READ_SIZE)
        except (OSError, ValueError):
            return b""

    def when_readable(self, callback) -> None:
        """Call ``callback`` once the client has sent something or hung up.

        It is called from the gevent hub, so it must not block (it spawns
        the greenlet that reads). Until then nothing waits on the socket.
        """
        watcher = self._readable
        if watcher is None:
            watcher = self._readable = get_hub().loop.io(self._os_sock.fileno(), 1)
        watcher.start(self._fire, callback)

    def _fire(self, callback) -> None:
        self._readable.stop()
        callback()

    def recv_now(self) -> bytes | None:
        """What the client sent, without waiting: None if nothing yet,
        ``b""`` once it hung up (or the connection broke)."""
        try:
            return self._os_sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def buffered(self) -> bytes:
        """What the server's reader already holds, taken without waiting
        (a client may send frames right behind its handshake)."""
        if self.reader is None:
            return b""
        self.sock.settimeout(0.0)
        try:
            return self.reader.read1(READ_SIZE) or b""
        except (OSError, ValueError):
            return b""
        finally:
            self.sock.settimeout(None)

    def recv_exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.recv() if self.reader is None else self.reader.read(size - len(data))
            if not chunk:
                raise OSError("closed during handshake")
            data += chunk
        return data

    def send(self, data: bytes) -> None:
        """Write all of data (after any pending rest), waiting as needed."""
        if data or self._pending:
            with self._lock:
                data, self._pending = self._pending + data, b""
                self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """Write data now if nothing else is being written, without waiting.

        False: nothing was written (busy, full, broken); the caller queues it.
        A partial write keeps the rest, which a greenlet then writes, before
        any later ``send``. One syscall, none of gevent's ``sendall``
        (which asks the kernel for SO_SNDBUF on every call).
        """
        if self._pending or self._lock.locked():
            return False
        try:
            sent = self._os_sock.send(data, socket.MSG_DONTWAIT)
        except OSError:  # BlockingIOError: full; others: the writer finds out
            return False
        if sent < len(data):
            self._pending = data[sent:]
            gevent.spawn(self._flush)
        return True

    def _flush(self) -> None:
        try:
            self.send(b"")
        except (OSError, ValueError):
            pass  # the connection is gone; the reader and the writer notice it

    def cut(self) -> None:
        abort(self.sock)

    def close(self) -> None:
        """End the connection on a socket the app owns (hijack.detach)."""
        if self._readable is not None:
            self._readable.stop()
            self._readable.close()
        release(self.sock)
        self.sock.close()
