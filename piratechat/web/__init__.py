"""The pages people chat on, their static files, and the traversal that finds rooms.

Everything that is not a static file or the SockJS endpoint is found by
traversal over the persistent rooms: ``/`` is the Root (the front page, with
the lobby), ``/rooms/<slug>/`` a Room, ``/rooms/<slug>/history`` its lines as
JSON, ``/rooms/<slug>/lines/<seq>`` one line (web/lines.py), ``/search`` and
``/rooms/<slug>/search`` the search (web/search.py). The ``site`` route matches
every path, so it is added last, after the SockJS routes (included before this
package) and the static view.
"""

from __future__ import annotations

import transaction
from pyramid.response import Response

from ..interfaces import IDatabase
from ..rooms.slugs import BadRoomName
from ..storage.database import app_root


def root_factory(request):
    """The Root, from a database connection opened for this request alone.

    The connection only reads: changes go through the writer. It goes back to
    the pool when the request is finished.

    Pyramid would quietly resolve "." and ".." segments; a path with them is
    a trick, not an address, and gets the 400 page instead.
    """
    if any(segment in (".", "..") for segment in request.path_info.split("/")):
        raise BadRoomName("A room's address is not a path: no '.' or '..' in it.")
    manager = transaction.TransactionManager()
    connection = request.registry.getUtility(IDatabase).open(transaction_manager=manager)

    def close(request):
        manager.abort()
        connection.close()

    request.add_finished_callback(close)
    return app_root(connection)


def storage_unavailable(error, request):
    """A page or history asked while the storage server is unreachable: 503, try again."""
    return Response("The chat's storage cannot be reached now; try again in a moment.\n",
                    status=503, content_type="text/plain", headers={"Retry-After": "5"})


def includeme(config):
    from ..storage.outage import DRIVER_ERRORS, OUTAGES

    for outage in OUTAGES + DRIVER_ERRORS:
        config.add_exception_view(storage_unavailable, context=outage)
    config.add_tween("piratechat.web.security.tween_factory")
    config.add_static_view("static", "piratechat.web:static", cache_max_age=3600)
    config.add_route("favicon", "/favicon.ico")
    config.add_route("activity", "/activity", factory=root_factory)
    config.add_route("site", "/*traverse", factory=root_factory)
    config.scan(".views")
    config.scan(".lines")
    config.scan(".search")
    config.scan(".activity")
    config.scan(".topics")
