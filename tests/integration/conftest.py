"""Storage servers for the integration tests: a ZEO server of the test's own, and a
PostgreSQL database (on the machine's server if it answers, else on one started
here), each new and empty per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from piratechat.storage.database import open_database
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


@pytest.fixture(params=["zeo", "postgres"])
def shared_uri(request):
    """The URI of a storage server several processes share: ZEO, or RelStorage on PostgreSQL."""
    if request.param == "zeo":
        return request.getfixturevalue("zeo_server").uri
    return request.getfixturevalue("postgres_uri")


@pytest.fixture
def data_fs(tmp_path):
    return tmp_path / "var" / "Data.fs"


@pytest.fixture
def db(data_fs):
    """An evolved FileStorage database of the test's own."""
    from piratechat.rooms import evolve as evolution
    from piratechat.storage.database import open_database

    database = open_database(f"file://{data_fs}")
    evolution.evolve(database)
    yield database
    database.close()


#: Databases written by older mains, for the evolve steps' tests (each has its maker beside it).
OLD_DATABASES = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def old_database(tmp_path):
    """``old_database(name)``: a copy of ``tests/data/<name>``, opened; closed after
    the test (the original stays as its old main wrote it)."""
    opened = []

    def open_copy(name: str):
        path = tmp_path / name
        shutil.copy(OLD_DATABASES / name, path)
        opened.append(open_database(f"file://{path}"))
        return opened[-1]

    yield open_copy
    for db in opened:
        db.close()
