"""Members of one room chatting through a cluster's nginx while it suffers
faults (issue 25, finding 6): the clients of tests/integration/
test_cluster_fault_members.py and bench/cluster_faults.py.

Each member is a client as the page is (piratechat/web/static/chat.js): it
says a line every EVERY seconds with a ``client_id``, keeps it in an outbox
until the server says it is stored (``said``, or a repeat's answer), says the
outbox again RETRY seconds after ``unavailable`` (or ``flood``) and after every reconnect; when its
connection breaks it joins again through nginx with ``after`` set to the
highest ``seq`` it has and the ``epoch`` it was told.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field

import websocket

from piratechat.cluster.local import LocalCluster
from piratechat.cluster.processes import redis_server, zeo_server

EVERY = 2.5  # seconds between a member's lines (0.4 lines/s, as the probe)
RETRY = 1.5  # seconds before a member says its outbox again after a refusal (the page's)
SETTLE = 60  # seconds the cluster may take to store and deliver after a fault


class Member(threading.Thread):
    """One member on its own thread, as the page behaves: says lines with a
    ``client_id`` and keeps them in an outbox until the server says it is
    stored; after ``unavailable`` it says them again a moment later, and after
    a reconnect (through nginx, ``after`` and ``epoch``) too."""

    def __init__(self, url: str, room: str, name: str):
        super().__init__(daemon=True, name=name)
        self.url, self.room, self.name = url, room, name
        self.seen: list[dict] = []  # every line received, over every connection, in order
        self.epoch: str | None = None
        self.notices: list[dict] = []  # gap / reset: must not come
        self.joined = threading.Event()
        self.saying = threading.Event()  # set: say a line every EVERY seconds
        self.say_now = threading.Event()  # set: say one line at once
        self.finished = threading.Event()
        self.next_say = 0.0
        self.resend_at: float | None = None  # when the outbox goes again
        self.outbox: dict[str, tuple[str, float]] = {}  # client_id -> (text, first said)
        self.confirmed: list[tuple[float, float]] = []  # (first said, echoed), monotonic
        self.refused = 0
        self.refusals: list[float] = []  # when each refusal came (monotonic)
        self.count = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.sender_key = uuid.uuid4().hex

    # --- the test's side ---------------------------------------------------
    def last_seq(self) -> int:
        with self.lock:
            return self.seen[-1]["seq"] if self.seen else 0

    def confirmed_since(self, moment: float) -> float | None:
        """When this member's first line said at or after ``moment`` was stored."""
        with self.lock:
            return next((echoed for said, echoed in self.confirmed if said >= moment), None)

    # --- the member's thread -----------------------------------------------
    def run(self) -> None:
        while not self.finished.is_set():
            try:
                self.session()
            except (OSError, websocket.WebSocketException, ConnectionError) as error:
                self.errors.append(repr(error))
            self.joined.clear()
            self.finished.wait(0.2)  # a page's pause before it reconnects

    def session(self) -> None:
        url = "ws" + self.url[len("http"):] + f"/sockjs/000/{uuid.uuid4().hex}/websocket"
        ws = websocket.create_connection(url, timeout=10)
        try:
            if ws.recv() != "o":
                raise ConnectionError("no open frame")
            self.join_room(ws)
            ws.settimeout(0.05)
            self.next_say = time.monotonic() + EVERY * (hash(self.name) % 100) / 100
            while not self.finished.is_set():
                self.act(ws, time.monotonic())
                try:
                    frame = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if frame.startswith("a"):
                    for message in json.loads(frame[1:]):
                        self.receive(ws, json.loads(message))
                elif frame.startswith("c") or frame == "":
                    raise ConnectionError(f"closed: {frame}")
        finally:
            ws.close()

    def act(self, ws, now: float) -> None:
        if not self.joined.is_set():
            return
        if self.resend_at is not None and now >= self.resend_at:
            self.resend_at = None
            with self.lock:
                waiting = list(self.outbox.items())
            for client_id, (text, _) in waiting:
                self.send(ws, {"type": "say", "text": text, "client_id": client_id})
        if self.say_now.is_set() or (self.saying.is_set() and now >= self.next_say):
            self.say_now.clear()
            self.next_say = now + EVERY
            self.count += 1
            client_id, text = f"{self.name}-{self.count}", f"{self.name} says {self.count}"
            with self.lock:
                self.outbox[client_id] = (text, now)
            self.send(ws, {"type": "say", "text": text, "client_id": client_id})

    def join_room(self, ws) -> None:
        # The page's key: back through another process, its name is still its own.
        message = {"type": "join", "room": self.room, "name": self.name,
                   "sender_key": self.sender_key}
        if self.seen:
            message.update(after=self.last_seq(), epoch=self.epoch)
        self.send(ws, message)

    def stored(self, client_id: str | None) -> None:
        """The server says our line ``client_id`` is stored: out of the outbox."""
        with self.lock:
            said = self.outbox.pop(client_id, None)
            if said is not None:
                self.confirmed.append((said[1], time.monotonic()))

    def send(self, ws, message: dict) -> None:
        ws.send(json.dumps([json.dumps(message)]))

    def receive(self, ws, message: dict) -> None:
        kind = message["type"]
        if kind == "joined":
            self.epoch = message["epoch"]
            self.joined.set()
            self.resend_at = time.monotonic()  # the outbox goes again on every connection
        elif kind == "line":  # a repeat's answer too: a copy of a line is a copy
            with self.lock:
                self.seen.append(message)
            self.stored(message.get("client_id"))  # only a repeat's answer carries it
        elif kind == "said":  # one of ours is stored
            self.stored(message.get("client_id"))
        elif kind in ("gap", "reset"):
            self.notices.append(message)
        elif kind == "error":
            if message["code"] not in ("unavailable", "flood"):
                raise AssertionError(message)
            if not self.joined.is_set():  # the join could not read the history
                self.finished.wait(0.5)
                self.join_room(ws)
            else:  # not stored: the outbox goes again in a moment (as the page)
                self.refused += 1
                self.refusals.append(time.monotonic())
                self.resend_at = time.monotonic() + RETRY


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.05)  # polling a condition, bounded by the deadline


def all_confirmed_since(members: list[Member], moment: float, what: str) -> list[float]:
    """Every member says a line now; the seconds from ``moment`` until each is stored."""
    for member in members:
        member.say_now.set()
    wait_for(lambda: all(m.confirmed_since(moment) is not None for m in members), SETTLE, what)
    return [m.confirmed_since(moment) - moment for m in members]


def stop_zeo(cluster: LocalCluster, outage: float, how: int = signal.SIGKILL) -> float:
    """Stop the cluster's ZEO server for ``outage`` seconds; when it answers again."""
    cluster.zeo.stop(how)
    time.sleep(outage)  # the fault's length, not a wait for anything
    cluster.zeo = zeo_server(cluster.zeo.port, cluster.folder).start()
    return time.monotonic()  # its port answers


def stop_redis(cluster: LocalCluster, outage: float) -> float:
    cluster.redis.stop()
    time.sleep(outage)  # the fault's length
    cluster.redis = redis_server(cluster.redis.port, cluster.folder).start()
    return time.monotonic()


@dataclass
class Tally:
    """What the members got, against the room's stored history."""

    lines: int = 0
    doubled: dict[str, list[int]] = field(default_factory=dict)  # member -> seqs seen twice
    backwards: dict[str, list[int]] = field(default_factory=dict)  # member -> seqs after a higher
    differ: list[str] = field(default_factory=list)  # members whose lines are not the history
    notices: dict[str, list[dict]] = field(default_factory=dict)  # gap / reset

    @property
    def clean(self) -> bool:
        return not (self.doubled or self.backwards or self.differ or self.notices)


def tally(members: list[Member], history: list[dict]) -> Tally:
    result = Tally(lines=len(history))
    for member in members:
        seqs = [line["seq"] for line in member.seen]
        doubled = sorted({s for s in seqs if seqs.count(s) > 1})
        backwards = [b for a, b in zip(seqs, seqs[1:], strict=False) if b < a]
        if doubled:
            result.doubled[member.name] = doubled
        if backwards:
            result.backwards[member.name] = backwards
        if member.seen != history:
            result.differ.append(member.name)
        if member.notices:
            result.notices[member.name] = member.notices
    return result


class Members:
    """``count`` members in a new room of ``cluster``, started and joined."""

    def __init__(self, cluster: LocalCluster, count: int):
        self.room = "faults-" + uuid.uuid4().hex[:8]
        self.all = [Member(cluster.url, self.room, f"M{n}") for n in range(count)]
        for member in self.all:
            member.start()
        wait_for(lambda: all(m.joined.is_set() for m in self.all), SETTLE, "members joined")
        for member in self.all:
            member.saying.set()

    def confirmed_since(self, moment: float, what: str) -> list[float]:
        return all_confirmed_since(self.all, moment, what)

    def quiet(self) -> None:
        """Stop saying; wait until every member's outbox is empty (all stored)."""
        for member in self.all:
            member.saying.clear()
        wait_for(lambda: all(not m.outbox for m in self.all), SETTLE, "outboxes emptied")

    def seen_up_to(self, last: int) -> None:
        """Wait until every member has seen line ``last``."""
        wait_for(lambda: all(m.last_seq() >= last for m in self.all), SETTLE, "everything seen")

    def stop(self) -> None:
        for member in self.all:
            member.finished.set()
        for member in self.all:
            member.join(10)
