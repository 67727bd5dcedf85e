"""Ticket statuses, their Vietnamese labels, the allowed transitions, and "overdue".

Overdue is not a status: it is derived from the due date and the current time, and only for
tickets still waiting for an answer (received, assigned, in progress).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class TicketStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


STATUS_LABELS: dict[TicketStatus, str] = {
    TicketStatus.RECEIVED: "Đã tiếp nhận",
    TicketStatus.ASSIGNED: "Đã chuyển cơ quan xử lý",
    TicketStatus.IN_PROGRESS: "Đang xử lý",
    TicketStatus.ANSWERED: "Đã trả lời",
    TicketStatus.CLOSED: "Đã đóng",
}
OVERDUE_LABEL = "Quá hạn"

# Forwarding to another agency is allowed while the ticket is open; an answered ticket can be
# reopened (the citizen was not satisfied) or closed; a closed ticket stays closed.
ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.RECEIVED: frozenset({TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS,
                                      TicketStatus.ANSWERED, TicketStatus.CLOSED}),
    TicketStatus.ASSIGNED: frozenset({TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS,
                                      TicketStatus.ANSWERED, TicketStatus.CLOSED}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.ASSIGNED, TicketStatus.ANSWERED, TicketStatus.CLOSED}),
    TicketStatus.ANSWERED: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}
OPEN_STATUSES = frozenset({TicketStatus.RECEIVED, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS})


class TransitionNotAllowed(ValueError):
    def __init__(self, current: TicketStatus, target: TicketStatus):
        super().__init__(f"cannot go from {current} to {target}")
        self.current, self.target = current, target


def can_transition(current: TicketStatus | str, target: TicketStatus | str) -> bool:
    return TicketStatus(target) in ALLOWED_TRANSITIONS[TicketStatus(current)]


def check_transition(current: TicketStatus | str, target: TicketStatus | str) -> TicketStatus:
    if not can_transition(current, target):
        raise TransitionNotAllowed(TicketStatus(current), TicketStatus(target))
    return TicketStatus(target)


def status_label(status: TicketStatus | str) -> str:
    return STATUS_LABELS[TicketStatus(status)]


def is_overdue(status: TicketStatus | str, due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and TicketStatus(status) in OPEN_STATUSES and now > due_at


def display_label(status: TicketStatus | str, due_at: datetime | None, now: datetime) -> str:
    """What a citizen or operator reads: the status, or "Quá hạn" for an open ticket past due."""
    return OVERDUE_LABEL if is_overdue(status, due_at, now) else status_label(status)
