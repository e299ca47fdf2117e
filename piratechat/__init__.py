"""PirateChat: every line said is repeated, live, in pirate speak, to the room.

``main`` is the PasteDeploy app factory; ``includeme`` is the table of
contents: settings first (parsed and checked once: the ISettings utility
every part reads; each part is a utility, interfaces.py), then translators and
storage (the chat needs both: storage opens and evolves the database and
starts its writer), then the chat's SockJS endpoint, and the web pages last:
they end in a catch-all traversal route over the rooms, which must come after
every other route.
"""

from __future__ import annotations

from pyramid.config import Configurator

from . import logs
from . import settings as settings_module
from .interfaces import IBroker, IChat, IHistory, IRoomChoices, provide

# Every log record names its session (the ini files' formats show it); before
# any logging is configured, which pserve and gunicorn do before the app loads.
logs.install()


def main(global_config, **settings):
    """Build the WSGI app from ini settings. A database that cannot be opened
    (locked by another process, damaged) or a setting that cannot be used (a
    misspelt name, a value out of range) ends the start with one sentence
    (storage/problems.py, settings.py), under pserve and gunicorn as under
    piratechat serve."""
    from pyramid.exceptions import ConfigurationExecutionError

    from .storage.problems import DatabaseProblem

    try:
        with Configurator(settings=settings) as config:
            config.include(includeme)
            return config.make_wsgi_app()
    except (DatabaseProblem, settings_module.SettingsError) as error:
        raise SystemExit(f"piratechat: {error}") from None
    except ConfigurationExecutionError as error:  # a setting checked at commit (translators)
        if isinstance(error.evalue, settings_module.SettingsError):
            raise SystemExit(f"piratechat: {error.evalue}") from None
        raise


def includeme(config: Configurator) -> None:
    """Everything is registered as actions and committed once, by whoever
    includes us: a conflict with what another package registers (a route, a
    view, a translator, a SockJS prefix) fails the start instead of one
    silently replacing the other."""
    from .broker import make_broker
    from .chat.service import Chat
    from .chat.session import ChatSession
    from .web.security import origins

    settings = settings_module.registered(config)
    config.include("pyramid_chameleon")
    config.include(".translators.registry")
    config.include(".sockjs")
    config.include(".storage")

    registry = config.registry
    broker = make_broker(settings.broker_url, settings.broker_prefix)
    provide(registry, broker, IBroker)
    chat = Chat(settings, registry, registry.getUtility(IHistory), broker)
    provide(registry, chat, IChat)
    provide(registry, chat.room_translators, IRoomChoices)
    session_factory = type("BoundChatSession", (ChatSession,), {"chat": chat})
    config.add_sockjs_route(
        "/sockjs",
        session_factory,
        heartbeat_delay=settings.heartbeat_delay,
        disconnect_delay=settings.disconnect_delay,
        max_queue=settings.max_queue,
        websocket_only=settings.websocket_only,
        origins=origins(settings),
        ping_interval=settings.ws_ping_interval,
        fd_headroom=settings.fd_headroom,
    )
    config.include(".health")
    config.include(".metrics")
    config.include(".web")  # last: its traversal route matches every path
