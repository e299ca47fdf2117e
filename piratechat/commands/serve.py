"""``piratechat serve``: the chat on gevent's WSGI server.

Without ``--ini`` it reads ``development.ini`` in the current folder if there
is one, else serves on the built-in defaults (commands/ini.py). SIGTERM or
SIGINT stops it cleanly (piratechat/shutdown.py).
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the chat server on gevent")
    p.add_argument("--ini", default=None,
                   help="PasteDeploy ini file (default: development.ini here if there is "
                        "one, else the built-in defaults)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6543, help="0 picks a free port (printed)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gevent import monkey

    monkey.patch_all()
    import logging

    from pyramid.paster import get_app, setup_logging
    from pyramid_sockjs_gevent.runtime.gevent_server import serve

    from .. import main
    from ..heap import freeze
    from ..settings import SettingsError, idle_timeout
    from ..shutdown import close_app
    from ..storage.problems import DatabaseProblem
    from .ini import MissingIni, chosen, server_settings

    try:
        ini = chosen(args.ini)
        if ini is None:
            logging.basicConfig(level=logging.INFO,
                                format="%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s")
            print("piratechat serve: no ini file here; serving on the built-in defaults",
                  file=sys.stderr)
        else:
            setup_logging(ini)
        timeout = idle_timeout(server_settings(ini))
        app = main({}) if ini is None else get_app(ini, "main")
    except (MissingIni, DatabaseProblem, SettingsError) as error:
        print(f"piratechat serve: {error}", file=sys.stderr)
        return 1
    freeze()  # the app is built: keep its heap out of full collections (heap.py)
    return serve(app, args.host, args.port, on_stop=lambda: close_app(app),
                 idle_timeout=timeout)
