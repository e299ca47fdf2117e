"""``egg:piratechat#plone``: Zope (with the Plone site at its root) as a WSGI app.

Zope reads a zope.conf; ours is written from ``zope.conf.in`` into the
instance folder (``var``, e.g. var/plone) so the ini alone says where the
database lives. The site is created (or checked) by piratechat.plone.site
before the first request. Requests are rewritten for Zope's virtual hosting,
so the site at /Plone answers at ``/`` and its links say so.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from string import Template

from ..settings import parse

SITE_ID = "Plone"


def app_factory(global_conf, var="var/plone", chat_url="/chat", **local_conf):
    """``[app:plone]``: ``var`` (the instance folder: Data.fs, blobs, zope.conf; the
    environment's ``PIRATECHAT_PLONE_VAR`` wins), ``chat_url`` (where the site asks
    the chat: a path on this server, or the chat's address; plone/topic_rooms.py;
    ``PIRATECHAT_PLONE_CHAT_URL`` wins),
    ``piratechat.token_secret`` (shared with the chat; see settings.py)."""
    instance = Path(global_conf.get("here", "."),
                    os.environ.get("PIRATECHAT_PLONE_VAR") or var).resolve()
    from . import config

    config.CHAT_URL = os.environ.get("PIRATECHAT_PLONE_CHAT_URL") or chat_url
    app = start_zope(instance, {**global_conf, **local_conf}, global_conf)
    from .site import ensure_site

    ensure_site()
    return VirtualRoot(app, SITE_ID)


def start_zope(instance: Path, settings: dict | None = None, global_conf: dict | None = None):
    """Zope configured and started on the instance folder; its WSGI app.

    The token secret: the ``token_secret`` setting, else one made for the
    instance and kept in it; either way put in the environment, so the chat
    built next in this process (plone.ini lists / before /chat) reads the same."""
    from Zope2.Startup.run import make_wsgi_app

    (instance / "blobs").mkdir(parents=True, exist_ok=True)
    template = Template((Path(__file__).parent / "zope.conf.in").read_text())
    conf = instance / "zope.conf"
    conf.write_text(template.substitute(INSTANCE=str(instance)))
    chat_settings = parse(settings or {})
    secret = chat_settings.token_secret or secret_for(instance)
    os.environ["PIRATECHAT_TOKEN_SECRET"] = secret
    from . import config

    config.TOKEN_SECRET = secret
    config.MAX_NAME = chat_settings.max_name
    return make_wsgi_app(global_conf or {}, str(conf))


def secret_for(instance: Path) -> str:
    """The instance's token secret (made once, kept in the instance folder)."""
    path = Path(instance) / "token_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()


class VirtualRoot:
    """Zope's virtual hosting, said in the path: ``/x`` is ``/<site>/x`` and the
    site's URLs are the request's own (scheme, host, and the mount point)."""

    def __init__(self, app, site_id: str):
        self.app = app
        self.site_id = site_id

    def __call__(self, environ, start_response):
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or "{}:{}".format(environ["SERVER_NAME"],
                                                          environ["SERVER_PORT"])
        if ":" not in host:
            host += ":443" if scheme == "https" else ":80"
        mount = environ.get("SCRIPT_NAME", "").strip("/")
        inside = "/_vh_" + "/_vh_".join(mount.split("/")) if mount else ""
        path = environ.get("PATH_INFO", "") or "/"
        environ = dict(environ, SCRIPT_NAME="", PATH_INFO=(
            f"/VirtualHostBase/{scheme}/{host}/{self.site_id}/VirtualHostRoot{inside}{path}"))
        return self.app(environ, start_response)
