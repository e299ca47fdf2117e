"""``POST /activity``: for many rooms at once, how many are in each now and when
its last line was said (a forum's list of topics shows both for every topic).

One request answers for up to ``MAX_ROOMS`` rooms: the presence counts in
one round trip to the presence store (IPresence.counts: one pipeline of
ZCOUNTs on Redis), and per room one lookup in the rooms' tree plus its last
chunk (both usually in the connection's cache), no history read. Read-only
and public (each room's page shows the same), so it needs no signature; a
body is JSON: ``{"rooms": ["slug", ...]}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pyramid.response import Response
from pyramid.view import view_config

from ..interfaces import IChat
from ..rooms.slugs import BadRoomName, check_slug

#: Rooms one request may ask about (a forum's page lists fewer topics).
MAX_ROOMS = 500
#: Bytes a request's body may have: MAX_ROOMS slugs of 64 characters, quoted.
MAX_BODY = MAX_ROOMS * 70 + 100


def _refuse(reason: str, status: int = 400) -> Response:
    return Response(json_body={"error": reason}, status=status)


@view_config(route_name="activity", request_method="POST")
def activity(context, request):
    """``{"rooms": {slug: {"talking": n, "last_line": ISO 8601 UTC or null}}}``."""
    if (request.content_length or 0) > MAX_BODY:
        return _refuse(f"At most {MAX_ROOMS} rooms at once.", 413)
    try:
        slugs = json.loads(request.body)["rooms"]
        if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
            raise ValueError
        for slug in slugs:
            check_slug(slug)
    except (ValueError, KeyError, TypeError, BadRoomName):
        return _refuse('Send JSON: {"rooms": [room names]}, each a room\'s slug.')
    if len(slugs) > MAX_ROOMS:
        return _refuse(f"At most {MAX_ROOMS} rooms at once.", 413)
    slugs = list(dict.fromkeys(slugs))
    counts = request.registry.getUtility(IChat).roster.presence.counts(slugs)
    rooms = context.rooms
    answer = {}
    for slug in slugs:
        room = rooms.get(slug)
        said = room.last_said() if room is not None else 0
        answer[slug] = {
            "talking": counts.get(slug, 0),
            "last_line": (datetime.fromtimestamp(said / 1000, UTC).isoformat()
                          if said else None),
        }
    response = Response(json_body={"rooms": answer})
    response.headers["Cache-Control"] = "no-store"
    return response
