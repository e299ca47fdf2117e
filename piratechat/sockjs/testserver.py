"""``python -m piratechat.sockjs.testserver``: the library's protocol test
server (``python -m pyramid_sockjs_gevent.testserver``), same options; other
tools start it by this name."""

from __future__ import annotations

import sys

from pyramid_sockjs_gevent.testserver import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m piratechat.sockjs.testserver"))
