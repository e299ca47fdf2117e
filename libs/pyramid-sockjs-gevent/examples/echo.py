"""Echo over SockJS, every transport: ``python examples/echo.py [PORT]`` (0: a free one)."""

import sys

from gevent import monkey

monkey.patch_all()  # before anything opens a socket

from pyramid.config import Configurator  # noqa: E402
from pyramid_sockjs_gevent import Session  # noqa: E402
from pyramid_sockjs_gevent.runtime.gevent_server import serve  # noqa: E402

CLIENT = "https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js"


class Echo(Session):
    def on_message(self, text: str) -> None:
        self.send(text)


def app():
    with Configurator() as config:
        config.include("pyramid_sockjs_gevent")
        config.add_sockjs_route("/echo", Echo, sockjs_url=CLIENT)
        return config.make_wsgi_app()


if __name__ == "__main__":
    sys.exit(serve(app(), "127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
