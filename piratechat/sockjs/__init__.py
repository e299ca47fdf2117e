"""Where the SockJS server lived before it became its own distribution,
``pyramid-sockjs-gevent`` (libs/pyramid-sockjs-gevent, package
``pyramid_sockjs_gevent``). Kept for the names other tools use:
``python -m piratechat.sockjs.testserver``; import from the library."""
