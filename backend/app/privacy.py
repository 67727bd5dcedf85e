"""Personal data stays out of the logs.

The public look-up carries the last four phone digits in its query string
(`?phone_last4=5678`); uvicorn's access log would print them. A filter on the "uvicorn.access"
logger masks them. The app's own log lines name tickets by code only.
"""

from __future__ import annotations

import logging
import re

_SENSITIVE_QUERY = re.compile(r"((?:phone_last4|phone|citizen_phone)=)[^&\s\"]*", re.IGNORECASE)


def redact(text: str) -> str:
    return _SENSITIVE_QUERY.sub(r"\1***", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_log_redaction(logger_names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")) -> None:
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPersonalData) for f in logger.filters):
            logger.addFilter(RedactPersonalData())
