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
    translator: str = "pirate"  # the default translator's name
    heartbeat_delay: float = 25.0  # seconds between SockJS heartbeats
    disconnect_delay: float = 5.0  # seconds a SockJS session waits for its client
    max_queue: int = 1024 * 1024  # characters queued for one slow client before dropping it


def parse(settings: dict, environ: dict | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values = {}
    for field in fields(Settings):
        raw = environ.get("PIRATECHAT_" + field.name.upper())
        if raw is None:
            raw = settings.get("piratechat." + field.name)
        if raw is not None:
            values[field.name] = type(field.default)(raw)
    return Settings(**values)
