"""Deliveries: what the backend must get to the citizen on their chat channel (an operator's
public reply, a status change, the closing of the ticket, the hand-back to the bot).

They are created in the same transaction as the change they announce (services/tickets.py) and
sent later by the dispatcher (services/delivery_dispatcher.py) through Rasa. Tickets without a chat
conversation (phone, email, counter, or no Rasa channel / sender id) get none. A delivery the
channel's rules forbid (services/delivery_rules.py) is stored as "undeliverable" with the reason, so
operators see it: nothing is silently dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from backend.app.models import Delivery, Ticket
from backend.app.services.delivery_rules import decide
from backend.app.services.statuses import TicketStatus, status_label

log = logging.getLogger("backend.deliveries")

OFFLINE_CHANNELS = frozenset({"phone", "email", "counter"})
KIND_LABELS = {"reply": "Trả lời công dân", "status": "Cập nhật trạng thái", "closed": "Thông báo đóng phiếu",
               "handback": "Trả lại cho trợ lý ảo"}
STATUS_LABELS = {"pending": "Đang chờ gửi", "sent": "Đã gửi", "failed": "Gửi thất bại",
                 "undeliverable": "Không gửi được"}
NOT_DELIVERED = ("failed", "undeliverable")
# Status changes the citizen is told about ("received" is what the bot already said; "closed" is a
# delivery of its own).
NOTIFIED_STATUSES = frozenset({TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.ANSWERED})


def has_conversation(ticket: Ticket) -> bool:
    """Whether the ticket came from a chat conversation the backend can write back to."""
    return (ticket.channel not in OFFLINE_CHANNELS and bool(ticket.channel_user_id)
            and bool(ticket.rasa_channel))


def reply_text(ticket: Ticket, text: str) -> str:
    return f"Tổng đài 1022 trả lời phiếu {ticket.code} của Anh/Chị:\n{text}"


def status_text(ticket: Ticket, status: str, agency_name: str | None = None) -> str:
    label = status_label(status)
    if status == TicketStatus.ASSIGNED.value and agency_name:
        label = f"{label} ({agency_name})"
    return f"Phiếu {ticket.code} của Anh/Chị đã chuyển sang trạng thái: {label}."


def closed_text(ticket: Ticket) -> str:
    return f"Phiếu {ticket.code} của Anh/Chị đã được đóng. Cảm ơn Anh/Chị đã liên hệ Tổng đài 1022."


def handback_text(ticket: Ticket) -> str:
    # The bot adds that it is back (actions/handoff.py): this says only what the operator did.
    return f"Tổng đài viên đã hoàn tất hỗ trợ Anh/Chị về phiếu {ticket.code}."


def queue_delivery(session: Session, ticket: Ticket, kind: str, text: str, now: datetime) -> Delivery | None:
    """Add a delivery to the session (the caller commits with the change it announces): pending, or
    undeliverable with the reason when the channel's rules forbid it now. None without a chat
    conversation."""
    if not has_conversation(ticket):
        return None
    decision = decide(ticket.rasa_channel, kind, ticket.last_citizen_message_at, now)
    delivery = Delivery(kind=kind, text=text, attempts=0, created_at=now,
                        status="pending" if decision.allowed else "undeliverable",
                        next_attempt_at=now if decision.allowed else None,
                        last_error=None if decision.allowed else decision.reason,
                        messaging_type=decision.messaging_type, message_tag=decision.tag)
    ticket.deliveries.append(delivery)
    session.add(delivery)
    log.info("delivery queued ticket=%s kind=%s channel=%s status=%s", ticket.code, kind, ticket.rasa_channel,
             delivery.status)
    return delivery


def requeue(delivery: Delivery, now: datetime) -> str:
    """An operator sends an undeliverable or failed delivery again (the citizen wrote since, Rasa
    is fixed...). Returns "" when it is pending again, else why not (the channel's rule now)."""
    if delivery.status not in NOT_DELIVERED:
        return "Tin này không ở trạng thái cần gửi lại."
    ticket = delivery.ticket
    decision = decide(ticket.rasa_channel, delivery.kind, ticket.last_citizen_message_at, now)
    if not decision.allowed:
        delivery.status, delivery.last_error = "undeliverable", decision.reason
        return decision.reason
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    delivery.last_error, delivery.sent_at, delivery.fetched_at = None, None, None
    delivery.messaging_type, delivery.message_tag = decision.messaging_type, decision.tag
    log.info("delivery requeued id=%s ticket=%s kind=%s", delivery.id, ticket.code, delivery.kind)
    return ""
