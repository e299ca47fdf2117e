"""Robot keywords that need the site's server itself (plone.robot): restarting it.

``SERVER`` is the LiveServer of tests/plone/conftest.py, set by
test_plone_robot.py. It starts again on the same port, so the browsers' and
the suite's ``SITE_URL`` stay good, with the same site and chat databases:
only what a process keeps in memory (who is in which room, the tokens it saw)
is gone, as after any restart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SERVER = None


def restart_the_site() -> None:
    port = str(urlsplit(SERVER.url).port)
    SERVER.stop()
    command = list(SERVER.command)
    command[command.index("--port") + 1] = port
    SERVER.command = command
    SERVER.start(timeout=300)
