"""gunicorn's settings for PirateChat: ``gunicorn.conf.py`` in the checkout (read
from the working directory), ``-c python:piratechat.gunicorn_config`` anywhere.

``gunicorn --paste production.ini`` takes only the app from the ini; this
applies the ini's ``[server:main]`` section too (worker_class, workers, ...),
so ``gunicorn --paste X.ini`` and ``pserve X.ini`` run the same server.
Command-line options still win. Without this file gunicorn would run a sync
worker and skip the workers check: the app refuses that (CHECKED).
"""

import configparser
import math
import os
import sys

#: Set in the arbiter's environment once on_starting has checked the workers;
#: each worker inherits it, and the app refuses to start under gunicorn without it.
CHECKED = "PIRATECHAT_GUNICORN_CHECKED"


def _paste_file(argv):
    for i, arg in enumerate(argv):
        if arg == "--paste" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--paste="):
            return arg.split("=", 1)[1]
    return None


def _server_settings(path):
    parser = configparser.ConfigParser()
    parser.read(path)
    if not parser.has_section("server:main"):
        return {}
    section = dict(parser.items("server:main", raw=True))
    section.pop("use", None)
    host, port = section.pop("host", None), section.pop("port", None)
    if host and port:
        section["bind"] = f"{host}:{port}"
    if "idle_timeout" in section or "PIRATECHAT_IDLE_TIMEOUT" in os.environ:
        # gunicorn's name for it (whole seconds): how long it waits for a request's header
        from piratechat.settings import SettingsError, idle_timeout

        try:
            section["keepalive"] = math.ceil(idle_timeout(section))
        except SettingsError as refused:  # one sentence, not gunicorn's traceback
            sys.exit(f"refusing to start: {refused}")
    section.pop("idle_timeout", None)
    return section


_ini = _paste_file(sys.argv)
if _ini:
    globals().update(_server_settings(_ini))


def pre_request(worker, req):
    """While a request is handled, each read of its body (and each write of its
    answer) waits at most ``keepalive`` seconds (idle_timeout) for the client,
    as on the gevent server: gunicorn's own timer covers the header only, so a
    half-sent body would hold its connection for ever. (A WebSocket takes its
    socket without the timeout: pyramid_sockjs_gevent/runtime/hijack.py.)"""
    worker.log.debug("%s %s", req.method, req.path)
    sock = _client(req)
    if sock is not None:
        sock.settimeout(worker.cfg.keepalive)


def post_request(worker, req, environ, resp):
    """Between requests gunicorn's keepalive timer takes over again."""
    sock = _client(req)
    if sock is not None:
        sock.settimeout(None)


def _client(req):
    """The client's socket under an HTTP/1 request (gunicorn's reader holds it)."""
    return getattr(getattr(req, "unreader", None), "sock", None)


def worker_exit(server, worker):
    """A worker that stops (SIGTERM, SIGINT, a restart) closes the chat cleanly:
    sessions told to reconnect, the writer drained, the database closed
    (piratechat/shutdown.py)."""
    from piratechat.shutdown import close_app

    close_app(getattr(worker, "wsgi", None))


def post_worker_init(worker):
    """The worker's app is built: keep its heap out of full collections (heap.py)."""
    from piratechat import heap

    heap.freeze()


def _app_settings(path):
    """The ini's ``[app:main]`` settings, with %(here)s filled in."""
    parser = configparser.ConfigParser(defaults={"here": os.path.dirname(os.path.abspath(path))})
    parser.read(path)
    return dict(parser.items("app:main")) if parser.has_section("app:main") else {}


def on_starting(server):
    """Several workers on one port break SockJS's polling transports:
    refuse, or serve WebSockets only (piratechat/cluster/workers.py)."""
    from piratechat import settings
    from piratechat.cluster.workers import Refused, check

    try:
        app_settings = settings.parse(_app_settings(_ini) if _ini else {})
        line = check(server.cfg.workers, server.cfg.preload_app, app_settings)
    except (Refused, settings.SettingsError) as refused:
        server.log.error("refusing to start: %s", refused)
        sys.exit(1)
    if line:
        server.log.warning(line)
    os.environ[CHECKED] = "1"
