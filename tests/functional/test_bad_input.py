"""Bad input over HTTP gets a 4xx and a sentence, never a 500 or a traceback
(issue 13, finding 4).

The only 5xx answers allowed are the ones the SockJS protocol requires (a
send body that is not JSON, a jsonp/htmlfile callback missing or unsafe:
500 with the protocol's sentence). Hypothesis throws methods, paths, query
strings (bytes that are not UTF-8 included), headers and bodies at every
endpoint of the app, in process; the issue's own examples also go to a live
server, whose WSGI server is what wrote the traceback.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid_sockjs_gevent.core import framing, protocol
from webob import Request

from piratechat import main
from piratechat.interfaces import IDatabase, ISockJSEndpoint, IWriter

#: The SockJS protocol's own 500s (sockjs-protocol 0.3.3) and their sentences.
PROTOCOL_500 = {protocol.PAYLOAD_EXPECTED, protocol.BROKEN_JSON,
                framing.CALLBACK_REQUIRED, framing.CALLBACK_INVALID}
SESSION = "bad-input-session"

ENDPOINTS = [
    "/", "/rooms/", "/rooms/{slug}/", "/rooms/{slug}/history", "/rooms/lobby/history",
    "/rooms/{slug}/{slug}", "/static/chat.js", "/static/{slug}", "/{slug}",
    "/sockjs", "/sockjs/", "/sockjs/info", "/sockjs/iframe.html", "/sockjs/iframe{slug}.html",
    f"/sockjs/000/{SESSION}/xhr_send", f"/sockjs/000/{SESSION}/jsonp_send",
    "/sockjs/000/{slug}/xhr_send", "/sockjs/000/{slug}/jsonp_send",
    "/sockjs/{slug}/{slug}/{slug}",
]
HEADERS = ["Content-Type", "Accept", "Origin", "Cookie", "X-Forwarded-For", "Referer",
           "Accept-Language", "If-None-Match", "Access-Control-Request-Headers",
           "Access-Control-Request-Method", "Host", "Content-Encoding"]
latin1 = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
anything = st.text(max_size=30)
raw_query = st.lists(
    st.tuples(st.sampled_from(["after", "limit", "c", "room", "foo", ""]),
              st.one_of(anything.map(lambda v: quote(v, safe="")),
                        st.binary(max_size=8).map(lambda b: "".join(f"%{x:02x}" for x in b)),
                        st.sampled_from(["²", "³", "①", "-1", "1e3", "0x10", " 1", "1.5",
                                         "99999999999999999999999"]).map(quote),
                        st.sampled_from(["%ff", "%", "%C0%80", "%ED%A0%80"]))),
    max_size=4,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


@pytest.fixture(scope="module")
def app(fresh_zodb_uri):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIRATECHAT_ZODB_URI", fresh_zodb_uri())
        application = main({})
    endpoint = application.registry.getUtility(ISockJSEndpoint, "sockjs_sockjs")
    yield application, endpoint
    application.registry.getUtility(IWriter).close()
    application.registry.getUtility(IDatabase).close()


def assert_answered_well(response, path: str) -> None:
    body = response.body
    assert b"Traceback" not in body and b'File "' not in body, body[:500]
    if response.status_code >= 500:
        assert path.startswith("/sockjs/"), (response.status, body[:300])
        assert body.decode() in PROTOCOL_500, (response.status, body[:300])


@pytest.mark.parametrize("template", ENDPOINTS)
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]),
    slug=st.one_of(anything.map(lambda v: quote(v, safe="")),
                   st.binary(min_size=1, max_size=6).map(
                       lambda b: "".join(f"%{x:02x}" for x in b))),
    query=raw_query,
    headers=st.dictionaries(st.sampled_from(HEADERS), latin1, max_size=4),
    body=st.one_of(st.binary(max_size=200),
                   st.sampled_from([b"", b"room=", b"room=%ff", b'["x"]', b"d=%ff", b"[", b"{}",
                                    b"room=" + b"a" * 70, b"\xff\xfe"])),
)
def test_no_endpoint_answers_bad_input_with_a_500_or_a_traceback(
        app, method, template, slug, query, headers, body):
    application, endpoint = app
    if endpoint.sessions.get(SESSION) is None:  # a session the send URLs can reach
        endpoint.sessions.create(SESSION, {})
    path = template.replace("{slug}", slug or "x")
    request = Request.blank(path, method=method, headers=headers, POST=None)
    request.environ["QUERY_STRING"] = query
    request.environ["REMOTE_ADDR"] = "127.0.0.1"
    if method in ("POST", "PUT", "PATCH"):
        request.body = body
    response = request.get_response(application)
    assert_answered_well(response, path)


@pytest.mark.parametrize("query", ["after=%C2%B2", "limit=%C2%B3", "after=%E2%91%A0",
                                   "foo=%ff", "after=-1", "limit=0", "after=1e3"])
def test_the_issues_examples_are_400s_with_a_reason_on_a_live_server(live_server, query):
    try:
        urllib.request.urlopen(f"{live_server}/rooms/lobby/history?{query}", timeout=10)
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        assert error.code == 400, body
        assert "Traceback" not in body and ("must be" in body or "UTF-8" in body), body
    else:
        pytest.fail("bad input was answered 200")
