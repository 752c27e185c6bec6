"""Prometheus metrics and JSON access logs of the web app.

Counters and histograms live in prometheus_client's multiprocess mode when
``PROMETHEUS_MULTIPROC_DIR`` is set (ops.gunicorn_conf sets it, so every
worker's requests are counted and any worker can answer ``/metrics``);
otherwise in the process's own registry. What describes the index
(version, documents, paragraphs, build age and duration) is read from the
serving build when ``/metrics`` is asked, not kept in counters, and so is
what the last rebuild and publish did (``outcomes``).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from ..storage import outcomes

REQUESTS = Counter("searchsvc_requests", "HTTP requests answered", ["endpoint", "status"])
LATENCY = Histogram("searchsvc_request_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
ZERO_RESULTS = Counter("searchsvc_zero_result_queries", "Searches that found nothing")
RESULT_CACHE = Counter("searchsvc_result_cache", "Searches by whether the result cache had them",
                       ["outcome"])
ACCESS = logging.getLogger("searchsvc.access")


class IndexCollector:
    """The serving build's figures and the index folder's last rebuild,
    publish and received publish (``outcomes``), read at scrape time."""

    def __init__(self, snapshot, index_dir):
        self.snapshot = snapshot  # a callable: the current Snapshot, or None
        self.index_dir = index_dir

    def collect(self):
        yield from self._outcomes()
        snap = self.snapshot()
        if snap is None:
            return
        info = GaugeMetricFamily("searchsvc_index_info", "The build being served",
                                 labels=["version"])
        info.add_metric([snap.version], 1)
        yield info
        yield GaugeMetricFamily("searchsvc_index_documents", "Documents in the build",
                                value=snap.meta.documents)
        yield GaugeMetricFamily("searchsvc_index_paragraphs", "Paragraphs in the build",
                                value=snap.meta.paragraphs)
        built = datetime.fromisoformat(snap.meta.built_at)
        yield GaugeMetricFamily("searchsvc_index_age_seconds", "Seconds since the build was made",
                                value=(datetime.now(UTC) - built).total_seconds())
        yield GaugeMetricFamily("searchsvc_index_build_seconds", "How long the build took",
                                value=snap.meta.build_seconds)

    def _outcomes(self):
        done = outcomes.last(self.index_dir)
        rebuild = done.get("rebuild")
        if rebuild:
            yield from _last_run("rebuild", "The last rebuild of this index folder", rebuild)
        publish = done.get("publish")
        if publish:
            yield from _last_run("publish", "The last publish from this index folder", publish,
                                 [([d["destination"]], d) for d in publish.get("destinations", [])])
        received = done.get("received")
        if received:
            yield from _last_run("publish_received", "The last build published to this folder",
                                 dict(received, ok=True))


def _last_run(name: str, what: str, run: dict, per_destination=None):
    """``searchsvc_<name>_last_{success,seconds,timestamp_seconds}``, by
    destination when there are several."""
    labels = ["destination"] if per_destination else []
    rows = per_destination or [([], run)]
    success = GaugeMetricFamily(f"searchsvc_{name}_last_success",
                                f"{what}: 1 if it succeeded, 0 if it failed", labels=labels)
    seconds = GaugeMetricFamily(f"searchsvc_{name}_last_seconds", f"{what}: how long it took",
                                labels=labels)
    for label_values, row in rows:
        success.add_metric(label_values, 1 if row.get("ok") else 0)
        seconds.add_metric(label_values, float(row.get("seconds", 0)))
    yield success
    yield seconds
    yield GaugeMetricFamily(f"searchsvc_{name}_last_timestamp_seconds",
                            f"{what}: when it ended (Unix time)",
                            value=float(run.get("finished", 0)))


def exposition(snapshot, index_dir) -> tuple[bytes, str]:
    """The metrics page: every worker's counters (multiprocess mode) or
    this process's, and the index folder's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        registry.register(IndexCollector(snapshot, index_dir))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    registry.register(IndexCollector(snapshot, index_dir))
    return generate_latest(REGISTRY) + generate_latest(registry), CONTENT_TYPE_LATEST


def observe(endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def search_done(total: int, cached: bool) -> None:
    RESULT_CACHE.labels("hit" if cached else "miss").inc()
    if total == 0:
        ZERO_RESULTS.inc()


def access_line(record: dict) -> None:
    """One JSON line per request on the ``searchsvc.access`` logger."""
    ACCESS.info(json.dumps(dict(record, time=time.strftime("%Y-%m-%dT%H:%M:%S%z")),
                           ensure_ascii=False))


def allowed(setting: str, client: str | None) -> bool:
    """Whether ``client`` (an address) may read /metrics under the METRICS
    setting: local (loopback clients), open (anyone) or off (nobody)."""
    if setting == "open":
        return True
    if setting != "local" or not client:
        return False
    try:
        return ipaddress.ip_address(client.split("%")[0]).is_loopback
    except ValueError:
        return False
