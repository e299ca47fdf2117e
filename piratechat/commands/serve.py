"""``piratechat serve``: the chat on gevent's WSGI server."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the chat server on gevent")
    p.add_argument("--ini", default="development.ini", help="PasteDeploy ini file")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6543, help="0 picks a free port (printed)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gevent import monkey

    monkey.patch_all()
    from pyramid.paster import get_app, setup_logging

    from ..sockjs.gevent_server import serve

    setup_logging(args.ini)
    return serve(get_app(args.ini, "main"), args.host, args.port)
