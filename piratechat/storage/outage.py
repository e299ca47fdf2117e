"""What a storage outage looks like to the app, whatever the storage.

A ZEO server that is down or restarting makes ZEO raise ClientDisconnected
once its ``wait_timeout`` is over; PostgreSQL's driver raises its
OperationalError or InterfaceError for a lost or refused connection (but the
same OperationalError class also carries deadlocks and lock timeouts, which
RelStorage turns into ConflictErrors: those are conflicts, retried, not
outages); a database not opened yet is StorageUnavailable.
The writer fails a whole batch at once on any of them (the next batch tries
again), and the chat answers ``unavailable``.
"""

from __future__ import annotations

from transaction.interfaces import TransientError
from ZEO.Exceptions import ClientDisconnected


class StorageUnavailable(Exception):
    """The storage server cannot be reached now (the database is not open yet)."""


def _driver_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg2
    except ImportError:  # PostgreSQL support is not installed
        return ()
    return (psycopg2.OperationalError, psycopg2.InterfaceError)


#: Exceptions meaning "the storage server is not answering now", whatever they say.
OUTAGES: tuple[type[BaseException], ...] = (StorageUnavailable, ClientDisconnected,
                                            ConnectionError)
#: The database driver's errors: an outage when they carry no SQL state (the
#: connection failed) or a connection (08) or shutdown (57P) state.
DRIVER_ERRORS = _driver_errors()


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` says the storage is unreachable (rather than a change is
    wrong, or another process got there first)."""
    seen = set()
    while error is not None and id(error) not in seen:  # RelStorage may wrap the driver's
        if isinstance(error, OUTAGES):  # ZEO's ClientDisconnected is also "transient"
            return True
        if isinstance(error, TransientError):  # a conflict, retried by the writer
            return False
        if isinstance(error, DRIVER_ERRORS):
            state = getattr(error, "pgcode", None) or ""
            return state == "" or state.startswith(("08", "57P"))
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
