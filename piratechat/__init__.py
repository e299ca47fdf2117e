"""PirateChat: every line said is repeated, live, in pirate speak, to the room.

``main`` is the PasteDeploy app factory; ``includeme`` is the table of
contents: settings first (everything reads them), then translators and
storage (the chat needs both: storage opens and evolves the database and
starts its writer), then the chat's SockJS endpoint, and the web pages last:
they end in a catch-all traversal route over the rooms, which must come after
every other route.
"""

from __future__ import annotations

from pyramid.config import Configurator

from . import logs
from . import settings as settings_module

# Every log record names its session (the ini files' formats show it); before
# any logging is configured, which pserve and gunicorn do before the app loads.
logs.install()


def main(global_config, **settings):
    """Build the WSGI app from ini settings. A database that cannot be opened
    (locked by another process, damaged) ends the start with one sentence
    (storage/problems.py), under pserve and gunicorn as under piratechat serve."""
    from .storage.problems import DatabaseProblem

    try:
        with Configurator(settings=settings) as config:
            config.include(includeme)
            return config.make_wsgi_app()
    except DatabaseProblem as error:
        raise SystemExit(f"piratechat: {error}") from None


def includeme(config: Configurator) -> None:
    from .broker.local import LocalBroker
    from .chat.service import Chat
    from .chat.session import ChatSession
    from .web.security import origins

    settings = settings_module.parse(config.get_settings())
    config.registry["piratechat.settings"] = settings
    config.include("pyramid_chameleon")
    config.include(".translators.registry")
    config.include(".sockjs")
    config.commit()  # translators registered before the chat looks them up
    config.include(".storage")

    history = config.registry["piratechat.history"]
    chat = Chat(settings, config.registry, history, LocalBroker())
    config.registry["piratechat.chat"] = chat
    session_factory = type("BoundChatSession", (ChatSession,), {"chat": chat})
    config.add_sockjs_route(
        "/sockjs",
        session_factory,
        heartbeat_delay=settings.heartbeat_delay,
        disconnect_delay=settings.disconnect_delay,
        max_queue=settings.max_queue,
        origins=origins(settings),
        ping_interval=settings.ws_ping_interval,
        fd_headroom=settings.fd_headroom,
    )
    config.include(".health")
    config.include(".metrics")
    config.include(".web")  # last: its traversal route matches every path
