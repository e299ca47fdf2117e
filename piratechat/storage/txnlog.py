"""One logger for every transaction, whichever greenlet runs it.

The transaction package logs each transaction to a logger named after the
thread that began it (``txn.<thread ident>``), and ``logging`` keeps every
logger it ever made, for good. Under gevent each greenlet is a thread to it,
with an ident of its own (its address): every new greenlet that read the
database (each join does) could leave a logger behind (1,066 after 20,000
joins, and rising: issue 25). The package's hook for a logger of its own
(``_LOGGER``, meant for its tests; transaction is pinned in constraints.txt,
and tests/integration/test_transaction_loggers.py sees if the hook goes) is
set to ``txn``, the parent those loggers had: what a logging configuration
says of ``txn`` still applies.
"""

from __future__ import annotations

import logging

from transaction import _transaction

NAME = "txn"


def one_logger() -> None:
    """Make every transaction log to the ``txn`` logger."""
    _transaction._LOGGER = logging.getLogger(NAME)
