"""The library's seams: what an endpoint is, what a connection (receiver) is
to its session, and how both are registered with Pyramid."""

from __future__ import annotations

from zope.interface import Attribute, Interface, classImplements

__all__ = ["IReceiver", "ISockJSEndpoint", "provide"]


class ISockJSEndpoint(Interface):
    """One SockJS endpoint (pyramid/endpoint.py), a named utility: its name is
    its routes' prefix name (``sockjs_sockjs`` for ``/sockjs``)."""

    options = Attribute("Its session.Options.")
    sessions = Attribute("Its SessionRegistry: ``sessions.sessions`` maps keys to sessions.")


class IReceiver(Interface):
    """One connection carrying a SockJS session to its client: an HTTP
    response (polling, streaming: runtime/transports/http.py) or a WebSocket
    (transports/websocket.py).

    The session is free of I/O (core/session.py): this is all it knows of
    its connection. The time comes from the endpoint's ticker
    (runtime/ticker.py): one greenlet for every connection's timers, so an
    idle connection costs a heap entry, not a greenlet. Hence the rule of
    both calls: return at once, and never call the application. ``wake``
    runs inside a sender's fan-out loop and ``tick`` inside the ticker, and
    an ``on_close`` may wait on I/O (an application's may leave presence in a store):
    waiting there would stall every other member's lines or timers. What
    must wait is left to the connection's own greenlet.
    """

    kind = Attribute("How it carries frames: session.POLLING, STREAMING or WEBSOCKET "
                     "(the session's rules differ: one frame per poll, the response "
                     "limit, the close frame that ends a response).")
    session = Attribute("The session it carries.")
    tick_token = Attribute("The ticker's: its live heap entry (0: none); older ones are void.")
    tick_due = Attribute("The ticker's: when that entry is due.")

    def wake():
        """The session has something to send, or closed: write what
        ``session.frames_to_send()`` gives now if that cannot wait, else let
        the connection's greenlet write it."""

    def write_now(batch):
        """Write ``batch`` (an ``Outgoing``) whole and at once and return True,
        or write nothing and return False: the session then queues it and
        wakes the receiver. Called by ``session.send`` only when nothing is
        queued, from inside a fan-out: it never waits. An idle WebSocket takes
        it (one call per member, no queue); an HTTP response always declines,
        since its own greenlet writes the body."""

    def tick(now):
        """Run the session's timers due at ``now`` (``session.tick``: a
        heartbeat, a WebSocket ping, the cut of a connection stuck after the
        close or silent after a ping); return when to tick next (inf: never).

        A cut resets the socket here, at once; the session hears of it from
        the connection's own greenlet (``on_close``, if it was still open)."""


def provide(registry, component, provided, name: str = "") -> None:
    """Register ``component`` as the ``provided`` utility (named ``name``), and
    declare that its class implements it: the classes stay free of our
    interfaces. (On the class: asking an instance could wake a proxy such as
    storage/lazy.py's LazyDatabase, which would wait for its storage.)"""
    kind = type(component)
    if not provided.implementedBy(kind):
        classImplements(kind, provided)
    registry.registerUtility(component, provided, name=name)
