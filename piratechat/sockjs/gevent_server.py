"""The ``gevent`` server entry point as installs made before the move name it
(``piratechat.sockjs.gevent_server:server_factory``); re-running ``make setup``
points it at piratechat/gevent_server.py, after which this can go."""

from ..gevent_server import server_factory

__all__ = ["server_factory"]
