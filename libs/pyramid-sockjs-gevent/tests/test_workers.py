"""Kept greenlets (runtime/workers.py): jobs run as if spawned, a blocked
job holds no other, a failing one is logged, few are kept. Real gevent."""

from __future__ import annotations

import contextvars
import logging

import gevent
from gevent.event import Event
from pyramid_sockjs_gevent.runtime import workers
from pyramid_sockjs_gevent.runtime.workers import run_soon

mark: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="fresh")


def test_a_job_runs_once_the_caller_yields_and_greenlets_are_reused():
    ran = []
    run_soon(lambda: ran.append(gevent.getcurrent()))
    assert ran == []  # like gevent.spawn: not before the caller yields
    gevent.sleep(0)
    run_soon(lambda: ran.append(gevent.getcurrent()))
    gevent.sleep(0)
    assert len(ran) == 2 and ran[0] is ran[1]  # the first job's greenlet took the second


def test_a_blocked_job_holds_no_other_and_each_runs_in_a_fresh_context():
    release, seen = Event(), []

    def blocked():
        mark.set("blocked")
        release.wait()
        seen.append(("blocked", mark.get()))

    run_soon(blocked)
    gevent.sleep(0)
    run_soon(lambda: seen.append(("other", mark.get())))
    gevent.sleep(0)
    assert seen == [("other", "fresh")]
    release.set()
    gevent.sleep(0)
    run_soon(lambda: seen.append(("after", mark.get())))  # on the greenlet that set "blocked"
    gevent.sleep(0)
    assert seen == [("other", "fresh"), ("blocked", "blocked"), ("after", "fresh")]


def test_a_failing_job_is_logged_and_its_greenlet_goes_on(caplog):
    ran = []

    def boom():
        ran.append(gevent.getcurrent())
        raise RuntimeError("a bug")

    with caplog.at_level(logging.ERROR, logger="pyramid_sockjs_gevent.runtime.workers"):
        run_soon(boom)
        gevent.sleep(0)
    assert "a bug" in caplog.text
    run_soon(lambda: ran.append(gevent.getcurrent()))
    gevent.sleep(0)
    assert ran[0] is ran[1]


def test_at_most_keep_greenlets_wait_idle():
    release = Event()
    for _ in range(workers.KEEP * 3):
        run_soon(release.wait)
    gevent.sleep(0)
    release.set()
    gevent.sleep(0)
    gevent.sleep(0)
    assert len(workers._idle) == workers.KEEP
