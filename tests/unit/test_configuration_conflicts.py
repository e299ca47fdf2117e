"""Configuration conflicts fail the start, as Pyramid's own do: two SockJS
endpoints on one prefix, and a registration of another package that clashes
with one of ours (which a commit in the middle of ``piratechat.includeme``
used to turn into a silent override)."""

from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError, URLDecodeError
from pyramid_sockjs_gevent import Session
from zope.interface.verify import verifyObject

from piratechat.interfaces import (
    IBroker,
    IChat,
    IDatabase,
    IHistory,
    IMetrics,
    IRoomChoices,
    ISettings,
    ISockJSEndpoint,
    ITranslatorGuard,
    IWriter,
)
from piratechat.translators.pirate import PirateTranslator


def sockjs_app() -> Configurator:
    config = Configurator()
    config.include("pyramid_sockjs_gevent")
    return config


def test_two_endpoints_on_one_prefix_conflict_whatever_their_names():
    config = sockjs_app()
    config.add_sockjs_route("/echo", Session, name="first")
    config.add_sockjs_route("echo/", Session, name="second")
    with pytest.raises(ConfigurationConflictError, match="sockjs endpoint"):
        config.commit()


def test_endpoints_on_two_prefixes_are_both_registered():
    config = sockjs_app()
    echo = config.add_sockjs_route("/echo", Session)
    chat = config.add_sockjs_route("/chat", Session)
    config.commit()
    found = dict(config.registry.getUtilitiesFor(ISockJSEndpoint))
    assert found == {"sockjs_echo": echo, "sockjs_chat": chat}


def echo_package(config):
    """Another package that serves SockJS at /echo."""
    config.add_sockjs_route("/echo", Session)


def test_the_app_may_override_an_endpoint_a_package_it_includes_declares():
    config = sockjs_app()
    config.include(echo_package)
    own = config.add_sockjs_route("/echo", Session)
    config.commit()
    assert config.registry.getUtility(ISockJSEndpoint, "sockjs_echo") is own


def bad_url_view(exc, request):
    return None


def bad_url_package(config):
    """Another package with its own view for undecodable paths (pyramid_sockjs_gevent has one)."""
    config.add_exception_view(bad_url_view, context=URLDecodeError)


def pirate_package(config):
    """Another package offering a translator under a built-in's name."""
    config.add_translator(PirateTranslator(), origin="pirate_package")


@pytest.fixture
def chat_app(monkeypatch, fresh_zodb_uri):
    """A Configurator that includes the whole chat (its database opened); closed after."""
    monkeypatch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
    config = Configurator()
    config.include("piratechat")
    yield config
    config.registry.getUtility(IWriter).close()
    config.registry.getUtility(IDatabase).close()


@pytest.mark.parametrize("package", [bad_url_package, pirate_package],
                         ids=["a view", "a translator"])
def test_a_package_clashing_with_what_piratechat_registers_first_conflicts(chat_app, package):
    chat_app.include(package)
    with pytest.raises(ConfigurationConflictError):
        chat_app.commit()


def test_the_chat_alone_commits_and_each_part_keeps_its_interfaces_contract(chat_app):
    chat_app.commit()
    registry = chat_app.registry
    parts = [IBroker, IChat, IDatabase, IHistory, IMetrics, IRoomChoices, ISettings,
             ITranslatorGuard, IWriter]
    for interface in parts:
        verifyObject(interface, registry.getUtility(interface))
    endpoint = registry.getUtility(ISockJSEndpoint, "sockjs_sockjs")
    verifyObject(ISockJSEndpoint, endpoint)
    assert endpoint.options.max_queue == registry.getUtility(ISettings).max_queue
