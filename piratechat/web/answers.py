"""Whether a request wants JSON or a page, the same way for every URL that has both."""

from __future__ import annotations

_OFFERS = ("text/html", "application/json")


def wants_json(request) -> bool:
    """``?format=json``, or an Accept header that puts JSON before HTML (a browser's
    puts HTML first; ``*/*`` gets the page)."""
    asked = request.GET.get("format")
    if asked is not None:
        return asked == "json"
    offers = request.accept.acceptable_offers(_OFFERS)
    return bool(offers) and offers[0][0] == "application/json"
