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
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from diazo.wsgi import DiazoMiddleware
from webob.static import DirectoryApp

from ..settings import parse

#: The paths of the chat's HTML pages: the front page, the rooms' form, a room.
PAGE_PATH = re.compile(r"^/(rooms/([^/]+/)?)?$")
#: Where the theme's own files (its CSS and images) are served.
THEME_PREFIX = "/theme"


def filter_factory(app, global_conf, **local_conf):
    """``[filter:theme]``: ``theme_folder`` (the designer's folder, holding
    ``rules.xml``), ``piratechat.theme`` (on/off), ``piratechat.theme_reload``."""
    settings = parse(local_conf)
    if not settings.theme:
        return app
    folder = local_conf.get("theme_folder") or os.path.join(global_conf["here"], "theme")
    return ThemeFilter(app, Path(folder), reload=settings.theme_reload)


class ThemeFilter:
    def __init__(self, app, folder: Path, reload: bool = False):
        self.app = app
        self.folder = folder.resolve()
        self.reload = reload
        self.files = DirectoryApp(str(self.folder))
        self._stamp = self._fingerprint()
        self.diazo = self._compile()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if PAGE_PATH.match(path):
            return self._themed()(environ, start_response)
        if path.startswith(THEME_PREFIX + "/") and not path.endswith(".xml"):
            environ = dict(environ, PATH_INFO=path[len(THEME_PREFIX):],
                           SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + THEME_PREFIX)
            return self.files(environ, start_response)
        return self.app(environ, start_response)

    def _themed(self) -> DiazoMiddleware:
        if self.reload:
            stamp = self._fingerprint()
            if stamp != self._stamp:
                self.diazo, self._stamp = self._compile(), stamp
        return self.diazo

    def _compile(self) -> DiazoMiddleware:
        # A file:// URL, so the theme and its rules are read from the folder only: Diazo
        # would otherwise try a path without a scheme as a request to the app first.
        diazo = DiazoMiddleware(
            self.app, {}, rules=(self.folder / "rules.xml").as_uri(), prefix=THEME_PREFIX,
            doctype="<!DOCTYPE html>", read_network=False, update_content_length=True,
        )
        diazo.transform_middleware = diazo.get_transform_middleware()  # compiled now, kept
        return diazo

    def _fingerprint(self) -> tuple:
        return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                            for p in self.folder.rglob("*") if p.is_file()))
