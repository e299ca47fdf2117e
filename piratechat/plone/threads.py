"""``egg:piratechat#threads``: a WSGI app run on a pool of OS threads.

Measured (bench/plone_bench.py, bench/results/plone.md): on the gevent hub, a
Plone page renders for tens to hundreds of milliseconds without yielding, and
every chat connection of the process waits meanwhile: under Plone page load
the chat's lines were late by seconds. In threads, Python's GIL hands the hub
its turn every few milliseconds (sys.getswitchinterval), so the chat keeps
moving while pages render. The request's body is read on the hub first (the
client's socket belongs to the hub); the answer is made whole in the thread
and sent from the hub. Zope keeps its transaction and ZODB connection per
thread, which is what a pool thread is.
"""

from __future__ import annotations

import io
import os


def filter_factory(app, global_conf, threads="4"):
    """``[filter:threads]``: ``threads`` (pool size; 0: run on the hub, no pool); the
    environment's ``PIRATECHAT_PLONE_THREADS`` wins (the bench compares both)."""
    size = int(os.environ.get("PIRATECHAT_PLONE_THREADS") or threads)
    return ThreadPooled(app, size) if size > 0 else app


class ThreadPooled:
    def __init__(self, app, size: int):
        from gevent.threadpool import ThreadPool

        self.app = app
        self.pool = ThreadPool(size)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        status, headers, chunks = self.pool.apply(self._answer, (environ,))
        start_response(status, headers)
        return chunks

    def _answer(self, environ):
        answer: dict = {}
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return chunks.append

        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return answer["status"], answer["headers"], chunks
