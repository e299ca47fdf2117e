"""SockJS protocol, "EventSource", "HtmlFile" and "JsonPolling"."""

import re
import uuid

import pytest
import sockjs_servers
from sockjs_client import GET, POST, http, stream
from test_xhr import assert_not_cached, url_of

inproc = sockjs_servers.inproc  # the fixture, also for modules that import these tests (nginx)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# --- EventSource: "/*/*/eventsource" ----------------------------------------------------------


def test_eventsource_section_transport(server):
    url = url_of(server.echo)
    r, conn = stream("GET", url + "/eventsource")
    try:
        assert r.status == 200
        assert r["content-type"].replace(" ", "") == "text/event-stream"
        assert_not_cached(r)
        assert conn.read_chunk() == b"\r\n"
        assert conn.read_chunk() == b"data: o\r\n\r\n"
        assert (POST(url + "/xhr_send", body='["x"]').status) == 204
        assert conn.read_chunk() == b'data: a["x"]\r\n\r\n'
        assert POST(url + "/xhr_send", body=r'["  \u0000\n\r "]').status == 204
        assert conn.read_chunk() == b'data: a["  \\u0000\\n\\r "]\r\n\r\n'
    finally:
        conn.close()


def test_eventsource_section_response_limit(server):
    url = url_of(server.echo)
    r, conn = stream("GET", url + "/eventsource")
    try:
        assert conn.read_chunk() and conn.read_chunk() == b"data: o\r\n\r\n"
        msg = '"' + "x" * 4096 + '"'
        assert POST(url + "/xhr_send", body="[" + msg + "]").status == 204
        assert conn.read_chunk() == ("data: a[" + msg + "]\r\n\r\n").encode()
        assert conn.read_chunk() == b""
    finally:
        conn.close()


# --- HtmlFile: "/*/*/htmlfile" -------------------------------------------------------------------

HEAD = """<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.%s;
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>"""


def test_htmlfile_section_transport(server):
    url = url_of(server.echo)
    r, conn = stream("GET", url + "/htmlfile?c=%63allback")
    try:
        assert r.status == 200
        assert r["content-type"].replace(" ", "") == "text/html;charset=UTF-8"
        assert_not_cached(r)
        head = conn.read_chunk()
        assert head.decode().strip() == HEAD % "callback" and len(head) > 1024
        assert conn.read_chunk() == b'<script>\np("o");\n</script>\r\n'
        assert POST(url + "/xhr_send", body='["x"]').status == 204
        assert conn.read_chunk() == b'<script>\np("a[\\"x\\"]");\n</script>\r\n'
    finally:
        conn.close()


@pytest.mark.parametrize("transport", ["htmlfile", "jsonp"])
def test_htmlfile_and_jsonp_sections_no_callback(inproc, transport):
    r = GET(f"{inproc.echo}/a/a/{transport}")
    assert r.status == 500 and b'"callback" parameter required' in r.body


@pytest.mark.parametrize("transport", ["htmlfile", "jsonp"])
@pytest.mark.parametrize("callback", ["%20", "*", "abc(", "abc%28", "%FF", "a%0Ab"])
def test_htmlfile_and_jsonp_sections_invalid_callback(inproc, transport, callback):
    r = GET(f"{inproc.echo}/a/a/{transport}?c={callback}")
    assert r.status == 500 and b'invalid "callback" parameter' in r.body


def test_htmlfile_section_response_limit(server):
    url = url_of(server.echo)
    r, conn = stream("GET", url + "/htmlfile?c=callback")
    try:
        assert conn.read_chunk()
        assert conn.read_chunk() == b'<script>\np("o");\n</script>\r\n'
        msg = "x" * 4096
        assert POST(url + "/xhr_send", body='["' + msg + '"]').status == 204
        assert conn.read_chunk() == ('<script>\np("a[\\"' + msg + '\\"]");\n</script>\r\n').encode()
        assert conn.read_chunk() == b""
    finally:
        conn.close()


def test_htmlfile_section_script_end_tags_in_messages_cannot_escape(server):
    """Ours: a message cannot close the page's <script> and run as markup."""
    url = url_of(server.echo)
    r, conn = stream("GET", url + "/htmlfile?c=cb")
    try:
        conn.read_chunk(), conn.read_chunk()
        POST(url + "/xhr_send", body='["</script><script>alert(1)</script>"]')
        chunk = conn.read_chunk()
        assert b"</script>" not in chunk[: -len(b"</script>\r\n")]
        assert b"\\u003c/script>" in chunk
    finally:
        conn.close()


# --- JsonPolling: "/*/*/jsonp", "/*/*/jsonp_send" ---------------------------------------------


def test_jsonp_polling_section_transport(server):
    url = url_of(server.echo)
    r = GET(url + "/jsonp?c=%63allback")
    assert r.status == 200
    assert r["content-type"].replace(" ", "") == "application/javascript;charset=UTF-8"
    assert_not_cached(r)
    assert r.body == b'/**/callback("o");\r\n'
    r = POST(url + "/jsonp_send", body="d=%5B%22x%22%5D", headers=FORM)
    assert (r.status, r.body) == (200, b"ok")
    assert r["content-type"].replace(" ", "") == "text/plain;charset=UTF-8"
    assert_not_cached(r)
    assert GET(url + "/jsonp?c=%63allback").body == b'/**/callback("a[\\"x\\"]");\r\n'


def test_jsonp_polling_section_invalid_json(inproc):
    url = url_of(inproc.echo)
    assert GET(url + "/jsonp?c=x").body == b'/**/x("o");\r\n'
    r = POST(url + "/jsonp_send", body="d=%5B%22x", headers=FORM)
    assert r.status == 500 and b"Broken JSON encoding." in r.body
    for data in ["", "d=", "p=p"]:
        r = POST(url + "/jsonp_send", body=data, headers=FORM)
        assert r.status == 500 and b"Payload expected." in r.body
    assert POST(url + "/jsonp_send", body="d=%5B%22b%22%5D", headers=FORM).body == b"ok"
    assert GET(url + "/jsonp?c=x").body == b'/**/x("a[\\"b\\"]");\r\n'


def test_jsonp_polling_section_content_types(inproc):
    url = url_of(inproc.echo)
    GET(url + "/jsonp?c=x")
    assert POST(url + "/jsonp_send", body="d=%5B%22abc%22%5D", headers=FORM).body == b"ok"
    r = POST(url + "/jsonp_send", body='["%61bc"]', headers={"Content-Type": "text/plain"})
    assert r.body == b"ok"
    assert GET(url + "/jsonp?c=x").body == b'/**/x("a[\\"abc\\",\\"%61bc\\"]");\r\n'


def test_jsonp_polling_section_close(inproc):
    url = url_of(inproc.close)
    assert GET(url + "/jsonp?c=x").body == b'/**/x("o");\r\n'
    for _ in range(2):
        assert GET(url + "/jsonp?c=x").body == b'/**/x("c[3000,\\"Go away!\\"]");\r\n'


def test_jsonp_polling_section_sending_empty_frame(inproc):
    url = url_of(inproc.echo)
    GET(url + "/jsonp?c=x")
    assert POST(url + "/jsonp_send", body="d=%5B%5D", headers=FORM).body == b"ok"
    assert POST(url + "/jsonp_send", body="d=%5B%22x%22%5D", headers=FORM).body == b"ok"
    assert GET(url + "/jsonp?c=x").body == b'/**/x("a[\\"x\\"]");\r\n'


def test_jsonp_polling_section_send_to_unknown_session_is_404(inproc):
    r = POST(f"{inproc.echo}/000/{uuid.uuid4().hex}/jsonp_send", body="d=%5B%5D", headers=FORM)
    assert r.status == 404


@pytest.mark.parametrize("transport, method", [("jsonp", "POST"), ("eventsource", "POST"),
                                               ("htmlfile", "PUT"), ("jsonp_send", "GET")])
def test_streams_wrong_method_is_405(inproc, transport, method):
    r = http(method, url_of(inproc.echo) + "/" + transport + "?c=x")
    assert r.status == 405 and r["allow"] and r["content-type"] is None and r.body == b""


def test_jsonp_polling_section_answers_start_with_a_comment(inproc):
    """``/**/`` first: no JSONP answer can pass for a Flash file."""
    url = url_of(inproc.echo)
    assert re.match(rb"^/\*\*/", GET(url + "/jsonp?c=CWS").body)
