"""Who a client is, for limits: its address.

The address is the connection's REMOTE_ADDR, unless that is a trusted proxy
(the ``trusted_proxies`` setting; none by default): then X-Forwarded-For is
read from the right, skipping trusted proxies, and the first hop that is not
one is the client. The leftmost hops are whatever the client wrote, so they
are never believed.
"""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxies(setting: str) -> tuple[Network, ...]:
    """The ``trusted_proxies`` setting as networks (see ``networks``)."""
    return networks(setting, "trusted_proxies")


def networks(setting: str, name: str) -> tuple[Network, ...]:
    """``"127.0.0.1 10.0.0.0/8"`` -> networks; a bad entry stops start-up,
    naming the setting ``name``."""
    found = []
    for entry in setting.replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            raise ValueError(f"{name}: {entry!r} is not an address or network") from None
    return tuple(found)


def within(address: str, networks: tuple[Network, ...]) -> bool:
    """Whether ``address`` (an IPv4-mapped IPv6 address as its IPv4 one) is in one
    of ``networks``; anything that is not an address (a Unix socket's "") is not."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)



def client_address(environ: dict, trusted: tuple[Network, ...]) -> str:
    """The client's address as limits count it (see the module docstring)."""
    address = environ.get("REMOTE_ADDR") or ""
    if not trusted or not within(address, trusted):
        return address
    hops = [hop.strip() for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not within(hop, trusted):
            return hop
        address = hop
    return address
