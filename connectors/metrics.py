"""Prometheus metrics of a Rasa server: messages, reply latency, failures, channel errors.

Counted where every message of every channel passes (connectors/rasa_channels.guard) and where
the messaging connectors send (platform_channel.PlatformOutput). Exposed by the `metrics`
channel of bot/credentials.yml at GET /webhooks/metrics/ (Prometheus text format), with
`Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set. Labels are channel names only:
no sender id, no text.
"""

from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Optional, Text

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

PREFIX = "tongdai1022_rasa"
REGISTRY = CollectorRegistry()
MESSAGES = Counter(f"{PREFIX}_messages", "Citizen messages handled, by channel", ["channel"], registry=REGISTRY)
REPLY_SECONDS = Histogram(f"{PREFIX}_reply_seconds", "Time from a message to the end of the bot's reply",
                          ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0),
                          registry=REGISTRY)
FAILURES = Counter(f"{PREFIX}_message_failures", "Messages the bot failed on (the citizen got the busy "
                   "apology)", ["channel"], registry=REGISTRY)
CHANNEL_ERRORS = Counter(f"{PREFIX}_channel_send_errors", "Messages a platform refused or did not take",
                         ["channel"], registry=REGISTRY)


def channel_label(name: Optional[str]) -> str:
    # Only known names become labels: a label per arbitrary value would grow without bound.
    known = {"rest", "socketio", "zalo", "facebook", "telegram"}
    return name if name in known else "other"


class MetricsInput(InputChannel):
    """Not a conversation channel: it only serves the metrics of this Rasa server."""

    @classmethod
    def name(cls) -> Text:
        return "metrics"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("metrics_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def metrics(request: Request) -> HTTPResponse:
            token = os.environ.get("METRICS_TOKEN")
            if token and not hmac.compare_digest((request.headers.get("authorization") or "").encode(),
                                                 f"Bearer {token}".encode()):
                return response.json({"error": "Metrics need Authorization: Bearer <METRICS_TOKEN>."}, status=401)
            return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

        return bp
