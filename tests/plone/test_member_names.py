"""Every member's name is theirs, whether or not they chatted, after a restart
(the chat fetches the site's signed list: chat/runtime/member_list.py,
@@chat-member-names), and a member renamed in Plone frees the old name and
holds the new within ``member_names_refresh``: over real HTTP and sockets to
plone.ini. Its own site, members and server (restarted here), so nothing
another test did counts: a Plone start is slow, so the module starts one
site and two servers."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from piratechat.chat.runtime.member_list import signed_query
from tests.conftest import scratch_zodb_uri
from tests.functional.test_socket import SockJSClient
from tests.plone.test_chat_names import set_full_name
from tests.plone.test_site import login
from tests.support.server import ROOT, LiveServer

#: (user, password, full name): members of this module alone. Calico Jack and
#: Stede Bonnet never chat before the restart; Stede is renamed; Israel Hands is
#: removed while the server is stopped.
CALICO = ("calico", "calico-secret-1", "Calico Jack")
STEDE = ("stede", "stede-secret-2", "Stede Bonnet")
ISRAEL = ("israel", "israel-secret-3", "Israel Hands")

#: Removes a member and adds another with Plone's own API (its events keep the
#: index), while no server holds the database:
#: ``python -c CHANGE <instance> <user to remove> <user to add> <their full name>``.
CHANGE = """
import sys, transaction, Zope2
from pathlib import Path
from AccessControl import SpecialUsers
from AccessControl.SecurityManagement import newSecurityManager
from plone import api
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest
from piratechat.plone.wsgi import SITE_ID, start_zope

start_zope(Path(sys.argv[1]))
app = makerequest(Zope2.app())
setRequest(app.REQUEST)
newSecurityManager(None, SpecialUsers.system)
setSite(app[SITE_ID])
api.user.delete(username=sys.argv[2])
api.user.create(email=sys.argv[3] + "@example.org", username=sys.argv[3],
                password=sys.argv[3] + "-secret-4", properties={"fullname": sys.argv[4]})
transaction.commit()
"""
SECRET = "member names " + uuid.uuid4().hex
REFRESH = 0.5  # seconds between the chat's fetches of the list (member_names_refresh)
WITHIN = 60  # seconds: "reflected in the chat within a minute"


@pytest.fixture(scope="module")
def server():
    instance = Path(tempfile.mkdtemp(prefix="piratechat-plone-names-"))
    made = subprocess.run(
        [sys.executable, "-m", "piratechat.plone.members", str(instance),
         *(":".join(m) for m in (CALICO, STEDE, ISRAEL))],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr
    live = LiveServer(ini="plone.ini", env={
        "PIRATECHAT_PLONE_VAR": str(instance), "PIRATECHAT_ZODB_URI": scratch_zodb_uri(),
        "PIRATECHAT_TOKEN_SECRET": SECRET,
        "PIRATECHAT_MEMBER_NAMES_REFRESH": str(REFRESH)})
    live.instance = instance
    live.start(timeout=300)
    yield live
    live.stop()
    (ROOT / "test-results").mkdir(exist_ok=True)
    (ROOT / "test-results" / "plone-member-names.log").write_text("".join(live.output))


def attempt(url: str, name: str, room: str | None = None) -> dict:
    """An anonymous ``join`` as ``name`` (in a room of its own): ``joined`` or its error."""
    client = SockJSClient(url + "/chat")
    try:
        client.send({"type": "join", "room": room or "names-" + uuid.uuid4().hex[:8],
                     "name": name})
        while True:
            answer = client.next()
            if answer["type"] in ("joined", "error"):
                return answer
    finally:
        client.close()


def outcome(answer: dict) -> str:
    return answer["type"] if answer["type"] == "joined" else answer["code"]


def wait_until(condition, what: str):
    """``condition()``'s first true answer, within ``WITHIN`` seconds."""
    deadline = time.monotonic() + WITHIN
    while not (answer := condition()):
        assert time.monotonic() < deadline, f"not within {WITHIN} s: {what}"
        time.sleep(0.1)  # polling a condition, bounded by the deadline
    return answer


def test_after_a_restart_nobody_takes_a_members_name_they_never_chatted_under(server):
    url = server.url
    assert outcome(attempt(url, "Israel Hands")) == "name_taken"
    assert outcome(attempt(url, "Edward Teach")) == "joined"
    server.stop()
    changed = subprocess.run(
        [sys.executable, "-c", CHANGE, str(server.instance), "israel", "teach", "Edward Teach"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    server.start(timeout=300)  # a chat process that never saw a token of theirs
    url = server.url
    assert outcome(attempt(url, "Israel Hands")) == "joined"  # no member's any more
    assert outcome(attempt(url, "Edward Teach")) == "name_taken"  # a new member's
    assert outcome(attempt(url, "teach")) == "name_taken"
    for taken in ("Calico Jack", "CALICO  JACK", "Cal\u0456co Jack",  # a Cyrillic і
                  "calico",  # the login name
                  "Calico Jack (calico)",  # the name the site gives on a clash
                  "Stede Bonnet"):
        assert outcome(attempt(url, taken)) == "name_taken", taken
    calico = login(url, CALICO)  # the member herself joins under it
    token = calico.get(f"{url}/@@chat-token").json()
    client = SockJSClient(url + "/chat")
    try:
        assert client.join(token["name"], token=token["token"])["name"] == "Calico Jack"
    finally:
        client.close()


def test_a_member_renamed_in_plone_frees_the_old_name_and_holds_the_new(server):
    url = server.url
    wait_until(lambda: outcome(attempt(url, "Stede Bonnet")) == "name_taken", "Stede's held")
    assert outcome(attempt(url, "The Gentleman Pirate")) == "joined"
    stede = login(url, STEDE)
    set_full_name(stede, url, "The Gentleman Pirate")  # Plone's own profile form
    wait_until(lambda: outcome(attempt(url, "The Gentleman Pirate")) == "name_taken",
               "the new name is held")
    assert outcome(attempt(url, "Stede Bonnet")) == "joined"  # the old one is free
    assert outcome(attempt(url, "stede")) == "name_taken"  # the login name stays his


def test_the_list_of_member_names_is_for_the_chat_only(server):
    url = f"{server.url}/@@chat-member-names"
    assert requests.get(url).status_code == 403
    assert requests.get(f"{url}?{signed_query('another secret')}").status_code == 403
    assert requests.get(f"{url}?{signed_query(SECRET, time.time() - 3600)}").status_code == 403
    answer = requests.get(f"{url}?{signed_query(SECRET)}")
    assert answer.status_code == 200
    assert "calico jack" in answer.json()["keys"]
