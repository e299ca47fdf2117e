"""``egg:piratechat#threads``: a WSGI app run on a pool of OS threads.

Measured (bench/plone_bench.py, bench/results/plone.md): on the gevent hub, a
Plone page renders for tens to hundreds of milliseconds without yielding, and
every chat connection of the process waits meanwhile: under Plone page load
the chat's lines were late by seconds. In threads, Python's GIL hands the hub
its turn every few milliseconds (sys.getswitchinterval), so the chat keeps
moving while pages render. The request's body is read on the hub first (the
client's socket belongs to the hub), whole and bounded (web/bodies.py; in
plone.ini the guard filter in front has done it already); the answer is made
whole in the thread and sent from the hub. Zope keeps its transaction and
ZODB connection per thread, which is what a pool thread is.
"""

from __future__ import annotations

import _thread
import builtins
import os

from ..settings import parse
from ..web.bodies import BadBody, TooLarge, read_whole, refusal


def filter_factory(app, global_conf, threads="4", **settings):
    """``[filter:threads]``: ``threads`` (pool size; 0: run on the hub, no pool); the
    environment's ``PIRATECHAT_PLONE_THREADS`` wins (the bench compares both);
    ``piratechat.plone_max_body`` bounds the bodies it reads."""
    size = int(os.environ.get("PIRATECHAT_PLONE_THREADS") or threads)
    return ThreadPooled(app, size, parse(settings).plone_max_body) if size > 0 else app


def compile_one_at_a_time() -> None:
    """Python's ``compile`` (and so ``ast.parse``) runs in one thread at a time.

    CPython 3.11 keeps the AST converter's recursion depth in the interpreter,
    not in the thread (CPython gh-106905 and gh-95185): two threads turning
    source into AST objects, or AST objects into code, at once can fail with
    "SystemError: AST constructor recursion depth mismatch". Plone compiles
    on first use, in whichever thread asks: page templates (Chameleon),
    their ``python:`` expressions and skin scripts (RestrictedPython), and
    zope.pagetemplate keeps a template that failed as "Compilation failed":
    measured (bench.plone_bench, 4 threads under 20 page clients), portlets
    failed on hundreds of pages and some pages answered 500. Each compiles
    once per process, so the lock costs nothing after the first pages. It is
    an OS lock (gevent's patch leaves ``_thread.RLock`` be): the pool's
    threads are OS threads."""
    if getattr(builtins.compile, "one_at_a_time", False):
        return
    original, lock = builtins.compile, _thread.RLock()

    def compile(*args, **kwargs):  # noqa: A001 (it is the builtin, wrapped)
        with lock:
            return original(*args, **kwargs)

    compile.one_at_a_time = True
    builtins.compile = compile


class ThreadPooled:
    def __init__(self, app, size: int, max_body: int):
        from gevent.threadpool import ThreadPool

        compile_one_at_a_time()
        self.app = app
        self.pool = ThreadPool(size)
        self.max_body = max_body

    def __call__(self, environ, start_response):
        environ = dict(environ)
        try:
            read_whole(environ, self.max_body)
        except (TooLarge, BadBody) as error:
            return refusal(error, self.max_body)(environ, start_response)
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
