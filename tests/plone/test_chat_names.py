"""A member's chat name is unique among members whatever their profile says
(piratechat/plone/chat_names.py), over real HTTP and sockets to plone.ini: a
member who gives herself another member's full name, or a look-alike of it,
in the ordinary profile form does not chat under it."""

from __future__ import annotations

import html
import re
import uuid

import requests

from tests.functional.test_socket import SockJSClient
from tests.plone.conftest import MEMBERS
from tests.plone.test_site import authenticator, login

ANNE, MARY = MEMBERS


def token(session: requests.Session, site_url: str) -> dict:
    answer = session.get(f"{site_url}/@@chat-token")
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def field_value(form: str, name: str) -> str:
    field = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', form).group(0)
    return html.unescape(re.search(r'value="([^"]*)"', field).group(1))


def set_full_name(session: requests.Session, site_url: str, full_name: str) -> None:
    """Change the member's full name in Plone's own profile form, as a member would."""
    url = f"{site_url}/@@personal-information"
    form = session.get(url).text
    answer = session.post(url, data={
        "form.widgets.fullname": full_name,
        "form.widgets.email": field_value(form, "form.widgets.email"),
        "form.buttons.save": "Save", "_authenticator": authenticator(form)})
    assert answer.status_code == 200
    assert field_value(session.get(url).text, "form.widgets.fullname") == full_name


def test_two_members_with_one_full_name_chat_under_distinct_names(site_url):
    anne, mary = login(site_url, ANNE), login(site_url, MARY)
    assert token(anne, site_url)["name"] == "Anne Bonny"  # nobody else reads so
    try:
        for alike in ("Anne Bonny", "anne  B\u043enny"):  # itself; a Cyrillic о
            set_full_name(mary, site_url, alike)
            annes, marys = token(anne, site_url), token(mary, site_url)
            assert (annes["name"], marys["name"]) == ("Anne Bonny (anne)", f"{alike} (mary)")
            room = "names-" + uuid.uuid4().hex[:8]  # one room: the chat tells them apart
            clients = [SockJSClient(site_url + "/chat") for _ in range(2)]
            try:
                for client, member in zip(clients, (annes, marys), strict=True):
                    joined = client.join(member["name"], token=member["token"], room=room)
                    assert joined["name"] == member["name"]
            finally:
                for client in clients:
                    client.close()
    finally:
        set_full_name(mary, site_url, "Mary Read")
    assert token(anne, site_url)["name"] == "Anne Bonny"  # hers alone again
    assert token(mary, site_url)["name"] == "Mary Read"


def test_a_full_name_made_like_a_disambiguated_one_is_disambiguated_too(site_url):
    anne, mary = login(site_url, ANNE), login(site_url, MARY)
    try:
        set_full_name(mary, site_url, "Anne Bonny (anne)")
        assert token(mary, site_url)["name"] == "Anne Bonny (anne) (mary)"
        assert token(anne, site_url)["name"] == "Anne Bonny"
    finally:
        set_full_name(mary, site_url, "Mary Read")
