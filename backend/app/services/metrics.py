"""Prometheus metrics of the backend (GET /metrics).

Two sources:
- request counters and a latency histogram, counted by a middleware per route template (never the
  concrete path: ticket codes and other ids stay out of the labels);
- the database, read at scrape time: tickets by status, channel and kind, overdue open tickets,
  tickets under an operator's hand-off (escalated conversations), and deliveries to citizens by
  status and channel ("failed" and "undeliverable" are channel errors). Every worker sees the same
  database, so these are right whichever worker Prometheus reaches.

With several uvicorn workers, request counters live in each process: set PROMETHEUS_MULTIPROC_DIR
to a writable folder (emptied before start) and the scrape sums them (prometheus_client's
multiprocess mode).
"""

from __future__ import annotations

import os
import time
from typing import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.app.db import utc_now
from backend.app.models import Delivery, Ticket
from backend.app.services.statuses import OPEN_STATUSES

PREFIX = "tongdai1022_backend"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseCollector(Collector):
    """Ticket and delivery gauges, counted in the database when Prometheus scrapes."""

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory

    def collect(self) -> Iterable[GaugeMetricFamily]:
        tickets = GaugeMetricFamily(f"{PREFIX}_tickets", "Tickets by status, channel and kind",
                                    labels=["status", "channel", "kind"])
        overdue = GaugeMetricFamily(f"{PREFIX}_tickets_overdue", "Open tickets past their due time")
        handoff = GaugeMetricFamily(f"{PREFIX}_tickets_in_handoff",
                                    "Conversations an operator currently holds (escalated, not handed back)")
        deliveries = GaugeMetricFamily(f"{PREFIX}_deliveries", "Messages to citizens by status and channel "
                                       "(failed and undeliverable are channel errors)", labels=["status", "channel"])
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "1 when the database answered this scrape")
        try:
            with self._session_factory() as session:
                for status, channel, kind, n in session.execute(
                        select(Ticket.status, Ticket.channel, Ticket.kind, func.count())
                        .group_by(Ticket.status, Ticket.channel, Ticket.kind)):
                    tickets.add_metric([status, channel, kind], n)
                overdue.add_metric([], session.scalar(
                    select(func.count()).select_from(Ticket)
                    .where(Ticket.status.in_([s.value for s in OPEN_STATUSES]), Ticket.due_at < utc_now())))
                handoff.add_metric([], session.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.handoff_active.is_(True))))
                for status, channel, n in session.execute(
                        select(Delivery.status, Ticket.channel, func.count()).join(Ticket)
                        .group_by(Delivery.status, Ticket.channel)):
                    deliveries.add_metric([status, channel], n)
            up.add_metric([], 1)
        except Exception:  # a scrape must not fail because the database is down: say so instead
            up.add_metric([], 0)
            yield up
            return
        yield from (tickets, overdue, handoff, deliveries, up)


class BackendMetrics:
    """The registry one app instance reports (an instance each, so test apps do not collide)."""

    def __init__(self):
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self.registry = CollectorRegistry()
        # In multiprocess mode the counters write to files; the scrape reads them all back.
        counter_registry = None if self.multiprocess_dir else self.registry
        self.requests = Counter(f"{PREFIX}_http_requests", "HTTP requests by route and status",
                                ["method", "route", "status"], registry=counter_registry)
        self.latency = Histogram(f"{PREFIX}_http_request_duration_seconds", "HTTP request latency by route",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=counter_registry)
        self.tickets_created = Counter(f"{PREFIX}_tickets_created", "Tickets created, by channel and kind",
                                       ["channel", "kind"], registry=counter_registry)
        self._database: DatabaseCollector | None = None

    def watch_database(self, session_factory: Callable[[], Session]) -> None:
        if self._database is None:
            self._database = DatabaseCollector(session_factory)
            self.registry.register(self._database)

    def exposition(self) -> bytes:
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        scrape = CollectorRegistry()
        multiprocess.MultiProcessCollector(scrape, path=self.multiprocess_dir)
        if self._database is not None:
            scrape.register(self._database)
        return generate_latest(scrape)


def route_label(scope: Scope) -> str:
    """The matched route's template ("/api/tickets/{code}"), or "unmatched" for a 404 path."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestMetrics:
    """ASGI middleware counting every HTTP request with its route template, status and duration."""

    def __init__(self, app: ASGIApp, metrics: BackendMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route, method = route_label(scope), scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
