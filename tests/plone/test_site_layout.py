"""The site's layout of processes (``make run-site``, piratechat/cluster/site.py):
Plone and the chat each in a process of its own behind one real nginx, on free
loopback ports; to the visitor one origin, one theme, one login."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from piratechat.cluster.site import SiteLayout
from tests.conftest import scratch_zodb_uri
from tests.functional.test_socket import SockJSClient
from tests.plone.conftest import MEMBERS, make_site
from tests.plone.test_member_names import attempt, outcome, wait_until
from tests.plone.test_site import HEADER, login
from tests.support.server import HIGH_LIMITS

ANNE, MARY = MEMBERS


@pytest.fixture(scope="module")
def layout():
    """A site of its own (plone.ini's server holds the session's site open), its
    Plone, its chat and nginx."""
    folder = Path(tempfile.mkdtemp(prefix="piratechat-site-layout-"))
    make_site(folder / "plone")
    site = SiteLayout(str(folder), str(folder / "plone"),
                      chat_env={"PIRATECHAT_ZODB_URI": scratch_zodb_uri(), **HIGH_LIMITS})
    site.start()
    yield site
    site.stop()
    (Path(__file__).parents[2] / "test-results").mkdir(exist_ok=True)
    (Path(__file__).parents[2] / "test-results" / "site-layout.log").write_text(site.logs(None))


def test_plone_and_the_chat_are_processes_of_their_own(layout):
    assert requests.get(f"{layout.url}/@@process-id").text == str(layout.plone.process.pid)
    assert layout.chat.process.pid != layout.plone.process.pid


@pytest.mark.parametrize("path", ["/", "/forums", "/chat/", "/chat/rooms/tortuga/"])
def test_one_origin_serves_the_themed_site_and_the_themed_chat(layout, path):
    answer = requests.get(layout.url + path)
    assert answer.status_code == 200
    assert HEADER.search(answer.text), answer.text[:2000]


def test_the_chat_page_shows_the_sites_navigation(layout):
    page = requests.get(layout.url + "/chat/rooms/tortuga/").text
    assert '<div id="crew">' in page and 'href="/forums"' in page
    assert 'aria-current="page">Chat</a>' in page


def test_a_member_logged_into_plone_chats_under_their_name_and_is_heard(layout):
    room = "layout-" + uuid.uuid4().hex[:8]
    anne = login(layout.url, ANNE).get(layout.url + "/@@chat-token").json()
    mary = login(layout.url, MARY).get(layout.url + "/@@chat-token").json()
    clients = [SockJSClient(layout.url + "/chat") for _ in range(2)]
    try:
        for client, member in zip(clients, (anne, mary), strict=True):
            joined = client.join(member["name"], token=member["token"], room=room)
            assert joined["name"] == member["name"]
        assert (anne["name"], mary["name"]) == ("Anne Bonny", "Mary Read")
        text = "Ahoy from the other process " + uuid.uuid4().hex[:6]
        clients[0].send({"type": "say", "text": text})
        heard = clients[1].line_saying(text)
        assert heard["author"] == "Anne Bonny"
    finally:
        for client in clients:
            client.close()


def test_a_visitor_cannot_take_a_members_name(layout):
    """The chat holds the site's list of member names, fetched from Plone's process
    (until it has come, a join is answered ``unavailable``)."""
    def known():
        answer = attempt(layout.url, "Mary Read")
        return answer if outcome(answer) != "unavailable" else None

    assert outcome(wait_until(known, "the members' names known")) == "name_taken"
