"""A third-party translator, installed as its own distribution, appears unasked.

``make setup`` installs examples/piratechat-yoda into .venv (editable); these
tests check that it is found the way any installed one is: through
importlib.metadata's entry points, then the registry, the command line, and
the page. Nothing in PirateChat names it.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from zope.interface.verify import verifyObject

from piratechat.interfaces import ITranslator
from piratechat.translators.discovery import GROUP
from piratechat.translators.registry import offered, standalone, translator_named

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "piratechat-yoda"


@pytest.fixture(scope="module")
def entry_point():
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    if "yoda" not in found:
        pytest.fail(
            "examples/piratechat-yoda is not installed: run `make setup` "
            "(.venv/bin/pip install --no-deps -e examples/piratechat-yoda)"
        )
    return found["yoda"]


def test_the_example_is_installed_from_the_repo_as_a_distribution(entry_point):
    assert entry_point.dist.name == "piratechat-yoda"
    assert entry_point.value == "piratechat_yoda:YodaTranslator"
    import piratechat_yoda

    assert entry_point.load() is piratechat_yoda.YodaTranslator
    assert Path(piratechat_yoda.__file__).is_relative_to(EXAMPLE)


def test_it_is_offered_with_where_it_came_from(entry_point):
    registry = standalone()
    offers = {offer.name: offer for offer in offered(registry)}
    assert offers["yoda"].title == "Yoda"
    assert offers["yoda"].origin == (
        "piratechat-yoda 0.1.0 (entry point piratechat_yoda:YodaTranslator)"
    )
    translator = translator_named(registry, "yoda")
    assert verifyObject(ITranslator, translator)


@pytest.mark.parametrize(
    ("english", "yoda"),
    [
        ("You must learn patience.", "Learn patience, you must."),
        ("I am your father!", "Your father, I am!"),
        ("We will win. They are strong", "Win, we will. Strong, they are"),
        ("Hello there. And you are late", "Hello there. And you are late"),
        ("you", "you"),
    ],
)
def test_it_translates(entry_point, english, yoda):
    assert translator_named(standalone(), "yoda").translate(english) == yoda


def test_it_can_be_left_out(entry_point):
    registry = standalone({"piratechat.translators": "pirate bard"})
    assert "yoda" not in [offer.name for offer in offered(registry)]


def test_it_is_in_the_page(entry_point, tmp_path, monkeypatch):
    from webtest import TestApp

    from piratechat import main

    monkeypatch.setenv("PIRATECHAT_ZODB_URI", f"file://{tmp_path}/Data.fs")
    page = TestApp(main({})).get("/")
    options = page.html.find("select", id="translator").find_all("option")
    assert ("yoda", "Yoda") in [(option["value"], option.text) for option in options]
