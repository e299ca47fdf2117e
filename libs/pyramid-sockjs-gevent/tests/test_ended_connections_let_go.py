"""A connection that ended is not kept in memory by the endpoint's timers (issue 25).

The ticker schedules each receiver's next heartbeat (25 s ahead by
default). A receiver whose connection ended used to stay in the ticker's heap,
with its session, socket and protocol objects, until the heartbeats due
before its own had come: a server taking 160 connections a second held some
4,000 dead ones at any time (bench.soak cycles --probe).
Real receivers and registry over socket pairs; no server process.
"""

import gc
import weakref

from gevent import socket as gsocket
from pyramid_sockjs_gevent import Options
from pyramid_sockjs_gevent.core import wsframing
from pyramid_sockjs_gevent.core.registry import SessionRegistry
from pyramid_sockjs_gevent.runtime.ticker import ticker
from pyramid_sockjs_gevent.runtime.transports.websocket import WebSocketReceiver, _decode_framed
from pyramid_sockjs_gevent.runtime.transports.wsconn import Conn
from pyramid_sockjs_gevent.testserver import _sessions
from sockjs_loopback import wait_for
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection

Echo, _ = _sessions()


def open_websocket(registry: SessionRegistry, name: str):
    """A served WebSocket session of ``registry``; returns weak references to its
    session and receiver, and the client's end (a socket and its wsproto)."""
    session = registry.create_private(name, {})
    server_end, client_end = gsocket.socketpair()
    receiver = WebSocketReceiver(session, Conn(server_end), wsframing.Rfc6455(65536),
                                 _decode_framed)
    receiver.serve()
    client = Connection(ConnectionType.CLIENT)
    client.receive_data(client_end.recv(65536))  # the open frame
    return weakref.ref(session), weakref.ref(receiver), client_end, client


def test_a_closed_websocket_is_let_go_at_once_not_at_its_next_heartbeat():
    registry = SessionRegistry(Echo, Options(heartbeat_delay=25, disconnect_delay=5))
    clock = ticker(registry)
    staying = open_websocket(registry, "staying")  # its heartbeat is due first
    ended = [open_websocket(registry, f"s{n}") for n in range(20)]
    assert len(registry) == 21  # each waits for its heartbeat, in the ticker
    for _, _, client_end, client in ended:
        client_end.sendall(client.send(CloseConnection(code=1000)))
        client_end.close()
    assert wait_for(lambda: len(registry) == 1)
    gc.collect()
    held = [ref for session, receiver, _, _ in ended for ref in (session, receiver)
            if ref() is not None]
    assert held == [], f"{len(held)} objects of ended connections are still held"
    assert len(clock) == 1  # the live one's heartbeat is still due
    assert staying[0]() is not None and staying[0]().attached
