"""``piratechat history ROOM``: print a room's stored lines, from ZODB.

The database is the one the ini file's settings name (``piratechat.zodb_uri``,
or ``PIRATECHAT_ZODB_URI``). It is opened read-only, so this works while the
server is running and writing it.
"""

from __future__ import annotations

import argparse
import json
import sys

from .ini import add_ini_option, open_configured_database


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("history", help="print the lines stored for ROOM")
    p.add_argument("room", metavar="ROOM", help="the room's slug, e.g. lobby")
    p.add_argument("--after", type=int, default=0, metavar="SEQ",
                   help="only lines numbered above SEQ (default 0: all)")
    p.add_argument("--limit", type=int, default=0, metavar="N",
                   help="at most N lines (default 0: no limit)")
    p.add_argument("--json", action="store_true",
                   help="one JSON array of the protocol's line messages")
    add_ini_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..rooms.slugs import BadRoomName, check_slug
    from ..storage.database import reading

    try:
        room = check_slug(args.room)
    except BadRoomName as error:
        hint = f" (try {error.suggestion!r})" if error.suggestion else ""
        print(f"piratechat history: {error.reason}{hint}", file=sys.stderr)
        return 2
    db = open_configured_database("history", args.ini, read_only=True)
    if db is None:
        return 1
    try:
        with reading(db) as root:
            stored = root.rooms.get(room)
            if stored is None:
                print(f"piratechat history: no room {room!r}", file=sys.stderr)
                return 1
            write = _write_json if args.json else _write_text
            write(_pages(stored, max(args.after, 0), args.limit or stored.last_seq))
    finally:
        db.close()
    return 0


def _pages(room, after: int, limit: int, page: int = 1000):
    """The room's line messages after ``after``, read a page at a time (rooms can be huge)."""
    while limit > 0:
        lines = room.after(after, min(page, limit))
        if not lines:
            return
        for line in lines:
            yield room.message(line)
        after, limit = lines[-1].seq, limit - len(lines)
        room._p_jar.cacheGC()  # keep memory flat however many pages


def _write_json(messages) -> None:
    """JSON whatever was stored: a lone surrogate (stored before text was
    checked, chat/core/text.py) cannot be UTF-8, so it is written as JSON's own
    escape, ``\\ud800``, which reads back as the same string."""
    sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout.write("[")
    for index, message in enumerate(messages):
        sys.stdout.write(",\n" if index else "\n")
        sys.stdout.write(json.dumps(message, ensure_ascii=False))
    sys.stdout.write("\n]\n")


def _write_text(messages) -> None:
    """Lines for a person at a terminal: what could drive the terminal (ESC,
    bidi overrides, surrogates) is shown escaped (chat/core/text.py's ``printable``)."""
    from ..chat.core.text import printable

    for message in messages:
        author, text, translator, translation = (printable(message[key]) for key in (
            "author", "text", "translator", "translation"))
        print(f"{message['seq']:>6}  {message['at']}  {author}: {text}")
        print(f"{'':>6}  parrot ({translator}): {translation}")
