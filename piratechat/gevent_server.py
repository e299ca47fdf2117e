"""PirateChat's PasteDeploy server, ``use = egg:piratechat#gevent``
(development.ini, production.ini, plone.ini): the SockJS library's gevent
server, with ``idle_timeout`` checked as settings.idle_timeout says
(PIRATECHAT_IDLE_TIMEOUT wins) and the app closed on a stop (shutdown.py)."""

from __future__ import annotations


def server_factory(global_conf, host="127.0.0.1", port="6543", backlog="2048", **options):
    """pserve loads the server before the app, so patching here comes before
    the app opens any socket or lock."""
    from gevent import monkey
    from pyramid_sockjs_gevent.runtime.gevent_server import runner

    from .settings import SettingsError, idle_timeout

    monkey.patch_all()
    try:
        timeout = idle_timeout(options)
    except SettingsError as error:  # one sentence, as the app's settings get
        raise SystemExit(f"piratechat: {error}") from None
    return runner(host, port, backlog, idle_timeout=timeout, on_stop=_close)


def _close(app):
    from .shutdown import close_app

    close_app(app)
