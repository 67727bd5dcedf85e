"""Creating and reading tickets (the database side of the ticket rules).

Idempotency: a ticket created with an idempotency key is the only ticket with that key. A replay
returns the first ticket unchanged, even when the body differs. Under a race both requests pass the
first look-up; the database's unique constraint rejects the second insert, which then returns the
row the first one committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.app.db import utc_now
from backend.app.models import Agency, Delivery, Ticket, TicketEvent, TicketMessage
from backend.app.models.tickets import KIND_LABELS, TicketKind
from backend.app.schemas.tickets import Reply, TicketCreate, TicketStatusView, TicketView
from backend.app.services import deliveries
from backend.app.services.phones import normalize_vietnamese_phone
from backend.app.services.statuses import (OPEN_STATUSES, TicketStatus, TransitionNotAllowed, check_transition,
                                           display_label, is_overdue, status_label)
from backend.app.services.ticket_codes import new_ticket_code, normalize_ticket_code
from backend.app.services.working_days import WorkingCalendar

log = logging.getLogger("backend.tickets")
CODE_ATTEMPTS = 8


class TicketCodeExhausted(RuntimeError):
    pass


def find_by_idempotency_key(session: Session, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).one_or_none()


def find_by_code(session: Session, code: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.code == code)).one_or_none()


def create_ticket(session: Session, data: TicketCreate, *, calendar: WorkingCalendar,
                  due_working_days: Mapping[str, int], actor: str = "bot",
                  now: datetime | None = None, from_bot: bool | None = None,
                  code_factory: Callable[[str, datetime], str] = new_ticket_code) -> tuple[Ticket, bool]:
    """Store a new ticket and its "created" event. Returns (ticket, created); created is False when
    the idempotency key was already used (the first ticket is returned).

    A ticket the bot creates (`from_bot`, default: actor "bot") comes from the citizen's
    conversation: the citizen's last message is now, and `handoff` lets an operator own the
    conversation. Staff cannot set `handoff`."""
    from_bot = actor == "bot" if from_bot is None else from_bot
    key = data.idempotency_key
    if key:
        existing = find_by_idempotency_key(session, key)
        if existing is not None:
            return existing, False
    now = now or utc_now()
    due_at = calendar.due_at(now, due_working_days[data.kind])
    for _ in range(CODE_ATTEMPTS):
        ticket = Ticket(
            code=code_factory(data.kind, now), channel=data.channel, kind=data.kind, field=data.field,
            procedure_code=data.procedure_code, summary=data.summary, description=data.description,
            location=data.location, citizen_name=data.citizen_name, citizen_phone=data.citizen_phone or "",
            channel_user_id=data.channel_user_id, rasa_channel=data.rasa_channel,
            handoff_active=bool(data.handoff and from_bot), last_citizen_message_at=now if from_bot else None,
            transcript=[line.model_dump(mode="json") for line in data.transcript],
            status=TicketStatus.RECEIVED.value, due_at=due_at, created_at=now, updated_at=now,
            idempotency_key=key)
        ticket.events.append(TicketEvent(actor=actor, at=now, action="created", field="status",
                                         new_value=TicketStatus.RECEIVED.value))
        session.add(ticket)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            if key:
                existing = find_by_idempotency_key(session, key)
                if existing is not None:
                    log.info("ticket replayed code=%s (idempotency key raced)", existing.code)
                    return existing, False
            continue  # the code was taken: draw another
        # Codes and categories only: names, phones and texts never go to the logs.
        log.info("ticket created code=%s channel=%s kind=%s handoff=%s", ticket.code, ticket.channel, ticket.kind,
                 ticket.handoff_active)
        return ticket, True
    raise TicketCodeExhausted(f"no free ticket code after {CODE_ATTEMPTS} attempts")


def latest_public_replies(session: Session, ticket_ids: list[int]) -> dict[int, TicketMessage]:
    """The newest public reply of each ticket that has one, in one query."""
    if not ticket_ids:
        return {}
    latest: dict[int, TicketMessage] = {}
    rows = session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.kind == "reply")
        .order_by(TicketMessage.ticket_id, TicketMessage.created_at.desc(), TicketMessage.id.desc()))
    for message in rows:
        latest.setdefault(message.ticket_id, message)
    return latest


def latest_public_reply(session: Session, ticket: Ticket) -> TicketMessage | None:
    return latest_public_replies(session, [ticket.id]).get(ticket.id)


def _status_fields(ticket: Ticket, reply: TicketMessage | None, now: datetime) -> dict:
    return dict(
        code=ticket.code, status=ticket.status, status_label=status_label(ticket.status),
        overdue=is_overdue(ticket.status, ticket.due_at, now),
        display_label=display_label(ticket.status, ticket.due_at, now),
        kind=ticket.kind, kind_label=KIND_LABELS[TicketKind(ticket.kind)], field=ticket.field,
        agency=ticket.agency.name if ticket.agency else None,
        created_at=ticket.created_at, updated_at=ticket.updated_at, due_at=ticket.due_at,
        latest_reply=Reply(text=reply.text, at=reply.created_at) if reply else None)


def _staff_view(ticket: Ticket, reply: TicketMessage | None, now: datetime) -> TicketView:
    return TicketView(**_status_fields(ticket, reply, now), channel=ticket.channel, summary=ticket.summary,
                      procedure_code=ticket.procedure_code, assigned_to=ticket.assigned_to,
                      rasa_channel=ticket.rasa_channel, handoff_active=ticket.handoff_active)


def public_view(session: Session, ticket: Ticket, now: datetime | None = None) -> TicketStatusView:
    return TicketStatusView(**_status_fields(ticket, latest_public_reply(session, ticket), now or utc_now()))


def staff_view(session: Session, ticket: Ticket, now: datetime | None = None) -> TicketView:
    return _staff_view(ticket, latest_public_reply(session, ticket), now or utc_now())


def staff_views(session: Session, tickets: list[Ticket], now: datetime | None = None) -> list[TicketView]:
    """Views of a page of tickets with two queries in all (tickets, then their latest replies)."""
    now = now or utc_now()
    replies = latest_public_replies(session, [t.id for t in tickets])
    return [_staff_view(t, replies.get(t.id), now) for t in tickets]


# --- Changes by operators (and, until operator sessions exist, by bot-token callers) -----------

def _record(ticket: Ticket, actor: str, now: datetime, action: str, field: str | None = None,
            old: str | None = None, new: str | None = None) -> None:
    ticket.events.append(TicketEvent(actor=actor, at=now, action=action, field=field, old_value=old, new_value=new))
    ticket.updated_at = now


def _end_handoff(ticket: Ticket, actor: str, now: datetime) -> bool:
    if not ticket.handoff_active:
        return False
    _record(ticket, actor, now, "handback", "handoff_active", "true", "false")
    ticket.handoff_active = False
    return True


def _announce_status(session: Session, ticket: Ticket, status: TicketStatus, actor: str, now: datetime) -> None:
    """The citizen is told about the new status; closing also gives the conversation back to the bot
    (the closing message makes the bot ask for a rating)."""
    if status == TicketStatus.CLOSED:
        _end_handoff(ticket, actor, now)
        deliveries.queue_delivery(session, ticket, "closed", deliveries.closed_text(ticket), now)
    elif status in deliveries.NOTIFIED_STATUSES:
        deliveries.queue_delivery(session, ticket, "status", deliveries.status_text(
            ticket, status.value, ticket.agency.name if ticket.agency else None), now)


def change_status(session: Session, ticket: Ticket, target: str, *, actor: str,
                  now: datetime | None = None, notify: bool = True) -> Ticket:
    """Move a ticket to `target`; raises TransitionNotAllowed (nothing stored) when the rules forbid it.
    The citizen is told (a delivery) unless `notify` is False (a reply just told them); closing
    always tells them."""
    now = now or utc_now()
    new = check_transition(ticket.status, target)
    if new.value != ticket.status:
        _record(ticket, actor, now, "status", "status", ticket.status, new.value)
        ticket.status = new.value
        if notify or new == TicketStatus.CLOSED:
            _announce_status(session, ticket, new, actor, now)
        session.commit()
    return ticket


def assign_agency(session: Session, ticket: Ticket, agency: Agency, *, actor: str,
                  now: datetime | None = None) -> Ticket:
    """Forward the ticket to `agency` (status becomes "assigned")."""
    now = now or utc_now()
    new_status = check_transition(ticket.status, TicketStatus.ASSIGNED)
    old_agency = ticket.agency.code if ticket.agency else None
    changed = False
    if old_agency != agency.code:
        _record(ticket, actor, now, "agency", "agency", old_agency, agency.code)
        ticket.agency = agency
        changed = True
    if ticket.status != new_status.value:
        _record(ticket, actor, now, "status", "status", ticket.status, new_status.value)
        ticket.status = new_status.value
        changed = True
    if changed:
        _announce_status(session, ticket, new_status, actor, now)
    session.commit()
    return ticket


def add_message(session: Session, ticket: Ticket, kind: str, text: str, *, actor: str,
                now: datetime | None = None) -> TicketMessage:
    """A public reply to the citizen ("reply") or an internal note ("note")."""
    now = now or utc_now()
    if ticket.status == TicketStatus.CLOSED.value and kind == "reply":
        raise TransitionNotAllowed(TicketStatus.CLOSED, TicketStatus.ANSWERED)
    message = TicketMessage(kind=kind, author=actor, text=text, created_at=now)
    ticket.messages.append(message)
    _record(ticket, actor, now, kind)
    if kind == "reply":
        deliveries.queue_delivery(session, ticket, "reply", deliveries.reply_text(ticket, text), now)
    session.commit()
    return message


CITIZEN_AUTHOR = "citizen"


def find_citizen_message(session: Session, ticket: Ticket, channel_message_id: str) -> TicketMessage | None:
    return session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.channel_message_id == channel_message_id)).one_or_none()


def add_citizen_message(session: Session, ticket: Ticket, text: str, channel_message_id: str | None = None, *,
                        now: datetime | None = None) -> tuple[TicketMessage, bool]:
    """A message the citizen wrote on the channel (the bot forwards it while an operator owns the
    conversation). Returns (message, created): the same `channel_message_id` is stored once, a
    replay returns the first message (also under a race: the unique constraint decides)."""
    if channel_message_id:
        existing = find_citizen_message(session, ticket, channel_message_id)
        if existing is not None:
            return existing, False
    now = now or utc_now()
    message = TicketMessage(kind="citizen", author=CITIZEN_AUTHOR, text=text, created_at=now,
                            channel_message_id=channel_message_id or None)
    ticket.messages.append(message)
    ticket.last_citizen_message_at = now
    _record(ticket, CITIZEN_AUTHOR, now, "citizen_message")
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = find_citizen_message(session, ticket, channel_message_id) if channel_message_id else None
        if existing is None:
            raise
        return existing, False
    return message, True


def citizen_messages(session: Session, ticket: Ticket, after_id: int = 0) -> list[TicketMessage]:
    return list(session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind == "citizen", TicketMessage.id > after_id)
        .order_by(TicketMessage.id)))


class HandoffNotActive(ValueError):
    pass


def hand_back(session: Session, ticket: Ticket, *, actor: str, now: datetime | None = None) -> Ticket:
    """The operator gives the conversation back to the bot: the citizen is told (a delivery), and
    the bot stops forwarding their messages. HandoffNotActive when the bot already has it."""
    now = now or utc_now()
    if not _end_handoff(ticket, actor, now):
        raise HandoffNotActive(ticket.code)
    deliveries.queue_delivery(session, ticket, "handback", deliveries.handback_text(ticket), now)
    session.commit()
    return ticket


def set_assignee(session: Session, ticket: Ticket, username: str | None, *, actor: str,
                 now: datetime | None = None) -> Ticket:
    """A staff member takes the ticket (or, with None, gives it back)."""
    now = now or utc_now()
    if ticket.assigned_to != username:
        _record(ticket, actor, now, "assignee", "assigned_to", ticket.assigned_to, username)
        ticket.assigned_to = username
        session.commit()
    return ticket


class NotYetAnswered(ValueError):
    pass


def set_satisfaction(session: Session, ticket: Ticket, rating: int, *, actor: str,
                     now: datetime | None = None) -> Ticket:
    """The citizen rates the answer: only once the ticket is answered (or closed)."""
    now = now or utc_now()
    if ticket.status not in (TicketStatus.ANSWERED.value, TicketStatus.CLOSED.value):
        raise NotYetAnswered(ticket.code)
    old = None if ticket.satisfaction is None else str(ticket.satisfaction)
    _record(ticket, actor, now, "satisfaction", "satisfaction", old, str(rating))
    ticket.satisfaction = rating
    session.commit()
    return ticket


@dataclass(frozen=True)
class TicketFilters:
    status: str | None = None
    channel: str | None = None
    kind: str | None = None
    field: str | None = None
    agency_code: str | None = None
    channel_user_id: str | None = None
    overdue: bool | None = None
    query: str | None = None
    agency_id: int | None = None  # agency staff: only their agency's tickets
    handled_by: str | None = None  # tickets this user (actor name) has changed
    assigned_to: str | None = None  # tickets this user took
    undelivered: bool = False  # tickets with a message that could not reach the citizen


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_tickets(session: Session, filters: TicketFilters, *, limit: int = 20, offset: int = 0,
                 now: datetime | None = None) -> tuple[int, list[Ticket]]:
    """(total, page) of tickets matching `filters`, newest first. `query` matches the code, the
    summary, the description and the location, or the citizen's phone when it is a phone number."""
    now = now or utc_now()
    conditions = []
    if filters.status:
        conditions.append(Ticket.status == filters.status)
    if filters.channel:
        conditions.append(Ticket.channel == filters.channel)
    if filters.kind:
        conditions.append(Ticket.kind == filters.kind)
    if filters.field:
        conditions.append(Ticket.field == filters.field)
    if filters.channel_user_id:
        conditions.append(Ticket.channel_user_id == filters.channel_user_id)
    if filters.agency_code:
        conditions.append(Ticket.agency.has(Agency.code == filters.agency_code))
    if filters.agency_id is not None:
        conditions.append(Ticket.agency_id == filters.agency_id)
    if filters.assigned_to:
        conditions.append(Ticket.assigned_to == filters.assigned_to)
    if filters.undelivered:
        conditions.append(Ticket.deliveries.any(Delivery.status.in_(deliveries.NOT_DELIVERED)))
    if filters.handled_by:
        conditions.append(Ticket.events.any(TicketEvent.actor == filters.handled_by))
    open_values = [s.value for s in OPEN_STATUSES]
    if filters.overdue is True:
        conditions.append(and_(Ticket.status.in_(open_values), Ticket.due_at < now))
    elif filters.overdue is False:
        conditions.append(or_(Ticket.status.not_in(open_values), Ticket.due_at >= now))
    if filters.query:
        phone = normalize_vietnamese_phone(filters.query)
        code = normalize_ticket_code(filters.query)
        if phone:
            conditions.append(Ticket.citizen_phone == phone)
        elif code:
            conditions.append(Ticket.code == code)
        else:
            pattern = f"%{_escape_like(filters.query)}%"
            conditions.append(or_(*(column.ilike(pattern, escape="\\") for column in
                                    (Ticket.code, Ticket.summary, Ticket.description, Ticket.location))))
    total = session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    page = session.scalars(select(Ticket).where(*conditions)
                           .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)).all()
    return total, list(page)
