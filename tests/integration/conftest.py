"""Storage servers for the integration tests: a ZEO server of the test's own, and a
PostgreSQL database (on the machine's server if it answers, else on one started
here), each new and empty per test."""

from __future__ import annotations

import pytest

from tests.support.storage_servers import (
    PostgresServer,
    ZEOServer,
    create_database,
    drop_database,
    machine_postgres,
)


@pytest.fixture
def zeo_server():
    server = ZEOServer().start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def postgres_admin_uri():
    """A URI of the ``postgres`` database of a running PostgreSQL server."""
    uri = machine_postgres()
    if uri is not None:
        yield uri
        return
    server = PostgresServer().start()
    yield server.uri()
    server.remove()


@pytest.fixture
def postgres_uri(postgres_admin_uri):
    """The URI of a new, empty PostgreSQL database, dropped after the test."""
    name = create_database(postgres_admin_uri)
    yield postgres_admin_uri.rsplit("/", 1)[0] + "/" + name
    drop_database(postgres_admin_uri, name)
