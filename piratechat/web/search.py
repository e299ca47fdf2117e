"""``/search?q=...`` over every room and ``<room>/search?q=...`` in one: a page or JSON.

Answers are newest first, ``limit`` at a time (at most MAX_LIMIT), each with
its room, author, time and the address of its line's page; ``next`` is the
address of the next page (a cursor: ``before``), or null. A search is work
for the server, so an address makes at most ``searches_per_minute`` of them
(429 and Retry-After past that), and what it is sent comes out of its
``read_bytes_per_second`` like the history's answers.
"""

from __future__ import annotations

from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from ..interfaces import IChat, ISearch, ISettings
from ..rooms.resources import Room, Root
from ..search.words import BadQuery
from ..timestamps import iso_us
from .answers import wants_json
from .lines import line_url
from .views import _BadParameter, _whole

SEARCH_PAGE = "piratechat.web:templates/search.pt"
#: Answers one search page gives at most.
MAX_LIMIT = 50
#: Characters a query may have.
MAX_QUERY = 500


@view_config(route_name="site", context=Root, name="search", request_method="GET")
def search_everywhere(context: Root, request):
    return _search(request, None, request.resource_url(context, "search"))


@view_config(route_name="site", context=Room, name="search", request_method="GET")
def search_room(context: Room, request):
    return _search(request, context, request.resource_url(context, "search"))


def _search(request, room: Room | None, here: str):
    as_json = wants_json(request)
    query = request.GET.get("q", "").strip()
    page = {"room": room, "query": query, "answers": [], "next_url": None, "problem": None,
            "search_url": here, "front_url": request.application_url + "/"}
    if not query and not as_json:
        return render_to_response(SEARCH_PAGE, page, request=request)  # the form alone
    try:
        if len(query) > MAX_QUERY:
            raise BadQuery(f"A search is {MAX_QUERY} characters at most.")
        before = _whole(request, "before", 0, 1, 2**53) or None
        limit = _whole(request, "limit", 20, 1, MAX_LIMIT)
    except (BadQuery, _BadParameter) as error:
        return _refused(request, page, 400, str(error))
    limits = request.registry.getUtility(IChat).limits
    address = limits.address(request.environ)
    if limits.readable(address) <= 0 or not limits.search(address):
        settings = request.registry.getUtility(ISettings)
        response = _refused(request, page, 429, "Too many searches from your address (at most "
                            f"{settings.searches_per_minute:g} a minute); try again in a moment.")
        response.headers["Retry-After"] = str(max(limits.search_again_in(address),
                                                  limits.read_again_in(address)))
        return response
    try:
        found = request.registry.getUtility(ISearch).search(
            query, None if room is None else room.__name__, before, limit)
    except BadQuery as error:
        return _refused(request, page, 400, str(error))
    answers = [_answer(request, slug, line) for slug, line in found.lines]
    next_url = None
    if found.before is not None:
        next_url = request.resource_url(request.context, "search",
                                        query={"q": query, "before": found.before,
                                               "limit": limit})
    if as_json:
        response = Response(json_body={"query": query,
                                       "room": None if room is None else room.__name__,
                                       "results": answers, "next": next_url})
    else:
        response = render_to_response(SEARCH_PAGE, dict(page, answers=answers,
                                                        next_url=next_url), request=request)
    limits.read(address, len(response.body))
    return response


def _answer(request, slug: str, line) -> dict:
    room = request.root.rooms.get(slug)
    return {"room": slug, "room_title": room.title if room is not None else slug,
            "seq": line.seq, "author": line.author, "text": line.text,
            "translation": line.translation, "translator": line.translator,
            "at": iso_us(line.at_us),
            "url": line_url(request, room, line.seq) if room is not None else None}


def _refused(request, page: dict, status: int, problem: str):
    if wants_json(request):
        response = Response(json_body={"error": problem}, status=status)
    else:
        response = render_to_response(SEARCH_PAGE, dict(page, problem=problem),
                                      request=request)
        response.status = status
    return response
