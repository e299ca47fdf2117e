"""``piratechat cluster``: Redis, ZEO, N chat processes and nginx, in the
foreground, until Ctrl-C (which stops them all)."""

from __future__ import annotations

import argparse
import signal
import threading


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("cluster", help="run a local cluster behind nginx (Ctrl-C stops)")
    p.add_argument("--processes", type=int, default=2, help="PirateChat processes (2)")
    p.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (8080)")
    p.add_argument("--folder", default="var/cluster",
                   help="data and logs: Data.fs, one log per process (var/cluster)")
    p.add_argument("--redis", default="", help="use this Redis URL instead of starting one")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os

    from ..cluster.local import LocalCluster

    cluster = LocalCluster(args.processes, os.path.abspath(args.folder), args.redis, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        cluster.start()
        print(f"Redis   {cluster.redis_url}", flush=True)
        print(f"ZEO     zeo://127.0.0.1:{cluster.zeo.port}  ({args.folder}/Data.fs)")
        for chat in cluster.chats:
            print(f"process http://127.0.0.1:{chat.port}  (log: {chat.log})")
        print(f"Serving on {cluster.url}  (nginx; Ctrl-C stops everything)", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping", flush=True)
        cluster.stop()
    return 0
