"""The site's layout of processes: Plone and the chat each in a process of its
own, behind one nginx (``make run-site``; the tests and bench.plone_bench).

Why not one process (plone.ini): a Plone page renders for tens of milliseconds
holding Python's GIL, and the chat's hub waits for it; under page load the
chat's lines were late by a multiple of their time without Plone
(bench/results/plone.md). Apart, each process has a GIL of its own and the
kernel shares the cores between them.

To the visitor it is still one site on one origin: nginx sends /chat to the
chat (site-chat.ini) and everything else to Plone (site-plone.ini), both themed
from the same theme/ folder. What the two ask each other goes over HTTP,
directly to the other's process: the chat fetches the site's navigation and its
members' names from Plone, Plone tells the chat of its topics; the browser
fetches its member token from Plone through nginx. The token secret is the one
thing they share: the site instance's (plone/wsgi.py ``secret_for``), handed to
both in the environment.

Start order: Plone first (it makes the site on a first start), then the chat
(it fetches the members' names, retrying until Plone answers), nginx last.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ..plone.wsgi import secret_for
from .processes import ROOT, Service, chat_process, free_port, nginx_server

#: Seconds Plone may take to start (making the site, the first time, is longest).
PLONE_START = 600


def plone_process(port: int, folder: str, instance: str, chat_url: str, env: dict,
                  ini: str = "site-plone.ini") -> Service:
    """The Plone site in a process of its own (``piratechat serve``, gevent with
    Plone on its thread pool), on the instance folder ``instance``."""
    env = {"PIRATECHAT_PLONE_VAR": instance, "PIRATECHAT_PLONE_CHAT_URL": chat_url, **env}
    return Service(f"plone:{port}", [sys.executable, "-m", "piratechat.cli", "serve", "--ini",
                                     str(ROOT / ini), "--port", str(port)],
                   port, os.path.join(folder, f"plone-{port}.log"), env)


class SiteLayout:
    """Plone, the chat and nginx on loopback ports, their logs in ``folder``.

    ``instance``: the Plone instance folder (var/plone for ``make run-site``, as
    plone.ini's); ``chat_env`` / ``plone_env``: more settings for either process
    (e.g. the chat's database, PIRATECHAT_ZODB_URI; ``site-chat.ini`` keeps it
    beside plone.ini's by default). Ports 0: free ones."""

    def __init__(self, folder: str, instance: str, port: int = 0, plone_port: int = 0,
                 chat_port: int = 0, chat_env: dict | None = None,
                 plone_env: dict | None = None):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.instance = str(Path(instance).resolve())
        self.port = port or free_port()
        self.plone_port = plone_port or free_port()
        self.chat_port = chat_port or free_port()
        self.chat_env = dict(chat_env or {})
        self.plone_env = dict(plone_env or {})
        self.plone: Service | None = None
        self.chat: Service | None = None
        self.nginx: Service | None = None

    @property
    def url(self) -> str:
        """The site, as visitors see it (nginx); the chat is at ``url + "/chat"``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def site_url(self) -> str:
        """Plone's own process, as the chat asks it."""
        return f"http://127.0.0.1:{self.plone_port}"

    def start(self) -> SiteLayout:
        os.makedirs(self.instance, exist_ok=True)
        secret = {"PIRATECHAT_TOKEN_SECRET": secret_for(Path(self.instance))}
        try:
            self.plone = plone_process(
                self.plone_port, self.folder, self.instance,
                f"http://127.0.0.1:{self.chat_port}/chat", {**secret, **self.plone_env},
            ).start(timeout=PLONE_START)
            self.chat = chat_process(self.chat_port, self.folder, {**secret, **self.chat_env},
                                     ini="site-chat.ini",
                                     paste_globals={"site_url": self.site_url}).start()
            self.nginx = nginx_server(self.port, [self.chat_port], self.folder,
                                      site=self.plone_port).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for service in (self.nginx, self.chat, self.plone):
            if service is not None:
                service.stop(signal.SIGTERM)

    def logs(self, tail: int | None = 4000) -> str:
        """Each piece's output (its last ``tail`` characters; None: all)."""
        return "\n".join(f"--- {s.name} ({s.log})\n{s.output()[-tail if tail else 0:]}"
                         for s in (self.chat, self.plone, self.nginx) if s)
