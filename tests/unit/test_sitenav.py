"""The site's navigation fragment, as the chat's theme filter gets it (web/sitenav.py):
over real HTTP from a little server of the test's own, kept a while, and the last
good copy kept when the site fails."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from piratechat.web.sitenav import SiteFragment

PAGE = (b'<html><body><p>around</p><div id="crew"><nav><a href="/blog">Blog</a></nav>'
        b'</div></body></html>')


class Site:
    """A site answering its fragment (or ``status``), counting the requests."""

    def __init__(self):
        self.hits = 0
        self.status = 200
        self.hosts: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.hits += 1
                site.hosts.append(self.headers.get("Host", ""))
                self.send_response(site.status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()
    s.server.server_close()


ENVIRON = {"SERVER_NAME": "127.0.0.1", "HTTP_HOST": "chat.example:8080"}


def test_the_fragment_is_its_element_alone_and_asked_once_a_while(site):
    fragment = SiteFragment(f"http://127.0.0.1:{site.port}/@@crew-nav", ttl=3600)
    assert fragment.get(ENVIRON) == b'<div id="crew"><nav><a href="/blog">Blog</a></nav></div>'
    fragment.get(ENVIRON)
    assert site.hits == 1


def test_a_path_is_asked_of_this_server_under_the_name_it_was_asked_by(site):
    fragment = SiteFragment("/@@crew-nav?current=chat")
    assert b'id="crew"' in fragment.get(dict(ENVIRON, SERVER_PORT=str(site.port)))
    assert site.hosts == ["chat.example:8080"]


def test_a_failing_site_leaves_the_last_copy_and_is_asked_again_later(site):
    fragment = SiteFragment(f"http://127.0.0.1:{site.port}/@@crew-nav", ttl=0)
    kept = fragment.get(ENVIRON)
    site.status = 500
    assert fragment.get(ENVIRON) == kept
    assert site.hits == 2


def test_no_site_at_all_is_no_fragment(site):
    port = site.port
    site.server.shutdown()
    site.server.server_close()
    assert SiteFragment(f"http://127.0.0.1:{port}/@@crew-nav", timeout=2).get(ENVIRON) == b""
