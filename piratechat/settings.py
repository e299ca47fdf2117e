"""Settings, parsed and checked once, at start-up: ini values, overridden by the environment.

Every setting ``piratechat.foo_bar`` may also be given as the environment
variable ``PIRATECHAT_FOO_BAR``. Each default is written beside its name, with
its allowed range (``at_least(1, ...)``: 1 or more; ``above(0, ...)``: more
than 0).

Which names are ours (``check_names``): in an ini section, every key that
starts with ``piratechat.`` must be one of the names below, and so must a key
whose prefix is a typo of it (``piratchat.burst``). Every other key
belongs to someone else and is left alone: Pyramid's ``pyramid.*``,
PasteDeploy's ``here``, the theme filter's ``theme_folder``, Zope's,
gunicorn's, a translator distribution's own (``piratechat_yoda.*``). In the
environment, ``PIRATECHAT_<NAME>`` overrides a setting; other ``PIRATECHAT_*``
variables belong to other tools (``PIRATECHAT_PLONE_VAR``) unless their rest
is a near miss of a setting's name (``PIRATECHAT_MAX_QEUE``). A bad
value, an out-of-range one or a misspelt name stops the start with one
SettingsError naming it (and the close match, if any).
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

from pyramid.exceptions import ConfigurationError
from zope.interface import implementer

from .interfaces import ISettings

PREFIX = "piratechat."
ENV_PREFIX = "PIRATECHAT_"
#: How alike (difflib's ratio) a name must be to one of ours to be taken for a
#: misspelling of it (``brust``, ``burst``: 0.8), and to be suggested for one.
NEAR_MISS = 0.8
SUGGEST = 0.6


class SettingsError(ConfigurationError, ValueError):
    """A setting that cannot be used; its text is one sentence naming the setting."""


def at_least(low, default):
    """A default whose setting must be ``low`` or more."""
    return field(default=default, metadata={"low": low})


def above(low, default):
    """A default whose setting must be more than ``low``."""
    return field(default=default, metadata={"above": low})


def addresses(default):
    """A default whose setting must be IP addresses or networks (``10.0.0.0/8``),
    separated by spaces or commas."""
    return field(default=default, metadata={"networks": True})


def url(default, *schemes):
    """A default whose setting must be empty or a URL of one of ``schemes``."""
    return field(default=default, metadata={"schemes": schemes})


@implementer(ISettings)
@dataclass(frozen=True)
class Settings:
    max_line: int = at_least(1, 2000)  # characters in one said line
    max_name: int = at_least(1, 40)  # characters in a speaker's name
    lines_per_second: float = above(0, 5.0)  # sustained rate one connection may say lines at
    burst: int = at_least(1, 20)  # lines one connection may say at once before the rate applies
    recent_lines: int = at_least(0, 50)  # lines a joining client is sent
    translator: str = "pirate"  # the default translator's name (rooms that chose none use it)
    translators: str = ""  # translators offered, names separated by spaces or commas; "": all
    # An arrpi-shaped service for the "remote" translator; "": not offered.
    remote_url: str = url("", "http", "https")
    remote_connect_timeout: float = above(0, 1.0)  # seconds to connect to remote_url
    remote_read_timeout: float = above(0, 2.0)  # seconds to wait for each read of its answer
    # Remote calls in flight per process; more fall back at once.
    remote_max_calls: int = at_least(1, 16)
    heartbeat_delay: float = above(0, 25.0)  # seconds between SockJS heartbeats
    disconnect_delay: float = above(0, 5.0)  # seconds a SockJS session waits for its client
    # Characters queued for one slow client before dropping it.
    max_queue: int = at_least(1, 1024 * 1024)
    # Milliseconds a room's lines may wait to share one frame, only while lines keep
    # coming (chat/runtime/hub.py; 0: off). 5: far below what a reader notices (~100 ms), yet
    # under load (hundreds of lines a second) several lines share each frame and send.
    coalesce_ms: float = at_least(0, 5.0)
    # History (ZODB). "" below means file://<current folder>/var/Data.fs, created on first
    # run; the ini files set file://%(here)s/var/Data.fs. Any zodburi URI works: zeo://...
    zodb_uri: str = ""  # where every line is kept
    # Lines (changes) committed together in one transaction at most.
    commit_batch: int = at_least(1, 200)
    # Seconds a request waits for an unreachable storage server (ZEO, PostgreSQL) before
    # the chat answers `unavailable`; also the wait for one not yet opened at start.
    storage_timeout: float = above(0, 5.0)
    fsync_in_thread: bool = True  # FileStorage's fsync off the gevent hub (see storage/fsync.py)
    # Lines a reconnecting client is sent; older ones are left as a gap.
    max_backlog: int = at_least(0, 1000)
    recent_rooms: int = at_least(0, 20)  # recently active rooms listed on the front page
    # Several processes (see README, "A cluster"). "": in-process broker, one process;
    # redis://host:port/db: Redis pub/sub carries lines, notices and presence between them.
    broker_url: str = url("", "redis")
    broker_prefix: str = "piratechat:"  # Redis keys and channels start with it
    presence_ttl: float = above(0, 30.0)  # seconds a member of a silent (dead) process stays listed
    # Members named in a room's presence list; above: count only.
    presence_list: int = at_least(0, 100)
    # Serve only the WebSocket transports (every other one answers 404). gunicorn.conf.py
    # sets it when workers > 1 share a port: see piratechat/cluster/workers.py.
    websocket_only: bool = False
    # Limits (issue 13; per process: N workers allow N times as much). A client's
    # address is REMOTE_ADDR, or the rightmost X-Forwarded-For hop that is not a
    # trusted proxy when the request comes from one (chat/core/address.py).
    trusted_proxies: str = addresses("")  # proxies' addresses or networks (127.0.0.1 10.0.0.0/8)
    # Chat connections open at once from one client address.
    address_connections: int = at_least(1, 100)
    # Lines one address may say, over all its connections.
    address_lines_per_second: float = above(0, 10.0)
    # Lines one address may say at once before that rate applies.
    address_burst: int = at_least(1, 40)
    rooms_per_minute: float = above(0, 10.0)  # rooms one address may create (POST /rooms/) a minute
    rooms_burst: int = at_least(1, 10)  # rooms one address may create at once
    room_lines_per_second: float = above(0, 50.0)  # lines one room takes from everyone together
    room_burst: int = at_least(1, 100)  # lines one room takes at once before that rate applies
    # Seconds of CPU a room's translator may use per second.
    translation_share: float = above(0, 0.25)
    # Translations of one room in flight at once; more: the pirate.
    room_translations: int = at_least(1, 4)
    translator_changes_per_minute: float = above(0, 6.0)  # parrot changes one room takes a minute
    # Seconds of CPU all rooms' translators together may use per second; past it: the pirate.
    process_translation_share: float = above(0, 0.5)
    # Wrong owner keys one address may send a minute (they never spend the room's changes).
    wrong_keys_per_minute: float = above(0, 6.0)
    # Reads (issue 25). Bytes of stored lines one address is sent a second, by history
    # requests (past it: 429) and by joins' catch-up (past it: fewer lines and a `gap`).
    # An office of 200 behind one address, all joining at once after a restart, fits;
    # one core serves some 40 MB/s of history, so an address takes at most ~3% of it.
    read_bytes_per_second: float = above(0, 1024 * 1024.0)
    read_burst: int = at_least(1, 4 * 1024 * 1024)  # bytes one address may read at once
    joins_per_minute: float = above(0, 120.0)  # joins one address may make a minute
    joins_burst: int = at_least(1, 200)  # joins one address may make at once
    # Addresses or networks /metrics answers (the client's address, as limits count it);
    # others get 403.
    metrics_addresses: str = addresses("127.0.0.1 ::1")
    # Bytes in a request body the pages read (POST /rooms/); more: 413.
    max_body: int = at_least(1, 64 * 1024)
    # Bytes in a request body the Plone site takes (plone.ini's [filter:guard], uploads
    # included; beyond 1 MiB it waits in a temporary file, not in memory); more: 413.
    plone_max_body: int = at_least(1, 32 * 1024 * 1024)
    # Seconds the gevent server (pserve, piratechat serve, plone.ini) waits for a client
    # that sends nothing, or half a request, before closing its connection. Set in the
    # ini's [server:main] as idle_timeout; under gunicorn it is gunicorn's keepalive, and
    # gunicorn_config.pre_request gives reads of a body the same wait.
    idle_timeout: float = above(0, 30.0)
    # WebSockets (raw and SockJS): a ping after ws_ping_interval seconds of silence; a
    # connection still silent ws_ping_interval seconds after its ping is closed as dead.
    ws_ping_interval: float = at_least(0, 25.0)
    # Descriptors kept free: new connections past that get 503; 0: off.
    fd_headroom: int = at_least(0, 64)
    # Hosts and origins (web/security.py). public_url: the address pages are built
    # with (e.g. https://chat.example.org), whatever Host says; allowed_hosts: the
    # Host values answered when public_url is unset ("*": any); allowed_origins: the
    # origins whose pages may use the chat's WebSocket and CORS ("": the page's own).
    public_url: str = url("", "http", "https")
    allowed_hosts: str = "localhost 127.0.0.1 [::1]"
    allowed_origins: str = ""
    # The Diazo theme ([filter:theme] in the ini files; web/theming.py): on or off, and
    # whether an edit of theme/ recompiles it on the next request (development) or the
    # compiled theme is kept for good (production).
    theme: bool = True
    theme_reload: bool = False
    # Members' chat tokens (chat/core/tokens.py): the HMAC-SHA256 key the Plone site signs
    # them with and the chat checks them with ("": the chat accepts no tokens).
    token_secret: str = ""
    # Where the chat page asks for its member's token (same origin, with the member's
    # cookie); "": it asks nowhere and the visitor picks a nickname (plain `make run`).
    token_url: str = ""
    # Where the chat fetches every member's reserved names (the Plone site's
    # @@chat-member-names, signed with token_secret; chat/runtime/member_list.py): a path
    # (this server's own, the one-process plone.ini) or an http(s) URL; "": none.
    member_names_url: str = field(default="", metadata={"schemes": ("http", "https"),
                                                        "path": True})  # url(), or a path
    # Seconds between two fetches: a member renamed or removed shows this much later.
    member_names_refresh: float = above(0, 30.0)


def parse(settings: dict, environ: dict | None = None) -> Settings:
    """The Settings of an ini section's ``settings`` and the environment; raises
    SettingsError for an unknown name, a bad value or one out of its range."""
    environ = os.environ if environ is None else environ
    check_names(settings, environ)
    values = {}
    for each in fields(Settings):
        env_name = ENV_PREFIX + each.name.upper()
        raw, where = environ.get(env_name), f"{env_name} (environment)"
        if raw is None:
            raw, where = settings.get(PREFIX + each.name), PREFIX + each.name
        if raw is not None:
            values[each.name] = _checked(each, raw, where)
    return Settings(**values)


def check_names(settings: dict, environ: dict) -> None:
    """Refuse the names that look like ours but are not (see the module docstring)."""
    ours = [each.name for each in fields(Settings)]
    for key in settings:
        prefix, dot, rest = key.partition(".")
        if not dot or not _ours(prefix):
            continue
        if prefix == PREFIX[:-1] and rest in ours:
            continue
        close = _near(rest, ours, SUGGEST)
        hint = f"; did you mean {PREFIX}{close}?" if close else ""
        raise SettingsError(f"unknown setting {key}{hint} (the settings are listed in "
                            "README.md, \"Settings\")")
    for key in environ:
        rest = key[len(ENV_PREFIX):].lower() if key.startswith(ENV_PREFIX) else None
        if rest is None or rest in ours:
            continue
        close = _near(rest, ours)
        if close:
            raise SettingsError(f"unknown setting {key} in the environment; did you mean "
                                f"{ENV_PREFIX}{close.upper()}?")


def _ours(prefix: str) -> bool:
    """``piratechat``, or a typo of it (a letter or two off: ``piratchat``, not
    another package's own ``piratechat_yoda``)."""
    ours = PREFIX[:-1]
    return prefix == ours or (abs(len(prefix) - len(ours)) <= 2 and _near(prefix, [ours]))


def _near(name: str, names: list[str], cutoff: float = NEAR_MISS) -> str | None:
    found = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    return found[0] if found else None


def _checked(each, raw, where: str):
    """``raw`` (text from an ini file or the environment) as the setting's type, in range."""
    kind = type(each.default)
    try:
        value = _convert(each.default, raw)
    except ValueError:
        wanted = {bool: "yes/no value (true/false, on/off, 1/0)", int: "whole number",
                  float: "number"}[kind]
        raise SettingsError(f"{where} = {raw!r} is not a {wanted}") from None
    low, above_low = each.metadata.get("low"), each.metadata.get("above")
    if low is not None and value < low:
        raise SettingsError(f"{where} = {raw!r} is out of range: it must be at least {low}")
    if above_low is not None and not value > above_low:
        raise SettingsError(f"{where} = {raw!r} is out of range: it must be more than "
                            f"{above_low}")
    if each.metadata.get("networks"):
        for entry in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(entry.strip("[]"), strict=False)
            except ValueError:
                raise SettingsError(f"{where} = {raw!r}: {entry!r} is not an IP address or "
                                    "network") from None
    schemes = each.metadata.get("schemes")
    if each.metadata.get("path") and value.startswith("/"):
        schemes = None  # a path on this server
    if schemes and value and value.partition("://")[0] not in schemes:
        allowed = " or ".join(f"{scheme}://..." for scheme in schemes)
        allowed += ", a path (/...)" if each.metadata.get("path") else ""
        raise SettingsError(f"{where} = {raw!r} is not a URL the chat can use: it must be "
                            f"{allowed}, or empty")
    if schemes and value and value.startswith("http") and not _hostname(value):
        raise SettingsError(f"{where} = {raw!r} is not a URL the chat can use: it names no "
                            "host (http(s)://host[:port])")
    return value


def _hostname(value: str) -> str | None:
    try:
        return urlsplit(value).hostname
    except ValueError:  # a bad port or an unclosed [ of an IPv6 address
        return None


def _convert(default, raw):
    if isinstance(raw, str):
        raw = raw.strip()
    if isinstance(default, bool) and isinstance(raw, str):
        value = raw.lower()
        if value not in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            raise ValueError(f"not a yes/no value: {raw!r}")
        return value in ("true", "yes", "on", "1")
    value = type(default)(raw)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value


def idle_timeout(server_section: dict, environ: dict | None = None) -> float:
    """``idle_timeout`` of an ini's ``[server:main]`` section (unprefixed, beside
    host and port), checked like the others; PIRATECHAT_IDLE_TIMEOUT wins."""
    environ = os.environ if environ is None else environ
    each = next(each for each in fields(Settings) if each.name == "idle_timeout")
    raw, where = environ.get("PIRATECHAT_IDLE_TIMEOUT"), "PIRATECHAT_IDLE_TIMEOUT (environment)"
    if raw is None:
        raw, where = server_section.get("idle_timeout"), "idle_timeout ([server:main])"
    return each.default if raw is None else _checked(each, raw, where)


def registered(config) -> Settings:
    """The app's Settings, the ISettings utility: parsed from the app's ini
    settings by the first part that asks (whichever is included first), then
    read by every other."""
    settings = config.registry.queryUtility(ISettings)
    if settings is None:
        settings = parse(config.get_settings())
        config.registry.registerUtility(settings, ISettings)
    return settings
