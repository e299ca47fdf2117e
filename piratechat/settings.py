"""Settings, parsed once: ini values, overridden by the environment.

Every setting ``piratechat.foo_bar`` may also be given as the environment
variable ``PIRATECHAT_FOO_BAR``. Each default is written beside its name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Settings:
    max_line: int = 2000  # characters in one said line
    max_name: int = 40  # characters in a speaker's name
    lines_per_second: float = 5.0  # sustained rate one connection may say lines at
    burst: int = 20  # lines one connection may say at once before the rate applies
    recent_lines: int = 50  # lines a joining client is sent
    translator: str = "pirate"  # the default translator's name (rooms that chose none use it)
    translators: str = ""  # translators offered, names separated by spaces or commas; "": all
    remote_url: str = ""  # arrpi-shaped service for the "remote" translator; "": not offered
    remote_connect_timeout: float = 1.0  # seconds to connect to remote_url
    remote_read_timeout: float = 2.0  # seconds to wait for each read of its answer
    remote_max_calls: int = 16  # remote calls in flight per process; more fall back at once
    heartbeat_delay: float = 25.0  # seconds between SockJS heartbeats
    disconnect_delay: float = 5.0  # seconds a SockJS session waits for its client
    max_queue: int = 1024 * 1024  # characters queued for one slow client before dropping it
    # Milliseconds a room's lines may wait to share one frame, only while lines keep
    # coming (chat/hub.py; 0: off). 5: far below what a reader notices (~100 ms), yet
    # under load (hundreds of lines a second) several lines share each frame and send.
    coalesce_ms: float = 5.0
    # History (ZODB). "" below means file://<current folder>/var/Data.fs, created on first
    # run; the ini files set file://%(here)s/var/Data.fs. Any zodburi URI works: zeo://...
    zodb_uri: str = ""  # where every line is kept
    commit_batch: int = 200  # lines (changes) committed together in one transaction at most
    # Seconds a request waits for an unreachable storage server (ZEO, PostgreSQL) before
    # the chat answers `unavailable`; also the wait for one not yet opened at start.
    storage_timeout: float = 5.0
    fsync_in_thread: bool = True  # FileStorage's fsync off the gevent hub (see storage/fsync.py)
    max_backlog: int = 1000  # lines a reconnecting client is sent; older ones are left as a gap
    recent_rooms: int = 20  # recently active rooms listed on the front page
    # Several processes (see README, "A cluster"). "": in-process broker, one process;
    # redis://host:port/db: Redis pub/sub carries lines, notices and presence between them.
    broker_url: str = ""
    broker_prefix: str = "piratechat:"  # Redis keys and channels start with it
    presence_ttl: float = 30.0  # seconds a member of a silent (dead) process stays listed
    presence_list: int = 100  # members named in a room's presence list; above: count only
    # Serve only the WebSocket transports (every other one answers 404). gunicorn.conf.py
    # sets it when workers > 1 share a port: see piratechat/cluster/workers.py.
    websocket_only: bool = False
    # Limits (issue 13; per process: N workers allow N times as much). A client's
    # address is REMOTE_ADDR, or the rightmost X-Forwarded-For hop that is not a
    # trusted proxy when the request comes from one (chat/address.py).
    trusted_proxies: str = ""  # proxies' addresses or networks (127.0.0.1 10.0.0.0/8); "": none
    address_connections: int = 100  # chat connections open at once from one client address
    address_lines_per_second: float = 10.0  # lines one address may say, over all its connections
    address_burst: int = 40  # lines one address may say at once before that rate applies
    rooms_per_minute: float = 10.0  # rooms one address may create (POST /rooms/) a minute
    rooms_burst: int = 10  # rooms one address may create at once
    room_lines_per_second: float = 50.0  # lines one room takes from everyone together
    room_burst: int = 100  # lines one room takes at once before that rate applies
    translation_share: float = 0.25  # seconds of CPU a room's translator may use per second
    room_translations: int = 4  # translations of one room in flight at once; more: the pirate
    translator_changes_per_minute: float = 6.0  # parrot changes one room takes a minute
    max_body: int = 64 * 1024  # bytes in a request body the pages read (POST /rooms/); more: 413
    # WebSockets (raw and SockJS): a ping after ws_ping_interval seconds of silence; a
    # connection still silent ws_ping_interval seconds after its ping is closed as dead.
    ws_ping_interval: float = 25.0
    fd_headroom: int = 64  # descriptors kept free: new connections past that get 503; 0: off
    # Hosts and origins (web/security.py). public_url: the address pages are built
    # with (e.g. https://chat.example.org), whatever Host says; allowed_hosts: the
    # Host values answered when public_url is unset ("*": any); allowed_origins: the
    # origins whose pages may use the chat's WebSocket and CORS ("": the page's own).
    public_url: str = ""
    allowed_hosts: str = "localhost 127.0.0.1 [::1]"
    allowed_origins: str = ""
    # The Diazo theme ([filter:theme] in the ini files; web/theming.py): on or off, and
    # whether an edit of theme/ recompiles it on the next request (development) or the
    # compiled theme is kept for good (production).
    theme: bool = True
    theme_reload: bool = False
    # Members' chat tokens (chat/tokens.py): the HMAC-SHA256 key the Plone site signs
    # them with and the chat checks them with ("": the chat accepts no tokens).
    token_secret: str = ""
    # Where the chat page asks for its member's token (same origin, with the member's
    # cookie); "": it asks nowhere and the visitor picks a nickname (plain `make run`).
    token_url: str = ""


def parse(settings: dict, environ: dict | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values = {}
    for field in fields(Settings):
        raw = environ.get("PIRATECHAT_" + field.name.upper())
        if raw is None:
            raw = settings.get("piratechat." + field.name)
        if raw is not None:
            values[field.name] = _convert(field.default, raw)
    return Settings(**values)


def _convert(default, raw):
    """``raw`` (text from an ini file or the environment) as the default's type."""
    if isinstance(default, bool) and isinstance(raw, str):
        value = raw.strip().lower()
        if value not in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            raise ValueError(f"not a yes/no value: {raw!r}")
        return value in ("true", "yes", "on", "1")
    return type(default)(raw)
