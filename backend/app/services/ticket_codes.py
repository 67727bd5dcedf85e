"""Ticket codes citizens can read out on the phone: "PA-2612-483105".

Shape: a two-letter prefix by kind (HD hỏi đáp, PA phản ánh/kiến nghị, YC yêu cầu), the year and
month of receipt (YYMM, Vietnam time), and six random digits. Only digits follow the prefix and the
prefixes avoid letters that read like digits (no O, I, L), so nothing is ambiguous over the phone.
Uniqueness is enforced by the database; the caller retries with a new code on a collision.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Callable

from backend.app.services.working_days import VIETNAM_TZ

KIND_PREFIXES = {"question": "HD", "complaint": "PA", "request": "YC"}
RANDOM_DIGITS = 6
CODE_PATTERN = re.compile(r"^(HD|PA|YC)-\d{4}-\d{6}$")
CODE_MAX_LENGTH = 14


def new_ticket_code(kind: str, received_at: datetime,
                    random_digits: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh code for a ticket of `kind` received at `received_at` (timezone-aware)."""
    prefix = KIND_PREFIXES[kind]
    month = received_at.astimezone(VIETNAM_TZ).strftime("%y%m")
    serial = random_digits(10 ** RANDOM_DIGITS)
    return f"{prefix}-{month}-{serial:0{RANDOM_DIGITS}d}"


def normalize_ticket_code(text: str) -> str | None:
    """The canonical code from what a citizen typed ("pa 2612 483105", "PA2612483105"), or None."""
    compact = re.sub(r"[\s\-._/]", "", text or "").upper()
    m = re.fullmatch(r"(HD|PA|YC)(\d{4})(\d{6})", compact)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None
