"""The translators in Pyramid's registry: directive, settings, entry points, rooms.

Discovery is tested with real distributions: a ``.dist-info`` folder and a
module written to a temporary directory put on sys.path, found by
importlib.metadata exactly as an installed one is.
"""

from __future__ import annotations

import logging
import sys
import textwrap

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError, ConfigurationError
from zope.interface import implementer
from zope.interface.verify import verifyObject

from piratechat.interfaces import IRoom, ITranslator
from piratechat.translators.registry import (
    BUILT_IN,
    guard,
    includeme,
    offered,
    standalone,
    translator_named,
)
from piratechat.translators.remote import RemoteTranslator


@implementer(ITranslator)
class Echo:
    title = "Echo"

    def __init__(self, name="echo"):
        self.name = name

    def translate(self, text):
        return text


@implementer(IRoom)
class Room:
    def __init__(self, name, translator=None):
        self.name = name
        self.translator = translator


def offered_names(registry) -> list[str]:
    return [offer.name for offer in offered(registry)]


@pytest.fixture(autouse=True)
def no_environment_settings(monkeypatch):
    for key in ("TRANSLATOR", "TRANSLATORS", "REMOTE_URL"):
        monkeypatch.delenv("PIRATECHAT_" + key, raising=False)


def test_built_ins_are_offered_default_first_with_their_origin():
    offers = offered(standalone())
    assert offers[0][:4] == ("pirate", "Pirate", BUILT_IN, True)
    assert ("bard", "Shakespearean", BUILT_IN, False) in offers
    assert "remote" not in offered_names(standalone())  # no remote_url set


def test_every_translator_offered_provides_itranslator():
    registry = standalone({"piratechat.remote_url": "http://127.0.0.1:9/"})
    translators = dict(registry.getUtilitiesFor(ITranslator))
    assert {"pirate", "bard", "remote"} <= set(translators)
    for name, translator in translators.items():
        assert verifyObject(ITranslator, translator)
        assert translator.name == name


def test_remote_takes_its_settings():
    registry = standalone(
        {
            "piratechat.remote_url": "http://127.0.0.1:9/arrpi",
            "piratechat.remote_connect_timeout": "0.25",
            "piratechat.remote_read_timeout": "0.5",
        }
    )
    remote = translator_named(registry, "remote")
    assert isinstance(remote, RemoteTranslator)
    assert (remote.url, remote.deadline) == ("http://127.0.0.1:9/arrpi", 0.75)


def test_the_directive_registers_with_the_caller_as_origin():
    config = Configurator(settings={})
    config.include(includeme)
    config.add_translator(Echo())
    config.commit()
    assert translator_named(config.registry, "echo").translate("Hi") == "Hi"
    assert ("echo", "Echo", "tests.unit", False) in offered(config.registry)
    assert config.registry.introspector.get("translators", "echo")["origin"] == "tests.unit"


def include_echo(config):
    config.add_translator(Echo())


def include_another_echo(config):
    config.add_translator(Echo())


def test_two_translators_with_one_name_conflict_at_start_up():
    config = Configurator(settings={})
    config.include(includeme)
    config.include(include_echo)
    config.include(include_another_echo)
    with pytest.raises(ConfigurationConflictError, match="piratechat.translator', 'echo'"):
        config.commit()


def test_the_app_itself_may_override_a_built_in_as_pyramid_allows():
    config = Configurator(settings={})
    config.include(includeme)
    config.add_translator(Echo(name="pirate"))
    config.commit()
    assert translator_named(config.registry, "pirate").translate("Hello") == "Hello"


def test_the_directive_refuses_what_is_not_a_translator():
    config = Configurator(settings={})
    config.include(includeme)
    with pytest.raises(Exception, match="translate"):
        config.add_translator(object())


@pytest.mark.parametrize("setting", ["bard", "bard,pirate", " bard , pirate ", "pirate  bard"])
def test_the_translators_setting_chooses_what_is_offered(setting):
    registry = standalone({"piratechat.translators": setting, "piratechat.translator": "bard"})
    assert offered_names(registry)[0] == "bard"
    assert set(offered_names(registry)) == set(setting.replace(",", " ").split())


def test_settings_come_from_the_environment_too(monkeypatch):
    monkeypatch.setenv("PIRATECHAT_TRANSLATORS", "pirate bard")
    monkeypatch.setenv("PIRATECHAT_TRANSLATOR", "bard")
    registry = standalone({"piratechat.translators": "pirate"})
    assert offered_names(registry) == ["bard", "pirate"]


def test_a_disabled_default_is_a_start_up_error():
    with pytest.raises(ConfigurationError, match="piratechat.translator is 'pirate'"):
        standalone({"piratechat.translators": "bard"})


def test_an_unknown_name_is_a_start_up_error():
    with pytest.raises(ConfigurationError, match=r"\['yodaa'\]"):
        standalone({"piratechat.translators": "pirate yodaa"})
    with pytest.raises(ConfigurationError, match="remote_url"):
        standalone({"piratechat.translators": "pirate remote"})


def test_a_room_gets_its_choice_or_else_the_default():
    registry = standalone({"piratechat.translators": "pirate bard"})
    assert registry.getAdapter(Room("lobby"), ITranslator).name == "pirate"
    assert registry.getAdapter(Room("globe", "bard"), ITranslator).name == "bard"
    assert registry.getAdapter(Room("old", "uninstalled"), ITranslator).name == "pirate"
    assert registry.queryAdapter(object(), ITranslator) is None


def test_the_default_setting_is_the_default_for_rooms():
    registry = standalone({"piratechat.translator": "bard"})
    assert registry.getAdapter(Room("lobby"), ITranslator).name == "bard"


def test_the_guard_falls_back_to_the_pirate_even_when_it_is_not_offered():
    registry = standalone({"piratechat.translators": "bard", "piratechat.translator": "bard"})
    assert guard(registry).fallback.name == "pirate"
    assert translator_named(registry, "pirate") is None


# --- entry points -----------------------------------------------------------

PLUGIN = """
from zope.interface import implementer
from piratechat.interfaces import ITranslator

@implementer(ITranslator)
class Echo:
    name = "echo"
    title = "Echo"

    def __init__(self, settings):
        self.greeting = settings.get("echo.greeting", "")

    def translate(self, text):
        return self.greeting + text

def misnamed(settings):
    translator = Echo(settings)
    translator.name = "other"
    return translator

def offer_nothing(settings):
    return None

def pirate(settings):
    translator = Echo(settings)
    translator.name = "pirate"
    return translator
"""


def install(site, dist: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """Write a distribution (metadata and modules) into the folder ``site``."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = [f"{name} = {value}" for name, value in entry_points.items()]
    (info / "entry_points.txt").write_text("[piratechat.translators]\n" + "\n".join(lines) + "\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path that distributions can be installed into."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in ("fake_plugin", "fake_broken"):
        sys.modules.pop(module, None)


@pytest.fixture
def plugins(site):
    install(
        site,
        "fake-plugins",
        {
            "echo": "fake_plugin:Echo",
            "broken": "fake_broken:Echo",
            "misnamed": "fake_plugin:misnamed",
            "nothing": "fake_plugin:offer_nothing",
        },
        {"fake_plugin": PLUGIN, "fake_broken": "raise ImportError('half installed')\n"},
    )
    return site


def test_an_installed_distribution_is_offered_with_its_origin(plugins):
    registry = standalone({"echo.greeting": "Echo: "})
    offers = {offer.name: offer for offer in offered(registry)}
    assert offers["echo"].origin == "fake-plugins 1.0 (entry point fake_plugin:Echo)"
    assert translator_named(registry, "echo").translate("hi") == "Echo: hi"
    assert "nothing" not in offers


def test_broken_plugins_nobody_asked_for_are_logged_and_skipped(plugins, caplog):
    with caplog.at_level(logging.ERROR, "piratechat.translators.discovery"):
        registry = standalone()
    assert {"broken", "misnamed", "other"}.isdisjoint(offered_names(registry))
    assert "half installed" in caplog.text
    assert "the entry point's name and the translator's must be equal" in caplog.text


def test_plugins_left_out_are_not_even_imported(plugins):
    registry = standalone({"piratechat.translators": "pirate echo"})
    assert offered_names(registry) == ["pirate", "echo"]
    assert "fake_broken" not in sys.modules


@pytest.mark.parametrize(
    ("name", "why"), [("broken", "half installed"), ("misnamed", "named 'other'")]
)
def test_a_broken_plugin_asked_for_by_name_stops_start_up(plugins, name, why):
    with pytest.raises(ConfigurationError, match=why):
        standalone({"piratechat.translators": f"pirate {name}"})


def test_a_plugin_claiming_a_built_in_name_conflicts(site):
    install(site, "fake-pirate", {"pirate": "fake_plugin:pirate"}, {"fake_plugin": PLUGIN})
    with pytest.raises(ConfigurationConflictError):
        standalone()
