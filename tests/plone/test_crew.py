"""One home for the crew (issue 20): joining, the site's sections and member bar on
every page (the chat's included), nothing empty or stray, over real HTTP."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.plone.conftest import MEMBERS
from tests.plone.test_site import login

#: The sections every page shows, as paths from the site's root.
SECTIONS = ('href="/"', 'href="/blog"', 'href="/forums"', 'href="/chat/"')


def crew(page: str) -> str:
    found = re.search(r'<div id="crew">.*?</div>', page, re.S)
    assert found, page[:3000]
    return found.group(0)


def current(fragment: str) -> str:
    return re.search(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', fragment).group(1)


@pytest.mark.parametrize("path, section", [("/", "Home"), ("/blog", "Blog"),
                                           ("/forums/general", "Forums"),
                                           ("/chat/", "Chat"), ("/chat/rooms/tortuga/", "Chat")])
def test_every_page_shows_the_sections_and_the_visitors_way_in(site_url, path, section):
    answer = requests.get(site_url + path)
    assert answer.status_code == 200
    fragment = crew(answer.text)
    assert all(link in fragment for link in SECTIONS), fragment
    assert current(fragment) == section
    assert ">Log in</a>" in fragment and ">Join the crew</a>" in fragment
    assert 'id="theme-menu"' in answer.text and 'aria-controls="theme-nav"' in answer.text


def test_no_stray_toggle_and_no_empty_card_on_the_sites_pages(site_url):
    page = requests.get(site_url + "/").text
    assert 'class="opener"' not in page and "portal-globalnav" not in page
    assert not re.search(r"<(section|nav) class=\"chart-card\"[^>]*>\s*</(section|nav)>", page)
    assert "site-tools" not in page  # a visitor may do nothing to the page


def test_a_member_sees_their_name_log_out_and_preferences(site_url):
    session = login(site_url)
    fragment = crew(session.get(site_url + "/blog").text)
    assert '<span id="crew-member">Anne Bonny</span>' in fragment
    assert 'href="/logout"' in fragment and 'href="/@@personal-preferences"' in fragment
    assert "Join the crew" not in fragment
    # The chat's pages carry the visitor's bar (one copy for all); the member's comes
    # from @@crew-member, which a visitor is refused.
    assert session.get(site_url + "/@@crew-member").json()["name"] == "Anne Bonny"
    assert requests.get(site_url + "/@@crew-member").status_code == 403


def test_a_visitor_joins_with_a_password_of_their_own_and_comes_back_logged_in(site_url):
    visitor = requests.Session()
    back = f"{site_url}/forums"
    form = visitor.get(f"{site_url}/@@register", params={"came_from": back})
    assert form.status_code == 200 and 'name="form.widgets.password"' in form.text
    user = "joiner" + uuid.uuid4().hex[:8]
    token = re.search(r'name="_authenticator" value="([^"]+)"', form.text).group(1)
    answer = visitor.post(f"{site_url}/@@register", data={
        "form.widgets.fullname": f"Joiner {user[-8:]}", "form.widgets.email": f"{user}@example.org",
        "form.widgets.username": user, "form.widgets.password": "a-good-secret",
        "form.widgets.password_ctl": "a-good-secret", "came_from": back,
        "form.buttons.register": "Register", "_authenticator": token})
    assert answer.url == back, answer.text[:3000]
    assert f'<span id="crew-member">Joiner {user[-8:]}</span>' in answer.text
    assert visitor.get(site_url + "/@@chat-token").json()["name"] == f"Joiner {user[-8:]}"


def test_the_lobby_box_listens_and_does_not_poll(site_url):
    page = requests.get(site_url + "/forums").text
    box = re.search(r'<section id="lobby-lines".*?</section>', page, re.S).group(0)
    assert 'data-sockjs-url="' in box and "data-history-url" not in box
    assert "be the first to speak" in box


def test_members_are_left_as_they_were(site_url):
    """(The profile's upgrade touched no member.)"""
    assert login(site_url, MEMBERS[1]).get(site_url + "/@@crew-member").json()["name"] == \
        "Mary Read"


def test_a_member_has_the_pages_tools_where_there_are_any(site_url):
    session = login(site_url, MEMBERS[1])
    forum = session.get(site_url + "/forums/general").text
    tools = re.search(r'<nav class="chart-card" id="site-tools".*?</nav>', forum, re.S).group(0)
    assert "/++add++Topic" in tools and "personaltools" not in tools
    assert "site-tools" not in session.get(site_url + "/").text  # nothing to do there


def test_log_in_from_a_page_comes_back_to_it(site_url):
    page = requests.get(site_url + "/forums/general").text
    login_link = re.search(r'<a id="crew-login" href="([^"]+)"', page).group(1)
    assert "came_from=" in login_link
    session = requests.Session()
    user, password, _ = MEMBERS[0]
    answer = session.post(site_url + "/login", data={
        "__ac_name": user, "__ac_password": password, "buttons.login": "Log in",
        "came_from": f"{site_url}/forums/general"})
    assert answer.url == f"{site_url}/forums/general"
    assert '<span id="crew-member">Anne Bonny</span>' in answer.text
