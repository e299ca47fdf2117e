"""Prometheus metrics at ``/metrics`` (prometheus_client's text format), for
the addresses in ``metrics_addresses`` only (loopback by default; the client's
address as the limits count it, chat/core/address.py): others get 403.

One registry per app (tests build many apps in one process). What is counted
where it happens:

- ``piratechat_lines_total``: lines stored and published (rate() is lines/s)
- ``piratechat_translator_fallbacks_total{translator}``: lines the pirate
  answered because the room's translator could not
- ``piratechat_fanout_seconds``: from a line being queued for this process's
  members to the end of the fan-out that sent it (chat/runtime/hub.py)
- ``piratechat_commit_seconds``: one group commit, begin to durable (storage/writer.py)

and what is read when scraped, from the writer (storage/writer.py), so that
conflicts per 1,000 lines is ``conflicts_total / lines_total * 1000``:

- ``piratechat_commits_total``: transactions of lines committed
- ``piratechat_commit_conflicts_total``: line batches run again after a ConflictError
  (another process wrote the same room's last chunk)
- ``piratechat_commit_splits_total``: batches split in two after conflicting again and again
- ``piratechat_index_commits_total`` and ``piratechat_index_conflicts_total``: the
  rooms' activity index, written apart from the lines once a second

and what is read when scraped, from the SockJS sessions:

- ``piratechat_connections{transport}``: open sessions by transport
  (``raw_websocket``, ``websocket``, ``http``: the HTTP transports)
- ``piratechat_queue_bytes``: characters queued for clients, not yet sent

and, for the whole process, the garbage collector's full passes (heap.py):

- ``piratechat_gc_frozen_objects``: objects of the start-up heap that full
  passes skip (0: the server did not freeze it)
- ``piratechat_gc_full_passes_total`` and ``piratechat_gc_full_pass_seconds_total``:
  full passes since then and the seconds the process stood still for them;
  ``piratechat_gc_full_pass_max_seconds``: the longest
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pyramid.response import Response

from . import heap
from .chat.core.address import networks, within
from .interfaces import IChat, IMetrics, ISockJSEndpoint, IWriter, provide

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class SessionCollector:
    """Connections and queued characters, counted at scrape time."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        connections = GaugeMetricFamily("piratechat_connections",
                                        "Open SockJS sessions by transport", labels=["transport"])
        counts = {"raw_websocket": 0, "websocket": 0, "http": 0}
        queued = 0
        for _, endpoint in self.registry.getUtilitiesFor(ISockJSEndpoint):
            for key, session in list(endpoint.sessions.sessions.items()):
                if getattr(session, "raw", False):
                    counts["raw_websocket"] += 1
                elif "#ws" in key:
                    counts["websocket"] += 1
                else:
                    counts["http"] += 1
                queued += getattr(session, "_queued", 0)
        for transport, count in counts.items():
            connections.add_metric([transport], count)
        yield connections
        yield GaugeMetricFamily("piratechat_queue_bytes",
                                "Characters queued for clients, not yet sent", value=queued)


class WriterCollector:
    """The writer's own counts of commits and conflicts, read at scrape time."""

    COUNTS = {
        "commits": ("piratechat_commits", "Transactions of lines committed"),
        "conflicts": ("piratechat_commit_conflicts", "Line batches run again after a conflict"),
        "splits": ("piratechat_commit_splits", "Batches split in two after repeated conflicts"),
        "later_commits": ("piratechat_index_commits",
                          "Transactions of the rooms' activity index committed"),
        "later_conflicts": ("piratechat_index_conflicts",
                            "Activity index transactions run again after a conflict"),
    }

    def __init__(self, writer):
        self.writer = writer

    def collect(self):
        for attribute, (name, documentation) in self.COUNTS.items():
            yield CounterMetricFamily(name, documentation, value=getattr(self.writer, attribute))


class HeapCollector:
    """The collector's full passes (heap.py), read at scrape time."""

    def collect(self):
        count, seconds, slowest = heap.full_passes
        yield GaugeMetricFamily("piratechat_gc_frozen_objects",
                                "Start-up objects full collections skip", value=heap.frozen())
        yield CounterMetricFamily("piratechat_gc_full_passes", "Full collections", value=count)
        yield CounterMetricFamily("piratechat_gc_full_pass_seconds",
                                  "Seconds spent in full collections", value=seconds)
        yield GaugeMetricFamily("piratechat_gc_full_pass_max_seconds",
                                "The longest full collection", value=slowest)


def includeme(config) -> None:
    """Count what the chat does, and serve ``/metrics``. Needs the chat built."""
    registry = CollectorRegistry()
    lines = Counter("piratechat_lines", "Lines stored and published", registry=registry)
    fallbacks = Counter("piratechat_translator_fallbacks",
                        "Lines the pirate translated because the room's translator failed",
                        ["translator"], registry=registry)
    fanout = Histogram("piratechat_fanout_seconds", "Line queued to fan-out done",
                       buckets=BUCKETS, registry=registry)
    commit = Histogram("piratechat_commit_seconds", "One group commit",
                       buckets=BUCKETS, registry=registry)
    registry.register(SessionCollector(config.registry))
    registry.register(HeapCollector())

    def counted(line: dict) -> None:
        lines.inc()
        if "fallback" in line:
            fallbacks.labels(translator=line["fallback"]).inc()

    chat = config.registry.getUtility(IChat)
    chat.history.subscribe(counted)
    chat.hub.on_fanout = fanout.observe
    writer = config.registry.queryUtility(IWriter)
    if writer is not None:
        writer.on_commit_time = commit.observe
        registry.register(WriterCollector(writer))
    provide(config.registry, registry, IMetrics)

    allowed = networks(chat.settings.metrics_addresses, "metrics_addresses")

    def metrics(request):
        """Only for the addresses in ``metrics_addresses``: a scrape costs work
        (every session is counted), so it is no page for anyone to hammer."""
        if not within(chat.limits.address(request.environ), allowed):
            return Response("/metrics answers only the addresses in the metrics_addresses "
                            "setting, and yours is not one of them.\n", status=403,
                            content_type="text/plain", charset="UTF-8")
        response = Response(body=generate_latest(registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    config.add_route("metrics", "/metrics")
    config.add_view(metrics, route_name="metrics")
