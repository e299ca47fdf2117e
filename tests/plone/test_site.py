"""The Plone site with the chat inside (plone.ini), over real HTTP and sockets."""

from __future__ import annotations

import os
import re
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

from tests.functional.test_socket import SockJSClient
from tests.plone.conftest import MEMBERS

#: The theme's masthead (theme/index.html), found on every themed page.
HEADER = re.compile(r'<header id="theme-header"[^>]*>.*?class="brand-name">PirateChat</span>',
                    re.S)


def login(site_url: str, member=MEMBERS[0]) -> requests.Session:
    session = requests.Session()
    user, password, _ = member
    answer = session.post(f"{site_url}/login", data={
        "__ac_name": user, "__ac_password": password, "buttons.login": "Log in"})
    assert answer.status_code == 200 and "__ac" in session.cookies
    return session


def authenticator(form: str) -> str:
    """plone.protect's CSRF token in a form."""
    field = re.search(r'<input[^>]*name="_authenticator"[^>]*>', form).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def test_a_second_start_of_the_site_script_changes_nothing(site_setup):
    assert site_setup["first"] == "added: anne mary rita eddie"
    assert site_setup["second"] == "added: nobody"
    assert site_setup["after_second"] == site_setup["after_first"]


def test_one_process_serves_the_site_and_the_chat(plone_server, site_url):
    assert requests.get(f"{site_url}/@@process-id").text == str(plone_server.process.pid)
    children = {int(c) for task in os.listdir(f"/proc/{plone_server.process.pid}/task")
                for c in open(f"/proc/{plone_server.process.pid}/task/{task}/children")
                .read().split()}
    assert children == set()
    client = SockJSClient(site_url + "/chat")  # the chat's socket, on the same port
    try:
        assert client.join("Pirate 1")["name"] == "Pirate 1"
    finally:
        client.close()


@pytest.mark.parametrize("path", ["/", "/blog", "/forums", "/forums/general",
                                  "/chat/", "/chat/rooms/tortuga/"])
def test_the_same_theme_header_on_every_page(site_url, path):
    answer = requests.get(site_url + path)
    assert answer.status_code == 200
    assert HEADER.search(answer.text), answer.text[:2000]


def test_the_front_page_leads_to_the_blog_the_forums_and_the_chat(site_url):
    page = requests.get(site_url + "/").text
    for target in ("/blog", "/forums", "/chat/"):
        assert f'href="{site_url}{target}"' in page or f'href="{target}"' in page, target


def test_the_blog_is_newest_first_with_an_rss_feed(site_url):
    page = requests.get(site_url + "/blog").text
    page = page[page.index('id="theme-content"'):]  # the listing, not the navigation
    assert page.index("The parrot learns Shakespeare") < page.index("Welcome aboard")
    feed = requests.get(site_url + "/blog/latest/RSS")
    assert feed.status_code == 200
    titles = [t.text for t in ET.fromstring(feed.content).iter("{http://purl.org/rss/1.0/}title")]
    assert titles[1:] == ["The parrot learns Shakespeare", "Welcome aboard"]


def test_anonymous_visitors_get_no_chat_token(site_url):
    answer = requests.get(site_url + "/@@chat-token")
    assert answer.status_code == 403
    assert "token" not in answer.json()


def test_a_members_token_joins_the_chat_under_their_full_name(site_url):
    member = login(site_url).get(site_url + "/@@chat-token").json()
    assert member["name"] == "Anne Bonny"
    client = SockJSClient(site_url + "/chat")
    try:
        assert client.join(member["name"], token=member["token"])["name"] == "Anne Bonny"
        client.send({"type": "join", "name": "Mary Read", "token": member["token"]})
        assert client.next_of("error")["code"] == "bad_token"
    finally:
        client.close()


def test_a_member_posts_a_topic_and_a_reply_and_the_topic_has_its_own_room(site_url):
    session = login(site_url, MEMBERS[1])
    title = "Where is the treasure " + uuid.uuid4().hex[:6]
    token = authenticator(session.get(f"{site_url}/forums/general/++add++Topic").text)
    answer = session.post(f"{site_url}/forums/general/++add++Topic", data={
        "form.widgets.IBasic.title": title, "form.widgets.body": "Under the palm tree?",
        "form.buttons.save": "Save", "_authenticator": token})
    assert answer.status_code == 200 and title in answer.text
    topic = answer.url.rstrip("/")
    room = re.search(r'id="topic-room" href="([^"]+)"', answer.text).group(1)
    assert room.startswith(f"{site_url}/chat/rooms/general-")
    session.post(topic, data={
        "form.widgets.text": "Arr, dig there.", "form.buttons.comment": "Comment",
        "_authenticator": authenticator(session.get(topic).text)})
    assert "Arr, dig there." in requests.get(topic).text  # anyone reads the reply
    assert requests.get(room).status_code == 200
