"""Fan-out over real sockets: every member of a big room gets every line, in
order, once, whether it is written at once from the hub (the fast path) or
queued for its writer; a member that stops reading gets an in-order prefix
and is then dropped as a slow consumer (4008), never a reordered stream.

Whether that member gets the 4008 or a reset is the session's rule, checked
deterministically in libs/pyramid-sockjs-gevent/tests (test_sessions.py on a fake clock,
test_receivers.py on TCP): dropped at t, it has ``write_timeout`` (10 s) from
t to read what was sent before the close frame; not done by then, it is
reset. Here it reads again as soon as the room sees it leave, a short batch
after t: it got the 4008 in every run on this machine but one, under coverage
with two CPU hogs on both cores, where its reading took longer than 10 s (a
reset after 298 of 740 lines); so both outcomes of the rule pass here."""

from __future__ import annotations

import errno
import json
import socket
import uuid

import pytest
import websocket

from tests.support.server import LiveServer

MEMBERS = 300  # more than hub.YIELD_EVERY: the fan-out yields mid-line
SENDERS = 3
LINES_EACH = 20


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_LINES_PER_SECOND": "10000", "PIRATECHAT_BURST": "10000",
                           "PIRATECHAT_MAX_QUEUE": "65536",
                           # The slow member sends nothing while it does not read: on a
                           # loaded machine the idle-ping rule (25 s) would cut it first,
                           # and this module is about the queue's rule (4008).
                           "PIRATECHAT_WS_PING_INTERVAL": "600"})
    url = live.start()
    yield url
    live.stop()


class Member:
    """A raw (``/sockjs/websocket``) or SockJS-framed WebSocket chat client."""

    def __init__(self, url: str, framed: bool, **options):
        base = "ws" + url[len("http"):] + "/sockjs"
        path = f"/000/{uuid.uuid4().hex}/websocket" if framed else "/websocket"
        self.framed = framed
        self.ws = websocket.create_connection(base + path, timeout=20, **options)
        if framed:
            assert self.ws.recv() == "o"
        self.pending: list[dict] = []
        self.notices: list[dict] = []  # what ``lines`` passed over
        self.name = "Member " + uuid.uuid4().hex[:8]  # names are unique in a room

    def send(self, message: dict) -> None:
        text = json.dumps(message)
        self.ws.send(json.dumps([text]) if self.framed else text)

    def next(self) -> dict:
        """The next message; ConnectionError(code) when the server closes."""
        while not self.pending:
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionError(int.from_bytes(data[:2], "big"))
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue
            frame = data.decode()
            if not self.framed:
                self.pending.append(json.loads(frame))
            elif frame.startswith("a"):
                self.pending.extend(json.loads(m) for m in json.loads(frame[1:]))
            elif frame.startswith("c"):
                raise ConnectionError(json.loads(frame[1:])[0])
        return self.pending.pop(0)

    def join(self, room: str, presence: bool = False) -> None:
        self.send({"type": "join", "name": self.name, "room": room, "presence": presence})
        while self.next()["type"] != "joined":
            pass

    def lines(self, count: int) -> list[dict]:
        got: list[dict] = []
        while len(got) < count:
            message = self.next()
            if message["type"] == "line":
                got.append(message)
            else:
                self.notices.append(message)
        return got

    def saw_leave(self, member: Member) -> bool:
        return any(n["type"] == "leave" and n["name"] == member.name for n in self.notices)

    def close(self) -> None:
        self.ws.close()


def test_every_member_gets_every_line_in_order_once(server):
    room = "fanout-" + uuid.uuid4().hex[:8]
    members = [Member(server, framed=i % 2 == 1) for i in range(MEMBERS)]
    try:
        for member in members:
            member.join(room)
        for n in range(LINES_EACH):  # several senders interleave: seq decides the order
            for s, sender in enumerate(members[:SENDERS]):
                sender.send({"type": "say", "text": f"line {s}-{n}"})
        expected = {f"line {s}-{n}" for s in range(SENDERS) for n in range(LINES_EACH)}
        first = None
        for member in members:
            got = member.lines(len(expected))
            seqs = [line["seq"] for line in got]
            assert seqs == list(range(seqs[0], seqs[0] + len(expected)))  # in order, no gap
            assert {line["text"] for line in got} == expected  # each once
            first = first or got
            assert [line["text"] for line in got] == [line["text"] for line in first]
    finally:
        for member in members:
            member.close()


def test_a_member_that_stops_reading_gets_an_in_order_prefix_then_is_dropped(server):
    room = "slow-" + uuid.uuid4().hex[:8]
    slow = Member(server, framed=False,
                  sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    reader = Member(server, framed=True)  # says the lines, and reads them as they come
    batch, bound = 20, 6000  # dropped after ~740 lines here (buffers, max_queue): far below
    try:
        slow.join(room)
        reader.join(room, presence=True)  # so it sees the slow member leave when dropped
        got: list[dict] = []
        while not reader.saw_leave(slow):
            for n in range(len(got), len(got) + batch):
                reader.send({"type": "say", "text": f"{n} " + "x" * 1900})
            got += reader.lines(batch)  # the reader is not held up by the slow member
            assert len(got) < bound, "the member that stopped reading was never dropped"
        assert [int(line["text"].split()[0]) for line in got] == list(range(len(got)))
        seqs, code = [], None
        try:
            while True:
                message = slow.next()
                if message["type"] == "line":
                    seqs.append(message["seq"])
        except ConnectionError as closed:
            code = closed.args[0]
        print("slow member got", len(seqs), "of", len(got), "lines, then", code)
        assert seqs == list(range(got[0]["seq"], got[0]["seq"] + len(seqs)))  # a prefix, in order
        assert len(seqs) < len(got)  # dropped, and then nothing more
        assert code in (4008, errno.ECONNRESET)  # told why, or too late to be told: reset
    finally:
        for member in (slow, reader):
            member.close()
