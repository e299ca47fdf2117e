"""A SockJS server for Pyramid on gevent; it knows nothing of any application.

Use it from any Pyramid app::

    config.include("pyramid_sockjs_gevent")
    config.add_sockjs_route("/echo", EchoSession)

``EchoSession`` subclasses ``pyramid_sockjs_gevent.Session``. Serve the app
with gevent: ``pyramid_sockjs_gevent.runtime.gevent_server.serve`` (or its
``server_factory`` for pserve) or gunicorn's gevent worker.

Three layers, one folder each, imported only downwards:

- ``core``: free of I/O. ``protocol`` (frames, bodies), ``framing`` (each
  transport's envelope), ``wsframing`` (WebSocket frames), ``outgoing`` (one
  message for many clients, encoded and framed once), ``session`` and
  ``registry`` (the session state machine: events and the time in, frames
  out, every rule of the protocol).
- ``runtime``: gevent. ``ticker`` and ``reaper`` drive the timers,
  ``transports`` move bytes, ``hijack`` and ``gevent_server`` hand sockets
  over, ``workers`` run jobs off the fan-out.
- ``pyramid``: the glue. ``endpoint`` (the views of one SockJS URL) and
  ``includeme``.

``interfaces`` declares the seams; ``testserver`` mounts the protocol test
suite's endpoints. The glue is imported on first use, so importing the core
(or ``interfaces``) imports no gevent.
"""

from .core.session import Options, Session

__all__ = ["Endpoint", "Options", "Session", "add_sockjs_route", "includeme"]


def __getattr__(name):
    if name in ("Endpoint", "add_sockjs_route", "includeme"):
        from . import pyramid

        return getattr(pyramid, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
