"""Translators as named ITranslator utilities in Pyramid's registry.

``config.add_translator(translator)`` registers one under its ``name``; two
translators claiming one name are a configuration conflict at start-up.
"""

from __future__ import annotations

from pyramid.config import Configurator
from zope.interface.verify import verifyObject

from ..interfaces import ITranslator


def add_translator(config: Configurator, translator) -> None:
    verifyObject(ITranslator, translator)

    def register():
        config.registry.registerUtility(translator, ITranslator, name=translator.name)

    intr = config.introspectable("translators", translator.name, translator.title, "translator")
    intr["translator"] = translator
    config.action(("piratechat.translator", translator.name), register, introspectables=(intr,))


def includeme(config: Configurator) -> None:
    from .pirate import PirateTranslator

    config.add_directive("add_translator", add_translator, action_wrap=False)
    config.add_translator(PirateTranslator())
