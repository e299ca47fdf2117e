"""``/rooms/<slug>/lines/<seq>``: one line as a page or as JSON (rooms/line_pages.py).

The page shows the line, who said it and when, the parrot's words, the lines
around it and a link into the room at that line; ``?format=json`` (or an
Accept header asking for JSON first) gives the same as data. A number the
room does not have is 404, a line that is gone 410, both a themed page (or
JSON with an ``error``).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from ..rooms.line_pages import RoomLines, SaidLine
from ..timestamps import iso_us
from .answers import wants_json

LINE_PAGE = "piratechat.web:templates/line.pt"
MISSING = "piratechat.web:templates/missing.pt"
#: Lines shown on either side of a line's own.
AROUND = 10


def line_url(request, room, seq: int) -> str:
    return request.resource_url(room, "lines", str(seq))


def join_url(request, room, seq: int) -> str:
    """The room's chat, at the line (chat.js marks the line and scrolls to it)."""
    return request.resource_url(room, anchor=f"line-{seq}")


@view_config(route_name="site", context=SaidLine, request_method="GET")
def line_page(context: SaidLine, request):
    room = context.room
    if not context.found() or context.gone():
        status, what = (410, "That line is gone") if context.gone() else (404, "No such line")
        reason = (f"{room.title} has no line {context.__name__}." if status == 404
                  else f"Line {context.__name__} of {room.title} was taken away.")
        return missing(request, status, what, reason, request.resource_url(room))
    line = context.line
    before, after = context.around(AROUND)
    message = room.message(line)
    if wants_json(request):
        return Response(json_body={
            "line": dict(message, url=line_url(request, room, line.seq)),
            "before": [room.message(other) for other in before],
            "after": [room.message(other) for other in after],
            "room_url": request.resource_url(room),
            "join_url": join_url(request, room, line.seq),
        })
    return render_to_response(LINE_PAGE, {
        "room": room, "line": line, "at": iso_us(line.at_us),
        "before": before, "after": after,
        "line_url": lambda seq: line_url(request, room, seq),
        "join_url": join_url(request, room, line.seq),
        "search_url": request.resource_url(room, "search"),
        "front_url": request.application_url + "/",
    }, request=request)


@view_config(route_name="site", context=RoomLines, request_method="GET")
def lines_index(context: RoomLines, request):
    """``<room>/lines/``: the room's chat."""
    return HTTPFound(request.resource_url(context.room))


def missing(request, status: int, title: str, reason: str, back_url: str):
    """The themed page (or JSON) for a line that is not there."""
    if wants_json(request):
        return Response(json_body={"error": reason}, status=status)
    response = render_to_response(MISSING, {"title": title, "reason": reason,
                                            "back_url": back_url,
                                            "front_url": request.application_url + "/"},
                                  request=request)
    response.status = status
    return response
