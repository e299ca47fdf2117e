"""The site's navigation on the chat's pages: a fragment fetched from the site, kept a while.

Where the chat is part of the Plone site, its pages show the site's sections
and member bar (``#crew``, piratechat/plone/crew.py). The chat's theme filter
(``site_nav``, web/theming.py) asks the site for that fragment over HTTP (an
absolute URL: the site's own address, e.g. when the chat runs in processes of
its own behind nginx; or a path, asked of the server this request came to,
which in plone.ini's one process is the site itself) and keeps it for
``TTL`` seconds: one request to the site per half minute, whatever the chat's
load. The fragment is the same for everyone (anonymous; its links are paths),
so one copy serves every page. If the site does not answer, the last copy
is kept, or the page goes without: the chat never waits long for the site
nor fails because of it.
"""

from __future__ import annotations

import logging
import threading
import time

import lxml.etree
import lxml.html
import urllib3

log = logging.getLogger(__name__)

#: Seconds a fetched fragment (or a failure) is kept before the site is asked again.
TTL = 30.0
#: Seconds the site has to answer.
TIMEOUT = 2.0
#: The fragment's root element.
FRAGMENT_ID = "crew"


class SiteFragment:
    def __init__(self, url: str, ttl: float = TTL, timeout: float = TIMEOUT):
        self.url = url
        self.ttl = ttl
        self.timeout = timeout
        self.fragment = b""
        self.expires = 0.0
        self._fetching = threading.Lock()

    def get(self, environ: dict) -> bytes:
        """The fragment's HTML (b"" if the site never answered). One request
        at a time asks the site; the others meanwhile use what is kept."""
        if time.monotonic() >= self.expires and self._fetching.acquire(blocking=False):
            try:
                fetched = self._fetch(environ)
                if fetched is not None:
                    self.fragment = fetched
                self.expires = time.monotonic() + self.ttl
            finally:
                self._fetching.release()
        return self.fragment

    def _fetch(self, environ: dict) -> bytes | None:
        url, headers = self.url, {}
        if url.startswith("/"):  # this server's own address, under the name it was asked by
            url = "http://{}:{}{}".format(environ.get("SERVER_NAME", "127.0.0.1"),
                                          environ.get("SERVER_PORT", "80"), url)
            if environ.get("HTTP_HOST"):
                headers["Host"] = environ["HTTP_HOST"]
        try:
            answer = urllib3.request("GET", url, headers=headers, redirect=False, retries=False,
                                     timeout=urllib3.Timeout(total=self.timeout))
            if answer.status != 200:
                raise ValueError(f"it answered {answer.status}")
            found = lxml.html.fromstring(answer.data).get_element_by_id(FRAGMENT_ID)
        except (urllib3.exceptions.HTTPError, OSError, KeyError, ValueError,
                lxml.etree.LxmlError) as error:
            log.warning("the site's navigation (%s) could not be had: %s", url, error)
            return None
        return lxml.html.tostring(found, encoding="utf-8")
