"""What counts as a storage outage, the bounded waits added to storage URIs, and the
database opened in the background while its server is down."""

from __future__ import annotations

import gevent
import psycopg2
import pytest
from relstorage.adapters.interfaces import UnableToLockRowsDeadlockError
from ZEO.Exceptions import ClientDisconnected
from ZODB.POSException import ConflictError

from piratechat.storage.database import with_defaults
from piratechat.storage.lazy import LazyDatabase
from piratechat.storage.outage import StorageUnavailable, is_outage


def driver_error(state: str | None) -> psycopg2.OperationalError:
    """A psycopg2 error as the driver raises it, with ``pgcode`` ``state``."""
    error = psycopg2.OperationalError("boom")
    if state is not None:
        error = psycopg2.errors.lookup(state)("boom")
    return error


@pytest.mark.parametrize("error", [
    StorageUnavailable("not open"),
    ClientDisconnected(),  # a TransientError too, but an outage
    ConnectionRefusedError(),
    driver_error(None),  # connection refused, server gone: no SQL state
    driver_error("57P01"),  # admin_shutdown
    psycopg2.InterfaceError("connection already closed"),
])
def test_outages(error):
    assert is_outage(error)


@pytest.mark.parametrize("error", [
    ConflictError(),
    UnableToLockRowsDeadlockError("deadlock"),  # RelStorage's lock conflict
    driver_error("40P01"),  # deadlock_detected: a conflict, retried
    driver_error("55P03"),  # lock_not_available
    ValueError("a change is wrong"),
])
def test_not_outages(error):
    assert not is_outage(error)


def test_an_outage_wrapped_by_another_error_is_found():
    try:
        try:
            raise ClientDisconnected()
        except ClientDisconnected as inner:
            raise RuntimeError("while committing") from inner
    except RuntimeError as outer:
        assert is_outage(outer)


def test_networked_uris_get_bounded_waits_and_keep_their_own():
    assert with_defaults("zeo://127.0.0.1:8100", 5) == "zeo://127.0.0.1:8100?wait_timeout=5"
    assert with_defaults("zeo://h:1?wait_timeout=30", 5) == "zeo://h:1?wait_timeout=30"
    uri = with_defaults("postgres://u@h:5432/db", 2)
    assert uri == "postgres://u@h:5432/db?driver=psycopg2&connect_timeout=2"
    assert with_defaults("postgres://u@h/db?driver=pg8000", 2).count("driver=") == 1
    assert with_defaults("file:///tmp/Data.fs", 5) == "file:///tmp/Data.fs"


def test_the_database_opens_in_the_background_once_its_server_answers():
    answers = [StorageUnavailable("down"), StorageUnavailable("still down"), "the db"]
    opened = gevent.event.Event()

    def opener():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        opened.set()
        return answer

    lazy = LazyDatabase(opener, timeout=0.01, max_delay=0.01)
    lazy.open_in_background()
    with pytest.raises(StorageUnavailable):
        lazy.wait_open(0)  # callers are answered at once meanwhile, not kept waiting
    assert opened.wait(10)
    assert lazy.ready and lazy.wait_open(0) == "the db" and answers == []
