"""Tickets (phiếu tiếp nhận), their history and their messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.app.db import Base, UTCDateTime, utc_now
from backend.app.models.agencies import Agency
from backend.app.services.statuses import TicketStatus

CHANNELS = ("web", "zalo", "messenger", "telegram", "phone", "email", "counter")
# a public reply to the citizen | an internal note | a message the citizen wrote on the channel
# while an operator owned the conversation (hand-off)
MESSAGE_KINDS = ("reply", "note", "citizen")
# What the backend must get to the citizen through Rasa (see services/deliveries.py).
DELIVERY_KINDS = ("reply", "status", "closed", "handback")
DELIVERY_STATUSES = ("pending", "sent", "failed", "undeliverable")


class TicketKind(StrEnum):
    QUESTION = "question"  # hỏi đáp
    COMPLAINT = "complaint"  # phản ánh, kiến nghị (also reports: đèn đường hỏng, tiếng ồn...)
    REQUEST = "request"  # yêu cầu


KIND_LABELS = {TicketKind.QUESTION: "Hỏi đáp", TicketKind.COMPLAINT: "Phản ánh, kiến nghị",
               TicketKind.REQUEST: "Yêu cầu"}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("kind", [k.value for k in TicketKind]), name="kind"),
        CheckConstraint(_in("status", [s.value for s in TicketStatus]), name="status"),
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        Index("ix_tickets_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(255), default="", index=True)  # lĩnh vực
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    citizen_name: Mapped[str] = mapped_column(String(200), default="")
    citizen_phone: Mapped[str] = mapped_column(String(16), default="")  # normalized 0xxxxxxxxx
    # The citizen's id on the channel (Rasa sender id): lets the bot list "my tickets".
    channel_user_id: Mapped[str] = mapped_column(String(200), default="", index=True)
    # [{"sender": "user" | "bot" | "operator", "text": "...", "at": ISO 8601}]
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # User name of the staff member who took the ticket ("Nhận xử lý"), so that two people do not
    # answer the same citizen; a name like the history's actors (user names never change).
    assigned_to: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.RECEIVED.value)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    # The Rasa input channel of the conversation ("rest", "socketio", "zalo", "facebook",
    # "telegram"): deliveries go back through it. "" for tickets without a chat conversation.
    rasa_channel: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # An operator owns the conversation: the bot forwards the citizen's messages to the ticket.
    handoff_active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The citizen's last message on the channel (Messenger's and Zalo's send windows start there).
    last_citizen_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan")
    messages: Mapped[list["TicketMessage"]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan")
    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="ticket", order_by="Delivery.id", cascade="all, delete-orphan")


class TicketEvent(Base):
    """One change to a ticket: who, when, what (the field, its old and new value)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(100))  # "bot", or an operator's user name
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    action: Mapped[str] = mapped_column(String(32))  # created, status, agency, reply, note, ...
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketMessage(Base):
    """A public reply to the citizen, an internal note only staff see, or a message of the citizen."""

    __tablename__ = "ticket_messages"
    __table_args__ = (CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind"),
                      UniqueConstraint("ticket_id", "channel_message_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The channel's id of a citizen message (the bot sends it): the same message is stored once.
    channel_message_id: Mapped[str | None] = mapped_column(String(200))

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class Delivery(Base):
    """A message the backend must get to the citizen: sent by the dispatcher through Rasa's
    trigger_intent API (services/delivery_dispatcher.py). Never dropped: what the channel's rules
    forbid is "undeliverable", what Rasa refused or kept failing is "failed", with the reason."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_in("kind", DELIVERY_KINDS), name="kind"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # Vietnamese, what the bot sends
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it is not (yet) delivered, for operators: never a token, never personal data.
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Messenger: "RESPONSE", or "MESSAGE_TAG" with tag "HUMAN_AGENT" (see services/delivery_rules.py).
    messaging_type: Mapped[str | None] = mapped_column(String(32))
    message_tag: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the bot's action read it (GET /api/deliveries/{id}) during the current attempt: Rasa
    # answers 200 even when the action failed, so only a delivery read by the bot counts as sent.
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="deliveries")
