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


def _driver_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """psycopg2's two error classes, and its classes for the outage SQL states."""
    try:
        import psycopg2
        from psycopg2 import errors
    except ImportError:  # PostgreSQL support is not installed
        return (), ()
    states = []
    for code in OUTAGE_STATES_KNOWN:
        try:
            states.append(errors.lookup(code))
        except KeyError:
            continue
    return (psycopg2.OperationalError, psycopg2.InterfaceError), tuple(states)


#: SQL states of a lost connection (class 08) or a server shutting down (57P).
OUTAGE_STATES = ("08", "57P")
OUTAGE_STATES_KNOWN = ("08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03")

#: Exceptions meaning "the storage server is not answering now", whatever they say.
OUTAGES: tuple[type[BaseException], ...] = (StorageUnavailable, ClientDisconnected,
                                            ConnectionError)
#: The database driver's errors (for web views), and its classes for outage states.
DRIVER_ERRORS, _OUTAGE_STATE_CLASSES = _driver_errors()


def _driver_outage(error: BaseException) -> bool:
    """A driver error is an outage when it has no SQL state (raised without the server's
    answer: refused, reset, closed) or an outage state (08, 57P)."""
    state = getattr(error, "pgcode", None)
    if state:
        return state.startswith(OUTAGE_STATES)
    return type(error) in DRIVER_ERRORS or isinstance(error, _OUTAGE_STATE_CLASSES)


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
            return _driver_outage(error)
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
