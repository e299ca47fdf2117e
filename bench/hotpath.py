"""What one delivered line costs PirateChat's raw WebSocket path, step by step.

    .venv/bin/python -m bench.hotpath [--n 1000] [--rounds 20]

Rebuilds, with the same libraries and calls, the per-recipient path of a line
as PirateChat (990a6bf) runs it under gevent, and times each step in CPU time
(time.process_time: user + system, so it is not skewed by other processes):

    Hub.deliver -> Session.send (deque append, Event.set)       per recipient
    writer greenlet wakes from Session.take (Event.wait(25 s))  per recipient
    WebSocket.send_text: wsproto Connection.send(TextMessage)   per recipient
    WebSocket.send_bytes: Semaphore + gevent socket.sendall     per recipient
    json.dumps of the line, encode_message                      per line
    a client's frame read (wsproto, and the work tree's decoder) per line said

Each step is timed alone, then the whole chain over N real loopback TCP
connections, next to cheaper variants of each step (a frame built once per
line, a wait without a timeout, a plain send) to show what each would save.
The rebuilt steps use no PirateChat module, so they keep working while the
chat is refactored; the last row runs the work tree's own Hub.deliver over
real sessions (NaN for a tree without the direct write).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from collections import deque  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.lock import Semaphore  # noqa: E402
from wsproto.connection import Connection, ConnectionType  # noqa: E402
from wsproto.events import TextMessage  # noqa: E402

LINE = {
    "type": "line",
    "author": "p3",
    "text": "L 3 17 1234567.891",
    "translation": "L 3 17 1234567.891, arr",
    "translator": "pirate",
    "at": "2026-11-23T23:01:39.123Z",
    "room": "r0",
    "seq": 1234,
}


def cpu_us(fn, count: int) -> float:
    """CPU microseconds per call of fn(), over count calls."""
    t = time.process_time()
    for _ in range(count):
        fn()
    return 1e6 * (time.process_time() - t) / count


def frame_once(text: str) -> bytes:
    """A server text frame (unmasked, no extensions): the same bytes for every recipient."""
    data = text.encode()
    n = len(data)
    if n < 126:
        header = bytes((0x81, n))
    elif n < 65536:
        header = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return header + data


def tcp_pairs(n: int):
    """n connected loopback TCP pairs (gevent sockets); the far ends are drained in bulk."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(n)
    pairs = []
    for _ in range(n):
        c = socket.create_connection(listener.getsockname())
        s, _ = listener.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pairs.append((s, c))
    listener.close()
    return pairs


def drain(pairs) -> None:
    for _, c in pairs:
        c.setblocking(False)
        try:
            while c.recv(1 << 20):
                pass
        except BlockingIOError:
            pass


def steps(n: int, rounds: int) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    payload = json.dumps(LINE, ensure_ascii=False, separators=(",", ":"))
    reps = n * rounds

    # per line
    out.append(
        (
            "per line",
            "json.dumps(line)",
            cpu_us(lambda: json.dumps(LINE, ensure_ascii=False, separators=(",", ":")), reps),
        )
    )

    # queue: Session.send's body (state check, length check, deque append, Event.set)
    q: deque = deque()
    ev = Event()

    def queue_one():
        q.append(payload)
        ev.set()
        if len(q) > 64:
            q.clear()

    out.append(
        (
            "per recipient",
            "Session.send: deque.append + Event.set (no waiter)",
            cpu_us(queue_one, reps),
        )
    )

    # greenlet wake-up: n writers each blocked in Event.wait(timeout), set all, let them run
    def wake_cost(with_timeout: bool) -> float:
        events = [Event() for _ in range(n)]
        woke = [0]

        def writer(e):
            while True:
                e.wait(25.0) if with_timeout else e.wait()
                e.clear()
                woke[0] += 1

        lets = [gevent.spawn(writer, e) for e in events]
        gevent.sleep(0)
        t = time.process_time()
        for _ in range(rounds):
            for e in events:
                e.set()
            while woke[0] % n or not woke[0]:
                gevent.sleep(0)
            woke[0] = 0
        cost = 1e6 * (time.process_time() - t) / reps
        gevent.killall(lets)
        return cost

    out.append(
        (
            "per recipient",
            "writer wakes: Event.set -> switch -> Event.wait(25 s) (a libev timer per wait)",
            wake_cost(True),
        )
    )
    out.append(("per recipient", "  variant: Event.wait() without a timeout", wake_cost(False)))

    # framing
    conns = [Connection(ConnectionType.SERVER) for _ in range(64)]
    i = [0]

    def wsproto_frame():
        i[0] = (i[0] + 1) % 64
        return conns[i[0]].send(TextMessage(data=payload))

    out.append(
        (
            "per recipient",
            "wsproto Connection.send(TextMessage): frame per recipient",
            cpu_us(wsproto_frame, reps),
        )
    )
    out.append(
        (
            "per line",
            "  variant: frame built once per line (header + utf-8)",
            cpu_us(lambda: frame_once(payload), reps),
        )
    )

    # reading a client's line: one masked text frame per read
    say = Connection(ConnectionType.CLIENT).send(
        TextMessage(data='{"type":"say","text":"L 3 17 1234567.891"}'))
    server = Connection(ConnectionType.SERVER)

    def wsproto_read():
        server.receive_data(say)
        return list(server.events())

    out.append(("per line", "a client's frame read by wsproto (receive_data + events)",
                cpu_us(wsproto_read, reps)))
    out.append(("per line", "  variant: the work tree's wsframing.Rfc6455.feed",
                tree_feed(say, reps)))

    lock = Semaphore()

    def locked():
        with lock:
            pass

    out.append(("per recipient", "Semaphore acquire/release (send_bytes)", cpu_us(locked, reps)))

    # the send itself, over real loopback TCP: gevent sendall vs a plain send
    pairs = tcp_pairs(n)
    data = frame_once(payload)

    def send_all(plain: bool) -> float:
        total = 0.0
        for _ in range(rounds):
            t = time.process_time()
            for s, _c in pairs:
                if plain:
                    s._sock.send(data)  # the OS socket under gevent's wrapper
                else:
                    s.sendall(data)
            total += time.process_time() - t
            drain(pairs)
        return 1e6 * total / reps

    out.append(
        ("per recipient", "gevent socket.sendall (loopback TCP, incl. kernel)", send_all(False))
    )
    out.append(("per recipient", "  variant: the OS send() alone", send_all(True)))

    # the whole chain as 990a6bf runs it, over the same sockets
    class Sess:
        __slots__ = ("outbox", "wakeup", "ws", "lock", "sock")

    sessions = []
    for s, _c in pairs:
        x = Sess()
        x.outbox, x.wakeup = deque(), Event()
        x.ws, x.lock, x.sock = Connection(ConnectionType.SERVER), Semaphore(), s
        sessions.append(x)
    sent = [0]

    def raw_writer(x):
        while True:
            if not x.outbox:
                x.wakeup.clear()
                x.wakeup.wait(25.0)
            messages = list(x.outbox)
            x.outbox.clear()
            for text in messages:
                frame = x.ws.send(TextMessage(data=text))
                with x.lock:
                    x.sock.sendall(frame)
                sent[0] += 1

    lets = [gevent.spawn(raw_writer, x) for x in sessions]
    gevent.sleep(0)
    total = 0.0
    for _ in range(rounds):
        t = time.process_time()
        text = json.dumps(LINE, ensure_ascii=False, separators=(",", ":"))
        for x in sessions:  # Hub.deliver -> Session.send
            x.outbox.append(text)
            x.wakeup.set()
        while sent[0] < n:
            gevent.sleep(0)
        sent[0] = 0
        total += time.process_time() - t
        drain(pairs)
    gevent.killall(lets)
    out.append(
        (
            "whole chain",
            "deliver to n writers, each frames + sendalls (990a6bf)",
            1e6 * total / reps,
        )
    )

    # the same, with the frame built once per line and written straight from deliver
    total = 0.0
    for _ in range(rounds):
        t = time.process_time()
        frame = frame_once(json.dumps(LINE, ensure_ascii=False, separators=(",", ":")))
        for x in sessions:
            x.sock._sock.send(frame)  # a full socket buffer would fall back to the queue
        total += time.process_time() - t
        drain(pairs)
    out.append(
        (
            "whole chain",
            "  variant: frame once per line, send() from deliver, queue only on EAGAIN",
            1e6 * total / reps,
        )
    )
    out.append(
        (
            "whole chain",
            "PirateChat work tree: Hub.deliver over real sessions (raw WebSocket)",
            piratechat_chain(pairs, rounds),
        )
    )
    for s, c in pairs:
        s.close()
        c.close()
    return out


def tree_feed(frame: bytes, count: int) -> float:
    """CPU µs the work tree's RFC 6455 decoder takes to read ``frame``
    (plain text frames skip wsproto since 2cab6ab)."""
    from pyramid_sockjs_gevent.core.wsframing import Rfc6455

    decoder = Rfc6455(65536)
    return cpu_us(lambda: decoder.feed(frame), count)


def piratechat_chain(pairs, rounds: int) -> float:
    """The work tree's own path, per recipient: Hub.deliver -> Session.send ->
    the WebSocket receiver -> the socket (raw WebSocket members, all idle).
    NaN where the tree predates the direct write (no WebSocketReceiver)."""
    try:
        from pyramid_sockjs_gevent import Options, Session
        from pyramid_sockjs_gevent.core.registry import SessionRegistry
        from pyramid_sockjs_gevent.core.wsframing import Rfc6455
        from pyramid_sockjs_gevent.runtime.transports.websocket import WebSocketReceiver
        from pyramid_sockjs_gevent.runtime.transports.wsconn import Conn

        from piratechat.chat.runtime.hub import Hub
    except ImportError:
        return float("nan")
    registry = SessionRegistry(Session, Options(), time.monotonic)
    hub = Hub(coalesce_ms=0)  # deliver queues; drain() waits for the deliverer
    for i, (s, _c) in enumerate(pairs):
        session = registry.create(f"s{i}", {})
        session.raw = True
        receiver = WebSocketReceiver(session, Conn(s), Rfc6455(65536), lambda text: [text])
        session.attach(receiver)
        session.open()
        receiver.ready = True
        hub.join("r", session)
        hub.caught_up("r", session, 0)
    total = 0.0
    for seq in range(1, rounds + 1):
        t = time.process_time()
        line = dict(LINE, seq=seq)
        hub.deliver("r", json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        hub.drain()
        total += time.process_time() - t
        drain(pairs)
    return 1e6 * total / (len(pairs) * rounds)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.hotpath",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--n", type=int, default=1000, help="recipients of each line")
    p.add_argument("--rounds", type=int, default=20, help="lines delivered per measurement")
    args = p.parse_args(argv)
    print(f"| where | step | CPU µs (n={args.n}, {args.rounds} lines) |")
    print("|---|---|---|")
    for where, name, us in steps(args.n, args.rounds):
        print(f"| {where} | {name} | {us:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
