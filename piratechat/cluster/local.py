"""A whole cluster on this machine: what ``make cluster`` runs, and the tests.

Start order matters: Redis and ZEO first (every process needs them), the
first PirateChat process alone (it creates and evolves the database), the
others after it, nginx last (it only forwards).
"""

from __future__ import annotations

import os
import signal
import tempfile

from .processes import Service, chat_process, free_port, nginx_server, redis_server, zeo_server


class LocalCluster:
    """``unix_sockets``: nginx reaches the processes on Unix sockets in
    ``folder`` (each process still listens on its port too), not on loopback
    TCP: cheaper per message relayed, but a process then sees nginx as the
    empty address (REMOTE_ADDR ""), which ``trusted_proxies`` cannot name,
    so limits count every client as one; TCP (the default) stands for
    processes on other machines."""

    def __init__(self, processes: int = 2, folder: str | None = None, redis_url: str = "",
                 port: int = 0, env: dict | None = None, hash_on_session: bool = True,
                 unix_sockets: bool = False):
        self.count = processes
        self.folder = folder or tempfile.mkdtemp(prefix="piratechat-cluster-")
        os.makedirs(self.folder, exist_ok=True)
        self.redis_url = redis_url  # "": a redis-server of our own
        self.port = port or free_port()
        self.env = dict(env or {})
        self.hash_on_session = hash_on_session
        self.unix_sockets = unix_sockets
        self.redis: Service | None = None
        self.zeo: Service | None = None
        self.chats: list[Service] = []
        self.nginx: Service | None = None

    @property
    def url(self) -> str:
        """Where clients connect: nginx."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalCluster:
        try:
            if not self.redis_url:
                self.redis = redis_server(free_port(), self.folder).start()
                self.redis_url = f"redis://127.0.0.1:{self.redis.port}/0"
            self.zeo = zeo_server(free_port(), self.folder).start()
            for _ in range(self.count):
                self.add_process()
            backends = [self.socket(chat.port) if self.unix_sockets else chat.port
                        for chat in self.chats]
            self.nginx = nginx_server(self.port, backends, self.folder,
                                      hash_on_session=self.hash_on_session).start()
        except BaseException:
            self.stop()
            raise
        return self

    def process_env(self) -> dict:
        """Each process's settings: the cluster's ZEO and Redis, and nginx (on
        loopback) trusted to say who the client is (X-Forwarded-For): else
        every client counts as nginx's one address for the per-address limits."""
        return {"PIRATECHAT_ZODB_URI": f"zeo://127.0.0.1:{self.zeo.port}",
                "PIRATECHAT_BROKER_URL": self.redis_url,
                "PIRATECHAT_TRUSTED_PROXIES": "127.0.0.1", **self.env}

    def socket(self, port: int) -> str:
        return os.path.join(self.folder, f"piratechat-{port}.sock")

    def add_process(self) -> Service:
        port = free_port()
        unix = self.socket(port) if self.unix_sockets else ""
        chat = chat_process(port, self.folder, self.process_env(), unix=unix).start()
        self.chats.append(chat)
        return chat

    def stop(self) -> None:
        for service in [self.nginx, *reversed(self.chats), self.zeo, self.redis]:
            if service is not None:
                service.stop(signal.SIGTERM)

    def logs(self, tail: int | None = 4000) -> str:
        """Each piece's output (its last ``tail`` characters; None: all)."""
        return "\n".join(f"--- {s.name} ({s.log})\n{s.output()[-tail if tail else 0:]}"
                         for s in [*self.chats, self.nginx, self.zeo, self.redis] if s)
