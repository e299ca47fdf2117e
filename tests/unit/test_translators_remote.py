"""RemoteTranslator against a real HTTP service on loopback: answers and every failure.

These run without gevent's monkey-patching (urllib3's own socket timeouts
do the bounding); tests/functional/test_translators_remote.py runs it in a
patched server, where other connections must go on while it waits.
"""

from __future__ import annotations

import socket

import pytest
from zope.interface.verify import verifyObject

from piratechat.interfaces import ITranslator, TranslatorUnavailable
from piratechat.translators.guard import Guard
from piratechat.translators.pirate import PirateTranslator
from piratechat.translators.remote import RemoteTranslator
from tests.support.arrpi_server import ArrpiServer, answer


@pytest.fixture
def service():
    with ArrpiServer() as server:
        yield server


def remote(url: str, **options) -> RemoteTranslator:
    options = {"connect_timeout": 0.5, "read_timeout": 0.3, **options}
    return RemoteTranslator(url, **options)


def free_port_nobody_listens_on() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_provides_itranslator(service):
    verifyObject(ITranslator, remote(service.url))


def test_asks_with_the_text_as_query_and_returns_the_answer(service):
    text = "Hello, friend & ünïcode ☠ 100% ?a=b"
    assert remote(service.url).translate(text) == answer(text)
    assert service.asked == [text]


def test_keeps_a_query_already_in_the_url(service):
    assert remote(service.url + "?format=text").translate("hi") == answer("hi")
    assert service.asked == ["hi"]


def test_uses_the_declared_charset(service):
    service.mode = "latin1"
    assert remote(service.url).translate("café") == answer("café")


def test_refuses_a_url_that_is_not_http():
    with pytest.raises(ValueError):
        RemoteTranslator("ftp://example.com/arrpi")


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error", "HTTP 500"),
        ("hang", "no answer in time|cannot ask|answer cut"),
        ("drip", "too slow"),
        ("huge", "over"),
        ("html", "HTML page"),
        ("binary", "not utf-8"),
        ("blank", "blank"),
        ("redirect", "HTTP 302"),
    ],
)
def test_a_bad_answer_is_unavailable(service, mode, reason):
    service.mode = mode
    with pytest.raises(TranslatorUnavailable, match=reason):
        remote(service.url).translate("Hello, friend")


def test_a_service_that_is_down_is_unavailable():
    url = f"http://127.0.0.1:{free_port_nobody_listens_on()}/arrpi.php"
    with pytest.raises(TranslatorUnavailable, match="cannot ask"):
        remote(url).translate("Hello")


def test_recovers_once_the_service_does(service):
    translator = remote(service.url)
    service.mode = "error"
    with pytest.raises(TranslatorUnavailable):
        translator.translate("Hello")
    service.mode = "ok"
    assert translator.translate("Hello") == answer("Hello")


def test_through_the_guard_a_hanging_service_gets_the_pirate_and_is_marked(service):
    service.mode = "hang"
    guard = Guard(fallback=PirateTranslator())
    translation = guard.translate(remote(service.url), "Hello, friend")
    assert translation == ("Avast, mate", "pirate", "remote")


def test_through_the_guard_a_working_service_is_not_marked(service):
    guard = Guard(fallback=PirateTranslator())
    translation = guard.translate(remote(service.url), "Hello, friend")
    assert translation == (answer("Hello, friend"), "remote", None)
