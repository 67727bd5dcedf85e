"""Tickets (phiếu tiếp nhận), their history and their messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.app.db import Base, UTCDateTime, utc_now
from backend.app.models.agencies import Agency
from backend.app.services.statuses import TicketStatus

CHANNELS = ("web", "zalo", "messenger", "telegram", "phone", "email", "counter")
MESSAGE_KINDS = ("reply", "note")  # a public reply to the citizen | an internal note


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

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan")
    messages: Mapped[list["TicketMessage"]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan")


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
    """A public reply to the citizen, or an internal note only staff see."""

    __tablename__ = "ticket_messages"
    __table_args__ = (CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
