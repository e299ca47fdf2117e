"""``piratechat site``: the Plone site and the chat in processes of their own
behind one nginx, in the foreground, until Ctrl-C (which stops them all).
``make run-site`` runs it; docs/deploy.md says when to choose it."""

from __future__ import annotations

import argparse
import signal
import threading


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("site", help="run Plone and the chat apart behind nginx "
                                           "(Ctrl-C stops)")
    p.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (8080)")
    p.add_argument("--plone-port", type=int, default=8081, help="Plone's own port (8081)")
    p.add_argument("--chat-port", type=int, default=8082, help="the chat's own port (8082)")
    p.add_argument("--plone-var", default="var/plone",
                   help="the Plone instance folder, as plone.ini's (var/plone)")
    p.add_argument("--folder", default="var/site", help="logs and nginx's files (var/site)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os

    from ..cluster.site import SiteLayout

    site = SiteLayout(os.path.abspath(args.folder), os.path.abspath(args.plone_var), args.port,
                      args.plone_port, args.chat_port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print(f"starting Plone on {site.site_url} (the first start makes the site)", flush=True)
        site.start()
        print(f"Plone   {site.site_url}  (log: {site.plone.log})")
        print(f"chat    http://127.0.0.1:{site.chat_port}/chat  (log: {site.chat.log})")
        print(f"Serving on {site.url}  (nginx: the site at /, the chat at /chat; Ctrl-C "
              "stops everything)", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping", flush=True)
        site.stop()
    return 0
