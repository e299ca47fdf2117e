"""What an anonymous 300 MB POST costs plone.ini (issue 25, finding 7).

``.venv/bin/python -m bench.plone_bodies [--megabytes 300]`` (needs ``make
plone``). One plone.ini server on a site made by the site script; the
process's RSS after a page, then after a POST to /login whose body says its
length (Content-Length), then after one sent chunked, each of
``--megabytes``; prints each answer's status line and the RSS. Before the
guard filter, Zope read the first whole into memory (RSS 212 -> 516 MB) and
answered the chunked one as if it had no body (200, the login form); now each
is a 413 and the RSS stays where it was. Not a test: the figures depend on the
machine.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from tests.conftest import scratch_zodb_uri
from tests.support.server import LiveServer

BLOCK = 64 * 1024


def rss_mb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return -1


def post(address, megabytes: int, chunked: bool) -> str:
    """POST a body of ``megabytes`` to /login; the answer's status line."""
    total = megabytes * 1024 * 1024
    sock = socket.create_connection(address, timeout=120)
    head = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n")
    sock.sendall(head + (b"Transfer-Encoding: chunked\r\n\r\n" if chunked
                         else b"Content-Length: %d\r\n\r\n" % total))
    block = b"a" * BLOCK
    sent = 0
    try:
        while sent < total:
            sock.sendall(b"%x\r\n%s\r\n" % (BLOCK, block) if chunked else block)
            sent += BLOCK
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # answered and closed before the body was all sent
    try:
        return sock.recv(200).split(b"\r\n")[0].decode()
    except OSError as error:
        return repr(error)
    finally:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=300)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="bench-plone-bodies-"))
    subprocess.run([sys.executable, "-m", "piratechat.plone.members", str(instance),
                    "anne:anne-secret-1:Anne Bonny"], check=True, capture_output=True)
    server = LiveServer(ini="plone.ini", env={"PIRATECHAT_PLONE_VAR": str(instance),
                                              "PIRATECHAT_ZODB_URI": scratch_zodb_uri()})
    url = server.start(timeout=300)
    host, port = url[len("http://"):].rstrip("/").split(":")
    try:
        urllib.request.urlopen(url + "/", timeout=120).read()
        print(f"after a page: RSS {rss_mb(server.process.pid)} MB")
        for chunked in (False, True):
            status = post((host, int(port)), args.megabytes, chunked)
            kind = "chunked" if chunked else "Content-Length"
            print(f"{args.megabytes} MB, {kind}: {status}; RSS {rss_mb(server.process.pid)} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
