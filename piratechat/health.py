"""``/healthz`` and ``/readyz``, for load balancers and orchestrators.

``/healthz``: the process answers HTTP (200 ``ok``); nothing else is asked, so
a busy database never gets a live process restarted. ``/readyz``: the process
can chat: the database answers a read and the writer is not stopped, and the
broker says it is usable (``IBroker.healthy()``). 200 with what was checked,
or 503 with what failed, as JSON: send no traffic here until it is 200.
Both answer every address (a load balancer probes from its own), and each
costs about what a static answer does; ``/metrics``, which costs more, answers
``metrics_addresses`` only (metrics.py).
"""

from __future__ import annotations

import logging

from pyramid.response import Response

from .interfaces import IChat, IDatabase, IStopping
from .storage.database import reading

log = logging.getLogger(__name__)


def healthz(request):
    return Response("ok\n", content_type="text/plain", charset="utf-8",
                    cache_control="no-store")


def readyz(request):
    registry = request.registry
    checks = {"database": _check(_database_reads, registry),
              "broker": _check(lambda r: r.getUtility(IChat).broker.healthy(), registry)}
    ready = all(result == "ok" for result in checks.values())
    response = Response(json={"ready": ready, **checks}, status=200 if ready else 503)
    response.cache_control = "no-store"
    return response


def _database_reads(registry) -> bool:
    if registry.queryUtility(IStopping) is not None:
        return False  # shutting down (piratechat/shutdown.py)
    with reading(registry.getUtility(IDatabase)) as root:
        root.rooms.get("lobby")
    return True


def _check(probe, registry) -> str:
    try:
        return "ok" if probe(registry) else "unavailable"
    except Exception as error:
        log.warning("readiness check failed: %r", error)
        return f"unavailable: {type(error).__name__}"


def includeme(config) -> None:
    config.add_route("healthz", "/healthz")
    config.add_view(healthz, route_name="healthz")
    config.add_route("readyz", "/readyz")
    config.add_view(readyz, route_name="readyz")
