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

import os
import sys

from pyramid.config import Configurator

from . import settings as settings_module
from .interfaces import IBroker, IChat, IHistory, IRoomChoices, provide


def main(global_config, **settings):
    """Build the WSGI app from ini settings. A database that cannot be opened
    (locked by another process, damaged) or a setting that cannot be used (a
    misspelt name, a value out of range) ends the start with one sentence
    (storage/problems.py, settings.py), under pserve and gunicorn as under
    piratechat serve."""
    from pyramid.exceptions import ConfigurationExecutionError

    from .gunicorn_config import CHECKED
    from .storage.problems import DatabaseProblem

    if _under_gunicorn() and not os.environ.get(CHECKED):
        _refuse("piratechat: gunicorn started without piratechat's gunicorn settings "
                "(gevent worker, the workers check): run it from the checkout, which has "
                "gunicorn.conf.py, or add -c python:piratechat.gunicorn_config")
    try:
        with Configurator(settings=settings) as config:
            config.include(includeme)
            return config.make_wsgi_app()
    except (DatabaseProblem, settings_module.SettingsError) as error:
        _refuse(f"piratechat: {error}")
    except ConfigurationExecutionError as error:  # a setting checked at commit (translators)
        if isinstance(error.evalue, settings_module.SettingsError):
            _refuse(f"piratechat: {error.evalue}")
        raise


def _under_gunicorn() -> bool:
    return "gunicorn.arbiter" in sys.modules


def _refuse(sentence: str) -> None:
    """End the start with ``sentence``. In a gunicorn worker that is gunicorn's
    "app failed to load" (AppImportError: the sentence, exit status 4), which
    stops the arbiter; a plain exit would only get the worker restarted, over
    and over, wherever gunicorn.conf.py's check did not run first."""
    if _under_gunicorn():
        from gunicorn.errors import AppImportError

        raise AppImportError(sentence)
    raise SystemExit(sentence)


def includeme(config: Configurator) -> None:
    """Everything is registered as actions and committed once, by whoever
    includes us: a conflict with what another package registers (a route, a
    view, a translator, a SockJS prefix) fails the start instead of one
    silently replacing the other."""
    from .broker import make_broker
    from .chat.runtime.service import Chat
    from .chat.runtime.session import ChatSession
    from .web.security import origins

    settings = settings_module.registered(config)
    config.include("pyramid_chameleon")
    config.include(".translators.registry")
    config.include("pyramid_sockjs_gevent")
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
