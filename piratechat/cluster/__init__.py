"""A local cluster: Redis, a ZEO storage server, N PirateChat processes and
nginx in front, each a child process on a loopback port.

``piratechat cluster`` (``make cluster``) runs one in the foreground; the
tests and the benchmark start the same pieces (processes.py, nginx.py).
"""
