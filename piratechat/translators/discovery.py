"""Translators from other distributions, found through entry points.

Installing a distribution is all it takes to offer a translator; PirateChat
changes nothing. The distribution declares, in its pyproject.toml::

    [project.entry-points."piratechat.translators"]
    yoda = "piratechat_yoda:YodaTranslator"

The entry point's name is the translator's name (it must equal the
translator's ``name``); its object is a factory, called with the app's
settings (the ``[app:main]`` values, a dict of strings) to return an
ITranslator, or None to offer nothing (when it is not configured, say).
examples/piratechat-yoda is a complete example.

The name is read before anything is imported, so a translator left out of
``piratechat.translators`` is never loaded: a broken one that nobody asked
for cannot stop the chat. One that fails to load is logged and skipped,
unless it was asked for by name: then start-up fails and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from importlib.metadata import EntryPoint, entry_points

from pyramid.exceptions import ConfigurationError

__all__ = ["GROUP", "discover"]

GROUP = "piratechat.translators"

log = logging.getLogger(__name__)


def origin(entry_point: EntryPoint) -> str:
    """Where an entry point came from, for people: distribution, version, object."""
    dist = entry_point.dist
    where = f"{dist.name} {dist.version}" if dist is not None else "unknown distribution"
    return f"{where} (entry point {entry_point.value})"


def discover(settings: Mapping, wanted: frozenset[str] | None) -> Iterator[tuple[object, str]]:
    """Yield ``(translator, origin)`` for each entry point of GROUP in ``wanted``
    (every one when ``wanted`` is None), sorted by name."""
    for entry_point in sorted(entry_points(group=GROUP), key=lambda ep: ep.name):
        if wanted is not None and entry_point.name not in wanted:
            continue
        try:
            translator = entry_point.load()(settings)
            if translator is not None and getattr(translator, "name", None) != entry_point.name:
                raise ValueError(
                    f"it gave a translator named {getattr(translator, 'name', None)!r}; "
                    f"the entry point's name and the translator's must be equal"
                )
        except Exception as error:
            if wanted is not None:
                raise ConfigurationError(
                    f"translator {entry_point.name!r} ({origin(entry_point)}) "
                    f"failed to load: {error}"
                ) from error
            log.exception("skipping translator %r from %s", entry_point.name, origin(entry_point))
            continue
        if translator is None:
            log.info("translator %r from %s offers nothing", entry_point.name, origin(entry_point))
            continue
        yield translator, origin(entry_point)
