"""A real arrpi-shaped HTTP service on a free loopback port, for the remote translator.

``GET /?text=...`` is answered according to ``mode``, which a test may
change at any time; every mode is a way the real service behaved or may
behave. The server runs in threads of the test process, so it needs no
gevent and keeps answering while the code under test blocks.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def answer(text: str) -> str:
    """What the fake service says for ``text``: easy to tell from the pirate."""
    return text.upper() + " ARR"


class ArrpiServer:
    """Modes: ``ok``, ``error`` (500), ``hang`` (never answers), ``hold``
    (answers once ``release()`` is called), ``drip`` (a byte every 0.1 s),
    ``huge`` (1 MB), ``html`` (an error page with status 200), ``latin1``
    (a declared charset), ``binary`` (not UTF-8), ``blank``, ``redirect``."""

    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.asked: list[str] = []  # the text of every request, in order
        self.arrived = threading.Semaphore(0)  # released once per request
        self._released = threading.Event()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                query = parse_qs(urlsplit(self.path).query)
                text = query.get("text", [""])[0]
                server.asked.append(text)
                server.arrived.release()
                server.handle(self, text)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/arrpi.php"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ArrpiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def release(self) -> None:
        """Let every ``hold`` request (waiting or to come) answer."""
        self._released.set()

    def wait_for_request(self, timeout: float = 10) -> None:
        if not self.arrived.acquire(timeout=timeout):
            raise AssertionError("the service was not asked")

    def handle(self, request: BaseHTTPRequestHandler, text: str) -> None:
        mode = self.mode
        if mode == "hang":
            self._stopping.wait(60)
            return
        if mode == "hold":
            self._released.wait(60)
        if mode == "error":
            self._send(request, 500, b"Internal Server Error")
        elif mode == "drip":
            request.send_response(200)
            request.send_header("Content-Type", "text/plain; charset=utf-8")
            request.end_headers()
            while not self._stopping.is_set():
                try:
                    request.wfile.write(b"a")
                    request.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        elif mode == "huge":
            self._send(request, 200, b"arr " * 256 * 1024)
        elif mode == "html":
            self._send(request, 200, b"<!DOCTYPE html><html><body>Proxy error</body></html>")
        elif mode == "latin1":
            self._send(request, 200, answer(text).encode("latin-1"), "text/plain; charset=latin-1")
        elif mode == "binary":
            self._send(request, 200, b"\xff\xfe\xfa garbage")
        elif mode == "blank":
            self._send(request, 200, b"\n")
        elif mode == "redirect":
            request.send_response(302)
            request.send_header("Location", "http://127.0.0.1:9/")
            request.send_header("Content-Length", "0")
            request.end_headers()
        else:
            self._send(request, 200, (answer(text) + "\n").encode("utf-8"))

    @staticmethod
    def _send(request, status: int, body: bytes, content_type: str = "text/html") -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        try:
            request.wfile.write(body)
        except OSError:
            pass  # the client gave up: that is what the test wanted
