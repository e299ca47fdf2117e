"""The designer's theme, applied by Diazo, to the app's HTML pages only.

A PasteDeploy filter (``egg:piratechat#theme``). Requests are routed by path,
never by the response's content type: only the chat's pages (``/``,
``/rooms/``, ``/rooms/<slug>/``) pass through Diazo; the theme's own files are
served under ``/theme/``; everything else (SockJS, which takes the socket or
streams; a room's JSON history; static files; the favicon) goes straight to
the app, untouched, so a response there is byte for byte what it is without
the theme.

The compiled theme is kept. With ``theme_reload`` on (development.ini) it is
compiled again when a file under the theme's folder changes, so an edit shows
on the next reload; production compiles once.

Themed pages are kept too: the transform is a pure function of the app's page
and of Diazo's parameters (path, host, scheme, query string), and most
requests for a room get the very same page, so the result for the last
``CACHE_SIZE`` (page, parameters) pairs is reused (measured by
bench/theme_bench.py: the XSLT transform costs about twice what rendering the
page does). Only the body and its Content-Type come from the cache; the
status and other headers are the app's answer to this request.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import OrderedDict
from pathlib import Path

from diazo.wsgi import DiazoMiddleware
from webob import Request
from webob.static import DirectoryApp

from ..settings import parse
from .sitenav import SiteFragment

#: The paths of the chat's HTML pages: the front page, the rooms' form, a room, a
#: room's line (``lines/<seq>``), the search (``/search``, ``<room>/search``).
PAGE_PATH = re.compile(r"^/((rooms/([^/]+/(lines/[^/]+|search)?)?)|search)?$")
#: Every path (``pages = all``): what is themed is then told by the answer alone.
ANY_PATH = re.compile(r"")
#: Where the theme's own files (its CSS and images) are served.
THEME_PREFIX = "/theme"
#: Themed pages kept (LRU), each about the size of one page.
CACHE_SIZE = 256
#: Where the app's answer waits for Diazo in the environ (see ``_replay``).
_ANSWER = "piratechat.theme.answer"


def filter_factory(app, global_conf, **local_conf):
    """``[filter:theme]``: ``theme_folder`` (the designer's folder, holding
    ``rules.xml``), ``piratechat.theme`` (on/off), ``piratechat.theme_reload``;
    ``rules`` (another rules file in the folder, e.g. the Plone site's) and
    ``pages`` (``chat``: the chat's pages only; ``all``: every HTML answer, for an
    app such as Plone whose pages are anywhere); ``site_nav`` (the URL, or a path on
    this server, of the site's navigation fragment the chat's pages show: see
    web/sitenav.py; none by default)."""
    settings = parse(local_conf)
    if not settings.theme:
        return app
    folder = local_conf.get("theme_folder") or os.path.join(global_conf["here"], "theme")
    pages = {"chat": PAGE_PATH, "all": ANY_PATH}[local_conf.get("pages", "chat")]
    site_nav = local_conf.get("site_nav")
    return ThemeFilter(app, Path(folder), reload=settings.theme_reload,
                       rules=local_conf.get("rules", "rules.xml"), pages=pages,
                       site_nav=SiteFragment(site_nav) if site_nav else None)


class ThemeFilter:
    def __init__(self, app, folder: Path, reload: bool = False, rules: str = "rules.xml",
                 pages: re.Pattern = PAGE_PATH, site_nav: SiteFragment | None = None):
        self.app = app
        self.site_nav = site_nav
        self.folder = folder.resolve()
        self.reload = reload
        self.rules = rules
        self.page_path = pages
        self.files = DirectoryApp(str(self.folder))
        self._stamp = self._fingerprint()
        self.diazo = self._compile()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(THEME_PREFIX + "/") and not path.endswith(".xml"):
            environ = dict(environ, PATH_INFO=path[len(THEME_PREFIX):],
                           SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + THEME_PREFIX)
            return self.files(environ, start_response)
        if self.page_path.match(path):
            return self._themed(environ, start_response)
        return self.app(environ, start_response)

    def _themed(self, environ, start_response):
        if self.reload:
            stamp = self._fingerprint()
            if stamp != self._stamp:
                self.diazo, self._stamp = self._compile(), stamp
        request = Request(environ)
        # What Diazo would do before asking the app (its XSLTMiddleware.__call__).
        request.remove_conditional_headers(remove_encoding=True, remove_range=False,
                                           remove_match=False, remove_modified=True)
        answer = request.get_response(self.app)
        if not _themable(answer):
            return answer(environ, start_response)
        if self.site_nav is not None:
            _put_in(answer, self.site_nav.get(environ))
        if request.method == "HEAD":  # Diazo answers it with the headers it would send
            return self.diazo(dict(environ, **{_ANSWER: answer}), start_response)
        key = hashlib.sha256(b"\0".join([
            answer.status.encode(), answer.body,
            *(str(environ.get(k, "")).encode("utf-8", "surrogateescape")
              for k in ("PATH_INFO", "QUERY_STRING", "HTTP_HOST", "wsgi.url_scheme")),
        ])).digest()
        kept = self.pages.get(key)
        if kept is None:
            themed = Request(dict(environ, **{_ANSWER: answer})).get_response(self.diazo)
            kept = (themed.body, themed.headers.get("Content-Type"))
            self.pages[key] = kept
            if len(self.pages) > CACHE_SIZE:
                self.pages.popitem(last=False)
        else:  # (another thread may have just dropped it: plone.ini themes in threads)
            with contextlib.suppress(KeyError):
                self.pages.move_to_end(key)
        headers = answer.headers
        for stale in ("Content-Range", "Accept-Ranges", "Content-MD5"):
            headers.pop(stale, None)
        answer.body, headers["Content-Type"] = kept  # the body sets Content-Length
        return answer(environ, start_response)

    @staticmethod
    def _replay(environ, start_response):
        """The app, as Diazo sees it: the answer the filter already has."""
        return environ[_ANSWER](environ, start_response)

    def _compile(self) -> DiazoMiddleware:
        # A file:// URL, so the theme and its rules are read from the folder only: Diazo
        # would otherwise try a path without a scheme as a request to the app first.
        self.pages: OrderedDict[bytes, tuple[bytes, str]] = OrderedDict()
        diazo = DiazoMiddleware(
            self._replay, {}, rules=(self.folder / self.rules).as_uri(), prefix=THEME_PREFIX,
            doctype="<!DOCTYPE html>", read_network=False, update_content_length=True,
        )
        diazo.transform_middleware = diazo.get_transform_middleware()  # compiled now, kept
        return diazo

    def _fingerprint(self) -> tuple:
        return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                            for p in self.folder.rglob("*") if p.is_file()))


def _put_in(answer, fragment: bytes) -> None:
    """The site's fragment, first in the page's body, where the rules find it."""
    if fragment:
        body = answer.body
        at = body.find(b">", body.find(b"<body")) + 1
        if at > 0:
            answer.body = body[:at] + fragment + body[at:]


def _themable(answer) -> bool:
    """Diazo's own test (XSLTMiddleware.should_transform), in fewer steps: a page's
    HTML, not compressed, not a redirect, an empty answer, a 204 or a 401."""
    code = answer.status_code
    return (answer.headers.get("Content-Type", "").startswith(("text/html",
                                                                "application/xhtml+xml"))
            and answer.headers.get("Content-Encoding") not in ("zip", "deflate", "compress")
            and not 300 <= code < 400 and code not in (204, 401) and bool(answer.body))
