"""The Plone site and the chat in one process (plone.ini), on a free loopback port.

The site is made by its script (piratechat.plone.members runs it, adding the
test members), twice, before the server starts: the second run must change
nothing. Each test session has its own instance folder and chat database.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import scratch_zodb_uri
from tests.support.server import ROOT, LiveServer

# Plone comes with `make plone` (make test runs it); a .venv made by `make setup` alone
# has none, and these tests are left out there rather than failing to import.
try:
    PLONE = importlib.util.find_spec("Products.CMFPlone") is not None
except ModuleNotFoundError:  # not even the Products namespace
    PLONE = False
if not PLONE:
    collect_ignore_glob = ["test_*.py"]

#: (user, password, full name): the members the tests log in as.
MEMBERS = (("anne", "anne-secret-1", "Anne Bonny"), ("mary", "mary-secret-2", "Mary Read"))
#: Members who moderate the chat (tests/plone/test_moderators.py): a Reviewer (every
#: room) and the General forum's Editor (its topics' rooms), with their roles.
MODERATORS = (("rita", "rita-secret-3", "Rita Reviewer"),
              ("eddie", "eddie-secret-4", "Eddie Editor"))
ROLES = ("rita:Reviewer", "eddie:Editor:forums/general")


def make_site(instance: Path) -> str:
    """Run the site script (adding MEMBERS); what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "piratechat.plone.members", str(instance),
         *(":".join(m) for m in MEMBERS + MODERATORS),
         *(arg for role in ROLES for arg in ("--role", role))],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def site_setup():
    """The instance folder, after the site script ran twice: what each run said and
    the database's digest after each."""
    instance = Path(tempfile.mkdtemp(prefix="piratechat-plone-"))
    first = make_site(instance)
    after_first = digest(instance / "Data.fs")
    second = make_site(instance)
    return {"instance": instance, "first": first, "second": second,
            "after_first": after_first, "after_second": digest(instance / "Data.fs")}


@pytest.fixture(scope="session")
def plone_server(site_setup):
    """The one process serving Plone at / and the chat at /chat (a LiveServer)."""
    server = LiveServer(ini="plone.ini", env={
        "PIRATECHAT_PLONE_VAR": str(site_setup["instance"]),
        "PIRATECHAT_ZODB_URI": scratch_zodb_uri(),
        "PIRATECHAT_HEARTBEAT_DELAY": "5",
    })
    server.start(timeout=300)
    yield server
    server.stop()
    (ROOT / "test-results").mkdir(exist_ok=True)
    (ROOT / "test-results" / "plone-server.log").write_text("".join(server.output))


@pytest.fixture(scope="session")
def site_url(plone_server) -> str:
    return plone_server.url
