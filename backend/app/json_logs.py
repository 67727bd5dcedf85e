"""Structured logs: one JSON object a line, for a log collector (Loki, Elasticsearch, journald).

    {"time": "2026-12-03T08:00:00.123Z", "level": "WARNING", "logger": "backend.deliveries",
     "process": "backend", "message": "delivery attempt id=12 ticket=PA-2612-483105 ..."}

Used by every process when LOG_FORMAT=json (scripts/run.py passes bot/logging-json.yml to Rasa,
the action server and uvicorn). Standard library only, so the Rasa environment loads it too.
Phone digits in query strings are masked as in the plain logs (backend/app/privacy.py).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone

from backend.app.privacy import redact


class JsonFormatter(logging.Formatter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.process_name = os.environ.get("LOG_PROCESS_NAME", "")

    def format(self, record: logging.LogRecord) -> str:
        message = redact(record.getMessage())
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
                 .replace("+00:00", "Z"),
                 "level": record.levelname, "logger": record.name, "message": message}
        if self.process_name:
            entry["process"] = self.process_name
        if record.exc_info:
            # The exception's type only: a traceback's locals and messages can hold personal data.
            entry["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
        return json.dumps(entry, ensure_ascii=False)
