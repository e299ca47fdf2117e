"""Minutes of random, seeded abuse of a live server (issue 25, finding 1).

One ``piratechat serve`` (development.ini, member tokens on) gets, in turn,
raw HTTP requests to every endpoint, the chat's and SockJS's (odd methods,
paths, escapes, headers, bodies, encodings: tests/fuzz/corpus.py), and chat
conversations over real sockets (WebSockets, SockJS-framed and raw, and xhr
polling with xhr_send). It fails on a 5xx
(but the SockJS protocol's own 500s), a traceback or error in the server's
log, a request not answered within ANSWER_SECONDS (the heartbeat is 2 s, so a
long poll answers within that), or a chat message that gets no answer.

``PIRATECHAT_FUZZ_SECONDS`` (default 300) is how long it runs;
``PIRATECHAT_FUZZ_SEED`` replays a run (the seed is printed first, and in
every failure). The run is one sequence drawn from ``random.Random(seed)``.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest
import websocket
from pyramid_sockjs_gevent.core import framing, protocol

from tests.conftest import scratch_zodb_uri
from tests.fuzz import corpus
from tests.support.server import LiveServer

SECRET = "fuzz secret " + uuid.uuid4().hex
SECONDS = float(os.environ.get("PIRATECHAT_FUZZ_SECONDS", "300"))
#: A request's answer (status line, headers, and a receiver's first chunk) and a
#: chat message's answer come within this: the server's heartbeat is 2 s, and a
#: receiver waits at most 1 s for its body; the rest is room for a busy machine.
ANSWER_SECONDS = 10.0
#: The SockJS protocol's own 500s (sockjs-protocol 0.3.3): the only 5xx allowed.
PROTOCOL_500 = {protocol.PAYLOAD_EXPECTED, protocol.BROKEN_JSON,
                framing.CALLBACK_REQUIRED, framing.CALLBACK_INVALID}
#: The answers a chat message waits for, by its type (anything else: "error").
# What answers each message: a say, its line or, for a repeat the connection was
# sent already, its ``said`` alone (docs/protocol.md, "Sending a line exactly once").
ANSWERS = {"join": ("joined",), "listen": ("listening",), "say": ("line", "said"),
           "translator": ("translator",)}
MAX_REPORTED = 40


class Unanswered(Exception):
    pass


@pytest.fixture(scope="module")
def server():
    live = LiveServer(env={"PIRATECHAT_TOKEN_SECRET": SECRET, "PIRATECHAT_HEARTBEAT_DELAY": "2",
                           "PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    live.start()
    yield live
    live.stop()


def exchange(url: str, request: corpus.HttpRequest) -> tuple[int, bytes]:
    """Send ``request`` on a connection of its own; its status and what body came.

    A SockJS receiver's answer may stream for ever: its first chunk is enough.
    Raises Unanswered past ANSWER_SECONDS."""
    host, port = url.split("//")[1].split(":")
    deadline = time.monotonic() + ANSWER_SECONDS
    with socket.create_connection((host, int(port)), timeout=ANSWER_SECONDS) as sock:
        try:
            sock.sendall(request.wire())
        except OSError:
            pass  # the server may answer and close before reading it all
        data = b""

        def more() -> bool:
            nonlocal data
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unanswered(f"no complete answer in {ANSWER_SECONDS:g} s; got {data[:200]!r}")
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                raise Unanswered(
                    f"no complete answer in {ANSWER_SECONDS:g} s; got {data[:200]!r}") from None
            except ConnectionResetError:
                chunk = b""
            data += chunk
            return bool(chunk)

        while b"\r\n\r\n" not in data:
            if not more():
                raise Unanswered(f"closed without an answer; got {data[:200]!r}")
        head, body = data.split(b"\r\n\r\n", 1)
        try:
            status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            raise Unanswered(f"an answer that is not HTTP: {data[:200]!r}") from None
        fields = {line.split(b":", 1)[0].strip().lower(): line.split(b":", 1)[1].strip()
                  for line in head.split(b"\r\n")[1:] if b":" in line}
        if request.method == "HEAD" or status in (101, 204, 304) or status < 200:
            return status, b""
        data = body
        if request.receiver and status == 200:
            while not data:  # a receiver's first frame (or prelude) is its answer
                if not more():
                    break
            return status, data
        if b"content-length" in fields:
            while len(data) < int(fields[b"content-length"]) and more():
                pass
        elif b"chunked" in fields.get(b"transfer-encoding", b"").lower():
            while not data.endswith(b"0\r\n\r\n") and more():
                pass
        else:
            while more():
                pass
        return status, data


def check_http(url: str, request: corpus.HttpRequest) -> str | None:
    """What is wrong with the server's answer to ``request``, if anything."""
    try:
        status, body = exchange(url, request)
    except Unanswered as error:
        return str(error)
    if b"Traceback" in body or b'File "' in body:
        return f"{status} with a traceback"
    if status >= 500 and not (request.target.startswith(b"/sockjs/") and status == 500
                              and body.decode("utf-8", "replace") in PROTOCOL_500):
        return f"{status}: {body[:200]!r}"
    return None


class ChatClient:
    """One chat connection over a real socket: a SockJS-framed WebSocket
    ("websocket"), a raw one ("raw"), or SockJS's xhr polling and xhr_send ("xhr")."""

    def __init__(self, url: str, transport: str):
        self.transport = transport
        self.base = f"{url}/sockjs/000/{uuid.uuid4().hex}"
        self.pending: list = []
        if transport == "xhr":
            try:
                assert self._frames(ANSWER_SECONDS) == ["o"]
            except TimeoutError:
                raise Unanswered(f"xhr not opened in {ANSWER_SECONDS:g} s") from None
            return
        path = "/sockjs/websocket" if transport == "raw" else self.base[len(url):] + "/websocket"
        self.ws = websocket.create_connection("ws" + url[4:] + path, timeout=ANSWER_SECONDS)
        if transport == "websocket":
            assert self.ws.recv() == "o"

    def send(self, raw: str) -> None:
        if self.transport == "xhr":
            try:
                _post(self.base + "/xhr_send", json.dumps([raw]).encode(), ANSWER_SECONDS)
            except TimeoutError:
                raise Unanswered(f"xhr_send not answered in {ANSWER_SECONDS:g} s") from None
        elif self.transport == "websocket":
            self.ws.send(json.dumps([raw]))
        else:  # a raw text frame must be UTF-8: a lone surrogate goes as an escape only
            self.ws.send(raw.encode("utf-8", "replace").decode())

    def _frames(self, left: float) -> list[str]:
        """What the server sends next: SockJS frames (a raw WebSocket's: messages)."""
        if self.transport == "xhr":
            return _post(self.base + "/xhr", b"", left).decode().splitlines()
        self.ws.settimeout(left)
        try:
            return [self.ws.recv()]
        except websocket.WebSocketTimeoutException:
            raise TimeoutError from None
        except websocket.WebSocketConnectionClosedException:
            raise Unanswered("closed") from None

    def answer(self, *wanted: str) -> dict:
        """The next message of a type ``wanted`` or an error, skipping others (backlog,
        presence)."""
        deadline = time.monotonic() + ANSWER_SECONDS
        while True:
            while not self.pending:
                left = deadline - time.monotonic()
                try:
                    if left <= 0:
                        raise TimeoutError
                    frames = self._frames(left)
                except TimeoutError:
                    raise Unanswered(f"no {wanted!r} or error in {ANSWER_SECONDS:g} s") from None
                except Unanswered as error:
                    raise Unanswered(f"{error} before a {wanted!r} or an error") from None
                for frame in frames:
                    if frame.startswith("c") and self.transport != "raw":
                        raise Unanswered(f"closed ({frame}) before a {wanted!r} or an error")
                    try:
                        if self.transport == "raw":
                            self.pending.append(json.loads(frame))
                        elif frame.startswith("a"):
                            self.pending.extend(json.loads(m) for m in json.loads(frame[1:]))
                    except ValueError:
                        raise Unanswered(f"an unreadable frame {frame[:200]!r}") from None
            message = self.pending.pop(0)
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise Unanswered(f"a message that is not the protocol's: {message!r:.200}")
            if message["type"] in (*wanted, "error"):
                return message

    def close(self) -> None:
        if self.transport != "xhr":
            self.ws.close()


def _post(url: str, body: bytes, timeout: float) -> bytes:
    """A SockJS xhr request's answer; Unanswered for anything but a 200 or 204."""
    try:
        with urllib.request.urlopen(urllib.request.Request(
                url, body, {"Content-Type": "text/plain"}), timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise Unanswered(f"{url[url.rindex('/'):]} answered {error.code}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise TimeoutError from None
        raise Unanswered(f"{url[url.rindex('/'):]} failed: {error.reason}") from None


def conversation(url: str, rng: random.Random, number: int, log: list[str]) -> str | None:
    """A few messages on one connection; what went wrong, if anything."""
    room = rng.choice(["lobby", "deck", f"fuzz-{number}", f"fuzz-{number % 7}"])
    name = f"Fuzz {number}"
    transport = rng.choice(["websocket", "websocket", "raw", "xhr"])
    log.append(f"a {transport} connection")
    try:
        client = ChatClient(url, transport)
    except Unanswered as error:
        return f"{error}, after {log[-1]}"
    try:
        if rng.random() < 0.8:  # mostly joined first, so says and choices get further
            join = json.dumps({"type": "join", "name": name, "room": room})
            log.append(f"chat message {join!r} over {transport}")
            client.send(join)
            client.answer("joined")
        for _ in range(rng.randint(1, 8)):
            message = corpus.chat_message(rng, room, name, SECRET)
            raw = corpus.encode_message(message)
            log.append(f"chat message {raw[:300]!r} over {transport}")
            client.send(raw)
            kind = message.get("type") if isinstance(message, dict) else None
            client.answer(*ANSWERS.get(kind, ("error",)) if isinstance(kind, str) else "error")
    except Unanswered as error:
        return f"{error}, after {log[-1]}"
    finally:
        client.close()
    return None


def errors_logged(lines: list[str]) -> list[str]:
    """The errors in these lines of the server's log: each traceback's exception
    (its first unindented line after ``Traceback``), and ERROR lines."""
    found, in_traceback = [], False
    for line in lines:
        if line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and not line.startswith(" "):
            found.append(line.strip()[:300])
            in_traceback = False
        elif " ERROR " in line:
            found.append(line.strip()[:300])
    return found


def test_a_live_server_answers_minutes_of_random_requests_and_messages(server, capsys):
    seed = int(os.environ.get("PIRATECHAT_FUZZ_SEED") or random.randrange(2**32))

    def say(line: str) -> None:
        with capsys.disabled():  # shown whatever the outcome
            print(line)

    say(f"fuzz: seed {seed} (PIRATECHAT_FUZZ_SEED={seed} replays it), {SECONDS:g} s")
    rng = random.Random(seed)
    url, host = server.url, server.url.split("//")[1]
    sessions = [f"fuzz{i}" for i in range(4)]
    problems: list[str] = []
    kinds: Counter[str] = Counter()  # how many of each problem
    counts = {"http": 0, "chat": 0}
    seen = 0
    end = time.monotonic() + SECONDS
    step = 0
    while time.monotonic() < end:
        step += 1
        log: list[str] = []
        if rng.random() < 0.8:
            counts["http"] += 1
            fuzzed = corpus.http_request(rng, host, sessions)
            log.append(f"HTTP {fuzzed.wire()[:400]!r}")
            problem = check_http(url, fuzzed)
            if problem:
                problem = f"{problem}, after {log[-1]}"
        else:
            counts["chat"] += 1
            problem = conversation(url, rng, step, log)
        logged = errors_logged(server.output[seen:])  # (perhaps a step late)
        seen = len(server.output)
        if problem:
            kinds[problem.split(";")[0][:40]] += 1
        for line in logged:
            kinds["logged: " + re.sub(r"^[\d\-:, ]+|\b[0-9a-f]{32}\b|0x\w+", "", line)[:70]] += 1
        if logged:
            problem = (problem or "") + f"; the server logged {logged[0]!r} around {log[-1:]}"
        if problem:
            problems.append(f"step {step}: {problem}")
    assert server.process.poll() is None, "the server died"
    say(f"fuzz: {counts['http']} HTTP requests, {counts['chat']} conversations, "
        f"{len(problems)} problems")
    assert not problems, f"seed {seed}: {len(problems)} problems, by kind {dict(kinds)}:\n" + (
        "\n".join(problems[:MAX_REPORTED]))
