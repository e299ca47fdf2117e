"""The Pyramid glue: ``config.include("pyramid_sockjs_gevent")`` adds the
``add_sockjs_route`` directive (endpoint.py)."""

from .endpoint import Endpoint, add_sockjs_route

__all__ = ["Endpoint", "add_sockjs_route", "includeme"]


def includeme(config):
    from pyramid.exceptions import URLDecodeError

    config.add_directive("add_sockjs_route", add_sockjs_route)
    # A path that is not UTF-8 cannot match any route; Pyramid would answer it
    # with a traceback and a 500. It is the client's mistake: 400. (An app
    # including us may register its own view for it; the includer's wins.)
    config.add_exception_view(_bad_url, context=URLDecodeError)


def _bad_url(exc, request):
    from webob import Response

    return Response("Bad URL encoding.", status=400, content_type="text/plain", charset="UTF-8")
