"""Every setting is parsed and checked once (settings.py): a bad value, one out
of its range, or a misspelt name of ours stops the start with one sentence
naming it; everyone else's names are left alone."""

from __future__ import annotations

from configparser import ConfigParser
from dataclasses import fields
from pathlib import Path

import pytest
from pyramid.config import Configurator

from piratechat.interfaces import ISettings
from piratechat.settings import Settings, SettingsError, parse, registered

ROOT = Path(__file__).resolve().parents[2]
BOUNDED = [each for each in fields(Settings) if {"low", "above"} & set(each.metadata)]


def refusal(settings: dict, environ: dict | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        parse(settings, environ={} if environ is None else environ)
    return str(caught.value)


def test_the_issues_example_names_the_setting_and_its_range():
    assert refusal({"piratechat.max_queue": "-5"}) == (
        "piratechat.max_queue = '-5' is out of range: it must be at least 1")


def test_a_bad_value_from_the_environment_names_the_variable():
    assert refusal({}, {"PIRATECHAT_MAX_QUEUE": "-5"}) == (
        "PIRATECHAT_MAX_QUEUE (environment) = '-5' is out of range: it must be at least 1")


@pytest.mark.parametrize("each", BOUNDED, ids=lambda each: each.name)
def test_every_range_refuses_just_outside_and_takes_its_edge(each):
    kind, name = type(each.default), "piratechat." + each.name
    if "low" in each.metadata:
        low = each.metadata["low"]
        outside, edge, rule = low - (1 if kind is int else 0.5), low, f"at least {low}"
    else:
        low = each.metadata["above"]
        outside, edge, rule = low, low + (1 if kind is int else 0.001), f"more than {low}"
    assert refusal({name: str(outside)}) == (
        f"{name} = {str(outside)!r} is out of range: it must be {rule}")
    assert getattr(parse({name: str(edge)}, environ={}), each.name) == edge


@pytest.mark.parametrize("name, raw, wanted", [
    ("max_queue", "lots", "whole number"),
    ("max_queue", "2.5", "whole number"),
    ("lines_per_second", "fast", "number"),
    ("lines_per_second", "nan", "number"),
    ("heartbeat_delay", "inf", "number"),
    ("theme", "maybe", "yes/no value (true/false, on/off, 1/0)"),
])
def test_a_value_of_the_wrong_kind_names_the_setting_and_the_kind(name, raw, wanted):
    assert refusal({"piratechat." + name: raw}) == f"piratechat.{name} = {raw!r} is not a {wanted}"


@pytest.mark.parametrize("name, raw, allowed", [
    ("broker_url", "http://127.0.0.1:6379/0", "redis://..."),
    ("public_url", "chat.example.org", "http://... or https://..."),
    ("remote_url", "ftp://arrpi", "http://... or https://..."),
])
def test_a_url_of_another_kind_is_refused(name, raw, allowed):
    assert refusal({"piratechat." + name: raw}) == (
        f"piratechat.{name} = {raw!r} is not a URL the chat can use: it must be {allowed}, "
        "or empty")


@pytest.mark.parametrize("name, raw", [
    ("public_url", "http://"), ("public_url", "https://:8080"), ("remote_url", "http://[::1"),
])
def test_a_url_that_names_no_host_is_refused(name, raw):
    assert refusal({"piratechat." + name: raw}) == (
        f"piratechat.{name} = {raw!r} is not a URL the chat can use: it names no host "
        "(http(s)://host[:port])")


def test_trusted_proxies_that_are_no_addresses_are_refused_naming_the_entry():
    assert refusal({"piratechat.trusted_proxies": "127.0.0.1 nowhere"}) == (
        "piratechat.trusted_proxies = '127.0.0.1 nowhere': 'nowhere' is not an IP address "
        "or network")


def test_values_in_range_are_typed():
    settings = parse({"piratechat.max_queue": " 65536 ", "piratechat.coalesce_ms": "0",
                      "piratechat.theme": "off", "piratechat.broker_url": "redis://h:1/0"},
                     environ={})
    assert (settings.max_queue, settings.coalesce_ms, settings.theme) == (65536, 0.0, False)
    assert settings.broker_url == "redis://h:1/0"


def test_a_misspelt_name_is_refused_with_the_close_match():
    assert refusal({"piratechat.max_qeue": "5"}) == (
        'unknown setting piratechat.max_qeue; did you mean piratechat.max_queue? '
        '(the settings are listed in docs/settings.md)')


def test_an_unknown_name_with_nothing_close_is_refused_without_a_guess():
    message = refusal({"piratechat.colour": "blue"})
    assert message.startswith("unknown setting piratechat.colour (") and "mean" not in message


def test_a_misspelt_prefix_is_ours_too():
    assert refusal({"piratchat.burst": "5"}).startswith(
        "unknown setting piratchat.burst; did you mean piratechat.burst?")


def test_a_misspelt_environment_variable_is_refused_with_the_close_match():
    assert refusal({}, {"PIRATECHAT_MAX_QEUE": "5"}) == (
        "unknown setting PIRATECHAT_MAX_QEUE in the environment; did you mean "
        "PIRATECHAT_MAX_QUEUE?")


def test_everyone_elses_names_are_left_alone():
    others = {
        "pyramid.reload_templates": "true", "pyramid.default_locale_name": "en",  # Pyramid
        "here": "/srv", "__file__": "/srv/x.ini", "filter-with": "theme",  # PasteDeploy
        "theme_folder": "/srv/theme", "rules": "plone.xml", "pages": "all",  # the theme filter
        "var": "var/plone", "zope_conf": "zope.conf",  # Zope and Plone
        "workers": "2", "worker_class": "gevent", "bind": "127.0.0.1:0",  # gunicorn
        "sqlalchemy.url": "sqlite://", "piratechat_yoda.mood": "wise",  # other packages'
    }
    environ = {"PIRATECHAT_PLONE_VAR": "var/plone", "PIRATECHAT_PLONE_THREADS": "4",
               "PIRATECHAT_ENV": "bench", "PIRATECHAT_NAME": "x",
               "PIRATECHAT_TEST_NGINX_ROUND_ROBIN": "1", "PIRATECHAT_BURST": "7"}
    assert parse(others, environ=environ) == Settings(burst=7)


@pytest.mark.parametrize("ini", ["development.ini", "production.ini", "plone.ini"])
def test_every_section_of_the_shipped_ini_files_is_accepted(ini):
    parser = ConfigParser(defaults={"here": str(ROOT)})
    parser.read(ROOT / ini)
    apps = [name for name in parser.sections() if name.startswith(("app:", "filter:"))]
    assert apps
    for section in apps:
        parse(dict(parser.items(section)), environ={})


def test_settings_are_parsed_once_and_registered_as_isettings():
    config = Configurator(settings={"piratechat.burst": "3"})
    first = registered(config)
    assert registered(config) is first
    assert config.registry.getUtility(ISettings) is first and first.burst == 3


def test_a_bad_setting_stops_the_include():
    config = Configurator(settings={"piratechat.brust": "3"})
    with pytest.raises(SettingsError, match="did you mean piratechat.burst"):
        config.include("piratechat.translators.registry")


def allowed(each) -> str:
    if "low" in each.metadata:
        return f"{each.metadata['low']} or more"
    if "above" in each.metadata:
        return f"more than {each.metadata['above']}"
    if "schemes" in each.metadata:
        return "empty, or " + " or ".join(f"`{scheme}://...`" for scheme in
                                          each.metadata["schemes"])
    return "yes/no" if isinstance(each.default, bool) else "text"


def test_the_settings_page_lists_every_setting_with_its_default_and_range():
    readme = (ROOT / "docs" / "settings.md").read_text()
    for each in fields(Settings):
        default = each.default
        if isinstance(default, bool):
            default = "true" if default else "false"
        shown = f"`{default}`" if default != "" else '`""`'
        assert f"| `{each.name}` | {shown} | {allowed(each)} |" in readme, each.name
