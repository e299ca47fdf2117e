"""Whether the process is close to its open-files limit (RLIMIT_NOFILE).

The kernel gives every new descriptor the lowest free number, so a client
socket numbered N means descriptors 0..N-1 are all in use: comparing the
new connection's number with the limit costs nothing and needs no count of
what is open (reading /proc/self/fd would cost O(connections) a request).
"""

from __future__ import annotations

import resource

from .hijack import client_socket


def near_limit(environ: dict, headroom: int) -> bool:
    """Whether fewer than ``headroom`` descriptors are left (0: never)."""
    if headroom <= 0:
        return False
    sock = client_socket(environ)
    if sock is None:
        return False
    try:
        number = sock.fileno()
    except (OSError, ValueError):
        return False
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft != resource.RLIM_INFINITY and number >= soft - headroom
