"""The gevent runtime: timers, transports, sockets handed over, the server."""
