"""Which ini file a command reads, and what happens without one.

``--ini`` unset: ``development.ini`` in the current folder if there is one,
else no file at all, i.e. the built-in defaults (piratechat/settings.py; the
database is ``var/Data.fs`` under the current folder). A named file that is
missing is one sentence (``MissingIni``), not a traceback.
"""

from __future__ import annotations

import configparser
import os

DEFAULT = "development.ini"


class MissingIni(Exception):
    pass


def add_ini_option(parser) -> None:
    """``--ini`` as the commands that read a database take it."""
    parser.add_argument("--ini", default=None,
                        help="PasteDeploy ini file (default: development.ini here if there is "
                             "one, else the built-in defaults)")


def open_configured_database(command: str, ini: str | None, read_only: bool):
    """The database the ini's settings name, or None after one sentence on
    stderr (``piratechat COMMAND: ...``) when the ini, a setting or the storage is wrong."""
    import sys

    from ..settings import SettingsError, parse
    from ..storage.database import default_uri, open_database
    from ..storage.problems import DatabaseProblem

    try:
        settings = parse(app_settings(chosen(ini)))
        return open_database(settings.zodb_uri or default_uri(), read_only=read_only)
    except (FileNotFoundError, MissingIni, DatabaseProblem, SettingsError) as error:
        print(f"piratechat {command}: {error}", file=sys.stderr)
        return None


def chosen(ini: str | None) -> str | None:
    """The ini file to read, or None for the built-in defaults."""
    if ini is None:
        return DEFAULT if os.path.exists(DEFAULT) else None
    if not os.path.isfile(ini):
        raise MissingIni(f"no ini file {ini!r} (from {os.getcwd()}); name one that exists, "
                         "or leave --ini out to run on the built-in defaults")
    return ini


def app_settings(ini: str | None) -> dict:
    """The ``[app:main]`` settings of ``ini`` (None: none, the defaults)."""
    if ini is None:
        return {}
    from pyramid.paster import get_appsettings

    return get_appsettings(ini, "main")


def server_settings(ini: str | None) -> dict:
    """The ``[server:main]`` section of ``ini`` as written (None: none, the defaults);
    ``piratechat serve`` takes its ``idle_timeout`` from there, as pserve does."""
    if ini is None:
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ini)
    return dict(parser["server:main"]) if parser.has_section("server:main") else {}
