"""Translators as named ITranslator utilities in Pyramid's registry.

``config.add_translator(translator)`` registers one under its ``name``; two
translators claiming one name are a configuration conflict at start-up (as
everywhere in Pyramid, the app's own configuration may instead override one
it includes), and each shows in Pyramid's introspection with its origin.

``includeme`` registers, in this order: the built-ins (pirate, bard, and
remote when ``piratechat.remote_url`` is set), then every translator other
distributions offer through entry points (discovery.py). The settings
``piratechat.translators`` (names offered; all by default) and
``piratechat.translator`` (the default, "pirate") are checked once all are
registered, so a typo fails at start-up, not when a room picks a name.

A room's translator is found the ZTK way: an adapter from IRoom to
ITranslator, ``registry.getAdapter(room, ITranslator)``. A room whose choice
is no longer offered (uninstalled, disabled) gets the default.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from pyramid.config import Configurator
from zope.interface.verify import verifyObject

from .. import settings as settings_module
from ..interfaces import (
    IRoom,
    ITranslator,
    ITranslatorGuard,
    ITranslatorOrigin,
    provide,
)
from .discovery import discover
from .guard import Guard

__all__ = ["Offer", "add_translator", "guard", "offered", "standalone", "translator_named"]

log = logging.getLogger(__name__)

BUILT_IN = "piratechat (built-in)"


class Offer(NamedTuple):
    """A translator on offer, as the page and ``piratechat translators`` list it."""

    name: str
    title: str
    origin: str
    default: bool


def add_translator(config: Configurator, translator, origin: str | None = None) -> None:
    """Offer ``translator`` (an ITranslator) under its name, unless the
    ``piratechat.translators`` setting leaves it out."""
    verifyObject(ITranslator, translator)
    enabled = _enabled(config.registry)
    if enabled is not None and translator.name not in enabled:
        log.debug("translator %r not enabled; not offered", translator.name)
        return
    origin = origin or config.package_name
    registry = config.registry

    def register():
        registry.registerUtility(translator, ITranslator, name=translator.name)
        registry.registerUtility(origin, ITranslatorOrigin, name=translator.name)

    intr = config.introspectable("translators", translator.name, translator.title, "translator")
    intr["translator"] = translator
    intr["origin"] = origin
    config.action(("piratechat.translator", translator.name), register, introspectables=(intr,))


def offered(registry) -> list[Offer]:
    """Every translator on offer: the default first, then by name."""
    default = _default(registry)
    offers = [
        Offer(name, translator.title, registry.queryUtility(ITranslatorOrigin, name, "?"),
              name == default)
        for name, translator in registry.getUtilitiesFor(ITranslator)
    ]
    return sorted(offers, key=lambda offer: (not offer.default, offer.name))


def translator_named(registry, name: str) -> ITranslator | None:
    """The translator offered under ``name``, or None."""
    return registry.queryUtility(ITranslator, name)


def guard(registry) -> Guard:
    """The Guard every translation goes through (translators/guard.py)."""
    return registry.getUtility(ITranslatorGuard)


def _enabled(registry) -> frozenset[str] | None:
    """The names ``piratechat.translators`` offers; None: every one installed."""
    return frozenset(settings_module.of(registry).translators) or None


def _default(registry) -> str:
    """The default translator's name (``piratechat.translator``)."""
    return settings_module.of(registry).translator


def _built_ins(settings: settings_module.Settings) -> list:
    from .bard import BardTranslator
    from .pirate import PirateTranslator
    from .remote import RemoteTranslator

    found = [PirateTranslator(), BardTranslator()]
    if settings.remote_url:
        found.append(
            RemoteTranslator(
                settings.remote_url,
                connect_timeout=settings.remote_connect_timeout,
                read_timeout=settings.remote_read_timeout,
                max_calls=settings.remote_max_calls,
            )
        )
    return found


def includeme(config: Configurator) -> None:
    settings = settings_module.registered(config)
    registry = config.registry
    config.add_directive("add_translator", add_translator, action_wrap=False)
    built_ins = _built_ins(settings)
    for translator in built_ins:
        config.add_translator(translator, origin=BUILT_IN)
    for translator, origin in discover(config.get_settings(), _enabled(registry)):
        config.add_translator(translator, origin=origin)
    config.action(ITranslatorGuard, provide,
                  args=(registry, Guard(fallback=built_ins[0]), ITranslatorGuard))

    def adapt(room) -> ITranslator:
        name = getattr(room, "translator", None) or _default(registry)
        found = registry.queryUtility(ITranslator, name)
        if found is None:
            log.info("room %r chose %r, no longer offered; using the default", room, name)
            found = registry.getUtility(ITranslator, _default(registry))
        return found

    def register_adapter():
        registry.registerAdapter(adapt, (IRoom,), ITranslator)

    config.action(("piratechat.room_translator",), register_adapter)
    # After every translator is registered, whoever included it.
    config.action(None, _check, args=(registry,), order=10)


def _check(registry) -> None:
    offers = {name for name, _ in registry.getUtilitiesFor(ITranslator)}
    missing = (_enabled(registry) or frozenset()) - offers
    if missing:
        raise settings_module.SettingsError(
            f"piratechat.translators names {sorted(missing)}, which are not installed; "
            f"installed and enabled: {sorted(offers)} (remote needs piratechat.remote_url)"
        )
    if _default(registry) not in offers:
        raise settings_module.SettingsError(
            f"piratechat.translator is {_default(registry)!r}, which is not offered; "
            f"offered: {sorted(offers)}"
        )


def standalone(settings: dict | None = None):
    """A registry holding only the translators, for the command line: the same
    settings, discovery and checks as the chat's, without the chat."""
    config = Configurator(settings=settings or {})
    config.include(includeme)
    config.commit()
    return config.registry
