"""Prometheus metrics and JSON access logs of the web app.

Counters and histograms live in prometheus_client's multiprocess mode when
``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn.conf.py sets it, so every
worker's requests are counted and any worker can answer ``/metrics``);
otherwise in the process's own registry. What describes the index
(version, documents, paragraphs, build age and duration) is read from the
serving build when ``/metrics`` is asked, not kept in counters.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("searchsvc_requests", "HTTP requests answered", ["endpoint", "status"])
LATENCY = Histogram("searchsvc_request_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
ZERO_RESULTS = Counter("searchsvc_zero_result_queries", "Searches that found nothing")
RESULT_CACHE = Counter("searchsvc_result_cache", "Searches by whether the result cache had them",
                       ["outcome"])
ACCESS = logging.getLogger("searchsvc.access")


class IndexCollector:
    """The serving build's figures, read at scrape time."""

    def __init__(self, snapshot):
        self.snapshot = snapshot  # a callable: the current Snapshot, or None

    def collect(self):
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
                                value=(datetime.now(timezone.utc) - built).total_seconds())
        yield GaugeMetricFamily("searchsvc_index_build_seconds", "How long the build took",
                                value=snap.meta.build_seconds)


def exposition(snapshot) -> tuple[bytes, str]:
    """The metrics page: every worker's counters (multiprocess mode) or
    this process's, and the index's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        registry.register(IndexCollector(snapshot))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    registry.register(IndexCollector(snapshot))
    return generate_latest(REGISTRY) + generate_latest(registry), CONTENT_TYPE_LATEST


def observe(endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def search_done(result) -> None:
    RESULT_CACHE.labels("hit" if result.cached else "miss").inc()
    if result.total == 0:
        ZERO_RESULTS.inc()


def access_line(record: dict) -> None:
    """One JSON line per request on the ``searchsvc.access`` logger."""
    ACCESS.info(json.dumps(dict(record, time=time.strftime("%Y-%m-%dT%H:%M:%S%z")),
                           ensure_ascii=False))
