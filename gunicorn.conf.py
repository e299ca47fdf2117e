"""gunicorn reads this file from the working directory.

``gunicorn --paste production.ini`` takes only the app from the ini; this
applies the ini's ``[server:main]`` section too (worker_class, workers, ...),
so ``gunicorn --paste X.ini`` and ``pserve X.ini`` run the same server.
Command-line options still win.
"""

import configparser
import sys


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
    return section


# Log records carry a session id (piratechat/logs.py) before the ini's logging,
# which formats it, is set up.
__import__("piratechat.logs").logs.install()

_ini = _paste_file(sys.argv)
if _ini:
    globals().update(_server_settings(_ini))


def worker_exit(server, worker):
    """A worker that stops (SIGTERM, SIGINT, a restart) closes the chat cleanly:
    sessions told to reconnect, the writer drained, the database closed
    (piratechat/shutdown.py)."""
    from piratechat.shutdown import close_app

    close_app(getattr(worker, "wsgi", None))
