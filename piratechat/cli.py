"""The ``piratechat`` command: serve the chat, or ask the parrot directly."""

from __future__ import annotations

import argparse
import sys


def serve(args: argparse.Namespace) -> int:
    """Serve the ini file's app on gevent; port 0 picks a free port (printed)."""
    from gevent import monkey

    monkey.patch_all()
    from pyramid.paster import get_app, setup_logging

    from .sockjs.gevent_server import make_server

    setup_logging(args.ini)
    app = get_app(args.ini, "main")
    server = make_server(app, args.host, args.port)
    server.init_socket()
    print(f"Serving on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def translate(args: argparse.Namespace) -> int:
    from .translators.pirate import PirateTranslator

    text = sys.stdin.read() if args.text == "-" else args.text
    sys.stdout.write(PirateTranslator().translate(text))
    if args.text != "-":
        sys.stdout.write("\n")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="piratechat", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the chat server on gevent")
    p.add_argument("--ini", default="development.ini", help="PasteDeploy ini file")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6543, help="0 picks a free port")
    p.set_defaults(run=serve)

    p = commands.add_parser("translate", help="print the parrot's translation of TEXT")
    p.add_argument("text", metavar="TEXT", help="the line; - reads standard input")
    p.set_defaults(run=translate)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
