"""Deliveries for the bot: the dispatcher triggers the bot's action with a delivery id through
Rasa; the action reads here what to send (and may report whether the channel accepted it)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from backend.app.db import get_session, utc_now
from backend.app.errors import ApiError
from backend.app.models import Delivery
from backend.app.schemas.tickets import ApiErrorBody, DeliveryResult, DeliveryView, ValidationErrorBody
from backend.app.security import require_bot_token
from backend.app.services import delivery_dispatcher
from backend.app.services import tickets as ticket_service

router = APIRouter(prefix="/api/deliveries", tags=["deliveries"],
                   responses={401: {"model": ApiErrorBody}, 404: {"model": ApiErrorBody},
                              422: {"model": ValidationErrorBody}})


def _delivery_or_404(session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id) if 0 < delivery_id < 2**63 else None
    if delivery is None:
        raise ApiError(404, "delivery_not_found", "Không tìm thấy tin cần gửi với mã này.")
    return delivery


def delivery_view(session: Session, delivery: Delivery) -> DeliveryView:
    ticket = delivery.ticket
    return DeliveryView(id=delivery.id, kind=delivery.kind, text=delivery.text, status=delivery.status,
                        attempts=delivery.attempts, last_error=delivery.last_error,
                        messaging_type=delivery.messaging_type, message_tag=delivery.message_tag,
                        created_at=delivery.created_at, sent_at=delivery.sent_at,
                        fetched_at=delivery.fetched_at, ticket_code=ticket.code,
                        rasa_channel=ticket.rasa_channel, ticket=ticket_service.public_view(session, ticket))


@router.get("/{delivery_id}", response_model=DeliveryView)
def get_delivery(delivery_id: int, session: Session = Depends(get_session), _bot: str = Depends(require_bot_token)):
    """What to send to the citizen: `text` (Vietnamese), its `kind` (reply, status, closed: then ask
    for a 1-5 rating, handback: the bot resumes), the ticket's code and status, and for Messenger
    the messaging type and tag to use. Reading it is the receipt the dispatcher waits for: a
    trigger_intent answered 2xx without this read is retried."""
    delivery = _delivery_or_404(session, delivery_id)
    delivery.fetched_at = utc_now()
    session.commit()
    return delivery_view(session, delivery)


@router.post("/{delivery_id}/result", response_model=DeliveryView)
def delivery_result(delivery_id: int, body: DeliveryResult, session: Session = Depends(get_session),
                    _bot: str = Depends(require_bot_token)):
    """Optional: the bot's action reports whether the channel took the message. `delivered: false`
    marks the delivery failed with `error` (shown to operators), even though Rasa answered 2xx."""
    delivery = _delivery_or_404(session, delivery_id)
    delivery_dispatcher.record_result(session, delivery, body.delivered, body.error)
    return delivery_view(session, delivery)
