"""A stand-in for the site the chat is part of, for the acceptance tests: a
browser signs in as a member (``/test/sign-in?name=...``, a cookie of this
origin) and the chat page's token request (``/test/chat-token``, the
``token_url`` setting) answers as Plone's ``@@chat-token`` does: the member's
name and a signed token (chat/tokens.py), or 403 for anyone else.

Included into the test server only (tests/acceptance/robot.ini's
``pyramid.includes``); never part of the chat.
"""

from __future__ import annotations

from pyramid.response import Response

from piratechat.chat.core.tokens import issue
from piratechat.interfaces import ISettings

COOKIE = "test_member"


def sign_in(request):
    name = request.GET.get("name", "")
    response = Response(f"signed in as {name}\n", content_type="text/plain")
    response.set_cookie(COOKIE, name, path="/", httponly=True, samesite="Strict")
    return response


def chat_token(request):
    name = request.cookies.get(COOKIE)
    if not name:
        return Response(json_body={"error": "Log in to chat under your name."}, status=403)
    secret = request.registry.getUtility(ISettings).token_secret
    response = Response(json_body={"name": name, "token": issue(secret, name)})
    response.cache_control = "no-store"
    return response


def includeme(config) -> None:
    config.add_route("test_sign_in", "/test/sign-in")
    config.add_view(sign_in, route_name="test_sign_in", request_method="GET")
    config.add_route("test_chat_token", "/test/chat-token")
    config.add_view(chat_token, route_name="test_chat_token", request_method="GET")
