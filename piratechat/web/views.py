"""Views of the rooms: the front page (lobby), a room's page, its history, new rooms.

Pages carry the room's slug in ``data-room``; chat.js joins that room over
SockJS and is sent its recent lines, so a page is the same for everyone and
needs no lines rendered here.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from pyramid.httpexceptions import HTTPFound
from pyramid.response import FileResponse, Response
from pyramid.view import exception_view_config, view_config

from ..interfaces import IChat, ISettings, ITranslator
from ..rooms.resources import Room, Rooms, Root
from ..rooms.slugs import MAX_LENGTH, BadRoomName, slug_for
from ..translators.registry import offered
from . import owner
from .forms import BadForm, form_fields

PAGE = "piratechat.web:templates/app.pt"
ERROR = "piratechat.web:templates/error.pt"
FAVICON = str(Path(__file__).parent / "static" / "favicon.ico")
#: Lines one history request returns at most (programs page with ``after``).
HISTORY_LIMIT = 1000


def _page(request, room: Room, **extra) -> dict:
    settings = request.registry.getUtility(ISettings)
    return {
        "room": room,
        # The <select id="translator">: what is on offer, and the room's choice.
        "translators": offered(request.registry),
        "translator": request.registry.getAdapter(room, ITranslator).name,
        "history_url": request.resource_url(room, "history"),
        "max_line": settings.max_line,
        # Where a member's chat token comes from (the Plone site's @@chat-token), if anywhere.
        "token_url": settings.token_url,
        "max_name": settings.max_name,
        "max_room": MAX_LENGTH,
        "front": False,
        "recent": [],
        "rooms_url": request.resource_url(request.root["rooms"]),
        **extra,
    }


def _recent(request, but: str) -> list[Room]:
    """The rooms active lately, except the one the page is about."""
    limit = request.registry.getUtility(ISettings).recent_rooms
    return [room for room in request.root.rooms.recently_active(limit + 1)
            if room.__name__ != but][:limit]


@view_config(route_name="site", context=Root, request_method="GET", renderer=PAGE)
def front_page(context: Root, request):
    """The lobby's chat, a form to open your own room, and the rooms active lately."""
    return _page(request, context.rooms["lobby"], front=True, recent=_recent(request, "lobby"))


@view_config(route_name="site", context=Room, request_method="GET", renderer=PAGE)
def room_page(context: Room, request):
    """A room's chat, with the same way to other rooms the front page has."""
    return _page(request, context, recent=_recent(request, context.__name__))


@view_config(route_name="favicon", request_method=("GET", "HEAD"))
def favicon(request):
    """``/favicon.ico``, where browsers look for it whatever the page says."""
    return FileResponse(FAVICON, request=request, content_type="image/x-icon",
                        cache_max_age=86400)


@view_config(route_name="site", context=Rooms, request_method="POST")
def open_room(context: Rooms, request):
    """The front page's form: the room for the typed name, created if new, then its page.

    Whoever creates a room gets its owner's key (web/owner.py); an address
    creates at most ``rooms_per_minute`` rooms (429 past that)."""
    name = form_fields(request).get("room", "")  # BadForm: the 400 below
    slug = slug_for(name)  # BadRoomName becomes the 400 page below
    return owner.open_room(context, request, slug, name.strip())


@view_config(route_name="site", context=Rooms, request_method="GET")
def rooms_index(context: Rooms, request):
    return HTTPFound(request.resource_url(request.root))


def _whole(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise _BadParameter(f"{name!r} must be a whole number from {low} to {high}.")
    return int(raw)


#: ASCII digits only: str.isdigit() also says yes to "²" and "①", which int() refuses.
_DIGITS = re.compile(r"[0-9]{1,30}")


class _BadParameter(ValueError):
    pass


@view_config(route_name="site", context=Room, name="history", request_method="GET")
def history(context: Room, request):
    """``GET <room>/history?after=SEQ&limit=N``: lines after SEQ, oldest first, as JSON.

    An address reads at most ``read_bytes_per_second`` (chat/runtime/limits.py): the
    answer is charged its size, and while the address's budget is spent it
    gets ``429`` instead."""
    try:
        after = _whole(request, "after", 0, 0, 2**62)
        limit = _whole(request, "limit", 100, 1, HISTORY_LIMIT)
    except _BadParameter as error:
        return Response(json_body={"error": str(error)}, status=400)
    limits = request.registry.getUtility(IChat).limits
    address = limits.address(request.environ)
    if limits.readable(address) <= 0:
        rate = request.registry.getUtility(ISettings).read_bytes_per_second
        response = Response(
            json_body={"error": "Too much history read from your address (at most "
                                f"{rate / 1024:g} KiB a second); try again in a moment."},
            status=429)
        response.headers["Retry-After"] = str(limits.read_again_in(address))
        return response
    response = Response(json_body={
        "room": context.__name__,
        "epoch": context.epoch,
        "last": context.last_seq,
        "lines": [context.message(line) for line in context.after(after, limit)],
    })
    limits.read(address, len(response.body))
    return response


@exception_view_config(BadRoomName, renderer=ERROR)
def bad_room_name(error: BadRoomName, request):
    request.response.status = 400
    suggestion = None
    if error.suggestion:
        suggestion = f"{request.application_url}/rooms/{quote(error.suggestion)}/"
    return {"reason": error.reason, "suggestion": suggestion,
            "front_url": request.application_url + "/"}


@exception_view_config(BadForm)
def bad_form(error: BadForm, request):
    return Response(f"{error}\n", status=400, content_type="text/plain", charset="UTF-8")


@exception_view_config(UnicodeDecodeError)
def bad_encoding(error: UnicodeDecodeError, request):
    """A query string or form that is not UTF-8 is the client's mistake."""
    return Response("The address or form is not valid UTF-8.\n", status=400,
                    content_type="text/plain", charset="UTF-8")
