"""nginx's configuration for a cluster, from nginx.conf beside this file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf")


def nginx_binary() -> str:
    """Debian's nginx (``/usr/sbin`` may not be on a user's PATH)."""
    return shutil.which("nginx") or "/usr/sbin/nginx"


#: What Debian's stock /etc/nginx/nginx.conf says in its ``http`` block (and
#: its commented-out types, which sites turn on): responses compressed for
#: clients that accept gzip. Where our location lands in such a block, only
#: ``proxy_buffering off`` keeps streams live (gzip then flushes every frame).
COMPRESSING = ("    gzip on;\n    gzip_types text/plain text/event-stream application/javascript "
               "application/json;\n")


def upstream(backend: int | str) -> str:
    """A backend as nginx's ``server`` names it: a loopback port, or a Unix
    socket's path (an absolute path)."""
    return f"unix:{backend}" if isinstance(backend, str) else f"127.0.0.1:{backend}"


#: Where the chat is when nginx fronts the Plone site too (``site``).
CHAT_PREFIX = "/chat"
#: The streaming transports' requests, unbuffered: anywhere (the chat alone), or
#: the chat's only (beside the site).
STREAMS = "/(xhr_streaming|eventsource|htmlfile)$"
SITE_STREAMS = f"^{CHAT_PREFIX}/.*/(xhr_streaming|eventsource|htmlfile)$"

#: The Plone site's upstream (its one process; ``keepalive``: connections kept
#: open for the next page).
SITE_UPSTREAM = """
    upstream site {{
        server {server};
        keepalive 16;
    }}

"""

#: The site is everything but /chat. Its requests are buffered by nginx (an upload
#: reaches Plone whole, a slow client does not hold a Plone thread), up to the
#: site's own bound on a body (plone.ini: piratechat.plone_max_body, 32 MiB).
SITE_LOCATIONS = f"""
        location = {CHAT_PREFIX} {{
            proxy_pass http://piratechat;
        }}

        location / {{
            proxy_pass http://site;
            proxy_request_buffering on;
            client_max_body_size 32m;
        }}
"""


def render(listen: int, backends: list[int | str], folder: str, hash_on_session: bool = True,
           compress: bool = False, site: int | str | None = None) -> str:
    """nginx.conf listening on ``listen`` (loopback) in front of ``backends``
    (loopback ports, or Unix sockets' paths), keeping its pid, logs and
    temporary files in ``folder``.
    ``hash_on_session=False`` routes round-robin: polling transports then
    break (the tests prove that the hashing matters). ``compress``: gzip on,
    as in Debian's stock ``http`` block (COMPRESSING). ``site``: the Plone
    site's backend; the chat is then at CHAT_PREFIX and the site everywhere
    else (cluster/site.py)."""
    servers = "\n".join(f"        server {upstream(backend)};" for backend in backends)
    text = TEMPLATE.read_text()
    if site is None:
        text = (text.replace("@@SITE_UPSTREAM@@\n", "\n").replace("@@SITE_LOCATIONS@@", "")
                .replace("@@STREAMS@@", STREAMS).replace("@@CHAT@@", "/"))
    else:
        text = (text.replace("@@SITE_UPSTREAM@@\n", SITE_UPSTREAM.format(server=upstream(site)))
                .replace("@@SITE_LOCATIONS@@", SITE_LOCATIONS)
                .replace("@@STREAMS@@", SITE_STREAMS).replace("@@CHAT@@", CHAT_PREFIX + "/"))
    if not hash_on_session:
        text = text.replace("        hash $sockjs_session consistent;\n", "")
    if compress:
        text = text.replace("    access_log off;\n", "    access_log off;\n" + COMPRESSING)
    user = "user root;" if os.geteuid() == 0 else ""  # workers keep access to ``folder``
    return (text.replace("@@USER@@", user).replace("@@DIR@@", folder)
            .replace("@@LISTEN@@", f"127.0.0.1:{listen}").replace("@@SERVERS@@", servers))


def command(listen: int, backends: list[int | str], folder: str, **options) -> list[str]:
    """Write the configuration into ``folder``; the command that runs nginx on it."""
    os.makedirs(folder, exist_ok=True)
    conf = os.path.join(folder, "nginx.conf")
    Path(conf).write_text(render(listen, backends, folder, **options))
    return [nginx_binary(), "-p", folder, "-c", conf]
