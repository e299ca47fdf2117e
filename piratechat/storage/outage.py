"""What a storage outage looks like to the app, whatever the storage.

A ZEO server that is down or restarting makes ZEO raise ClientDisconnected
once its ``wait_timeout`` is over; PostgreSQL's driver raises its
OperationalError or InterfaceError (RelStorage lists them as its driver's
``disconnected_exceptions``); a database not opened yet is StorageUnavailable.
The writer fails a whole batch at once on any of them (the next batch tries
again), and the chat answers ``unavailable``.
"""

from __future__ import annotations

from ZEO.Exceptions import ClientDisconnected


class StorageUnavailable(Exception):
    """The storage server cannot be reached now (the database is not open yet)."""


def _driver_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg2
    except ImportError:  # PostgreSQL support is not installed
        return ()
    return (psycopg2.OperationalError, psycopg2.InterfaceError)


#: Exceptions meaning "the storage server is not answering now".
OUTAGES: tuple[type[BaseException], ...] = (
    StorageUnavailable, ClientDisconnected, ConnectionError, *_driver_errors())


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the storage is unreachable (rather than a change is wrong)."""
    seen = set()
    while error is not None and id(error) not in seen:  # RelStorage may wrap the driver's
        if isinstance(error, OUTAGES):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
