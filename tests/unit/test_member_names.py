"""Members' reserved names in the chat (chat/core/members.py) and the signatures of
the site's list of them (chat/runtime/member_list.py), apart from sockets and Plone."""

from __future__ import annotations

import pytest

from piratechat.chat.core.members import MemberNames
from piratechat.chat.core.messages import ChatError
from piratechat.chat.core.names import name_key
from piratechat.chat.runtime.member_list import body_signature, request_ok, signed_query
from piratechat.settings import SettingsError, parse

SECRET = "s3cret"
NOW = 1_800_000_000


def query(text: str) -> dict:
    return dict(pair.split("=") for pair in text.split("&"))


def test_only_a_fresh_request_signed_with_the_secret_is_answered():
    signed = query(signed_query(SECRET, NOW))
    assert request_ok(SECRET, signed["at"], signed["sig"], NOW + 60)
    assert not request_ok("another", signed["at"], signed["sig"], NOW)
    assert not request_ok(SECRET, signed["at"], signed["sig"], NOW + 3600)  # replayed late
    assert not request_ok(SECRET, str(NOW + 1), signed["sig"], NOW)  # another time
    assert not request_ok(SECRET, None, None, NOW)
    assert not request_ok("", signed["at"], signed["sig"], NOW)  # no secret: nobody
    assert body_signature(SECRET, b"{}") != body_signature("another", b"{}")


def test_before_the_sites_list_comes_an_anonymous_name_is_not_let_through():
    members = MemberNames(from_site=True)
    with pytest.raises(ChatError) as error:
        members.taken("Anyone")
    assert error.value.code == "unavailable"
    members.replace([name_key("Anne Bonny"), name_key("anne")])
    assert members.taken("ANNE  B\u043eNNY") and members.taken("Anne")  # look-alikes too
    assert not members.taken("Mary Read")


def test_each_list_replaces_the_last_and_what_tokens_taught():
    members = MemberNames(from_site=True)
    members.replace([name_key("Stede Bonnet")])
    members.add("Calico Jack")  # a token, before the next list
    assert members.taken("Calico Jack")
    members.replace([name_key("The Gentleman Pirate"), name_key("Calico Jack")])  # renamed
    assert not members.taken("Stede Bonnet")
    assert members.taken("The Gentleman Pirate") and members.taken("Calico Jack")


def test_without_a_list_tokens_are_all_the_chat_knows():
    members = MemberNames()
    assert not members.taken("Anne Bonny")
    members.add("Anne Bonny")
    assert members.taken("anne bonny")


@pytest.mark.parametrize("url", ["/@@chat-member-names", "http://site.example/@@chat-member-names",
                                 "https://site.example:8443/names", ""])
def test_the_lists_url_is_a_path_or_a_sites_url(url):
    assert parse({"piratechat.member_names_url": url}, {}).member_names_url == url


@pytest.mark.parametrize("url", ["ftp://site.example/", "site.example/names", "http:///names"])
def test_another_url_stops_the_start(url):
    with pytest.raises(SettingsError, match="member_names_url"):
        parse({"piratechat.member_names_url": url}, {})


def test_a_list_needs_the_secret_it_is_signed_with():
    from pyramid.registry import Registry

    from piratechat.broker.local import LocalBroker
    from piratechat.chat.runtime.service import Chat
    from piratechat.storage.memory import MemoryHistory

    settings = parse({"piratechat.member_names_url": "/@@chat-member-names"}, {})
    with pytest.raises(SettingsError, match="token_secret"):
        Chat(settings, Registry("test"), MemoryHistory(), LocalBroker())
