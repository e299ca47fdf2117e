"""A raw HTTP/1.x client for protocol tests: we need to see chunks, the
HTTP version, and whether the server closed the connection, which
http.client hides."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Response:
    http: str
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    all_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def __getitem__(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.all_headers if k.lower() == name.lower()]


class Connection:
    """One TCP connection to the server; requests written by hand."""

    def __init__(self, url: str, timeout: float = 5.0):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self._buffer = b""

    # --- writing ---------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        http: str = "1.1",
    ) -> Response:
        """Send a request and read the response head (not its body)."""
        self.send_request(method, url, headers, body, http)
        return self.read_head()

    def send_request(self, method, url, headers=None, body=None, http="1.1") -> None:
        """Send a request, read nothing (a long poll need not answer yet)."""
        parts = urlsplit(url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        lines = [f"{method} {target} HTTP/{http}", f"Host: {self.host}:{self.port}"]
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is None and method in ("POST", "PUT"):
            body = b""
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body is not None and not any(k.lower() == "content-length" for k in headers or {}):
            lines.append(f"Content-Length: {len(body)}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))

    # --- reading ---------------------------------------------------------------
    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self._buffer += data
        return bool(data)

    def read_line(self) -> bytes:
        while b"\n" not in self._buffer:
            if not self._fill():
                raise ConnectionError("closed while reading a line")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line + b"\n"

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            if not self._fill():
                raise ConnectionError("closed while reading")
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read_some(self) -> bytes:
        """What is buffered, or one recv (b"" when the server closed)."""
        if not self._buffer:
            self._fill()
        data, self._buffer = self._buffer, b""
        return data

    def read_head(self) -> Response:
        match = re.match(rb"HTTP/(\S+) (\d+)", self.read_line())
        assert match, "not an HTTP response"
        response = Response(match.group(1).decode(), int(match.group(2)), {})
        while (line := self.read_line()) not in (b"\r\n", b"\n"):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip(), value.strip()
            response.all_headers.append((name, value))
            key = name.lower()
            response.headers[key] = (
                response.headers[key] + ", " + value if key in response.headers else value
            )
        return response

    def read_chunk(self) -> bytes:
        """One chunk of a chunked body; b"" is the last one."""
        size = int(self.read_line().strip().split(b";")[0], 16)
        data = self.read(size + 2)
        assert data.endswith(b"\r\n"), data
        return data[:-2]

    def read_body(self, response: Response, method: str = "GET") -> bytes:
        if method == "HEAD" or response.status in (101, 204, 304):
            return b""
        if (response["transfer-encoding"] or "").lower() == "chunked":
            chunks = []
            while chunk := self.read_chunk():
                chunks.append(chunk)
            return b"".join(chunks)
        if response["content-length"] is not None:
            return self.read(int(response["content-length"]))
        data = b""
        while chunk := self.read_some():
            data += chunk
        return data

    def closed(self, timeout: float = 1.0) -> bool:
        """True when the server closed its side (nothing more to read)."""
        if self._buffer:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


#: Base URLs served in this process (conftest's ``inproc``): requests to them
#: go through WebTest, no socket and no server process.
IN_PROCESS: dict[str, object] = {}


def _in_process(method: str, url: str, headers, body) -> Response | None:
    base = next((base for base in IN_PROCESS if url.startswith(base)), None)
    if base is None:
        return None
    app = IN_PROCESS[base]
    if isinstance(body, str):
        body = body.encode("utf-8")
    app.cookiejar.clear()  # a client of its own for each request, as on the wire
    answer = app.request(url[len(base):] or "/", method=method, headers=dict(headers or {}),
                         body=body if body is not None else b"", expect_errors=True)
    pairs = [(k, v) for k, v in answer.headerlist]
    merged: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        merged[key] = merged[key] + ", " + value if key in merged else value
    return Response("1.1", answer.status_int, merged, pairs, answer.body)


def http(method: str, url: str, headers=None, body=None, timeout: float = 5.0) -> Response:
    """One request on its own connection, body read (in this process for
    an ``IN_PROCESS`` base URL)."""
    answer = _in_process(method, url, headers, body)
    if answer is not None:
        return answer
    conn = Connection(url, timeout)
    try:
        response = conn.request(method, url, headers, body)
        response.body = conn.read_body(response, method)
        return response
    finally:
        conn.close()


def GET(url, **kw) -> Response:  # noqa: N802 - named like the protocol suite's helpers
    return http("GET", url, **kw)


def POST(url, **kw) -> Response:  # noqa: N802
    return http("POST", url, **kw)


def OPTIONS(url, **kw) -> Response:  # noqa: N802
    return http("OPTIONS", url, **kw)


def stream(method: str, url: str, headers=None, body=None, timeout: float = 5.0):
    """A request whose body is read chunk by chunk: (response head, connection)."""
    conn = Connection(url, timeout)
    return conn.request(method, url, headers, body), conn


def pending(method: str, url: str, headers=None, body=None) -> Connection:
    """A request sent and left unread (the protocol suite's old_POST_async)."""
    conn = Connection(url)
    conn.send_request(method, url, headers, body)
    return conn


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
