"""From the bot to a ticket: collect what the ticket needs, confirm, create it, hand over.

    report / "gặp tổng đài viên" / accepted offer
        -> escalation_events: what is already known is filled in, `ticket_form` asks the rest
        -> ticket_form (validate_ticket_form): description, place (reports only), phone, name
        -> action_confirm_ticket: the summary, "Có" / "Không"
        -> create_ticket_events (on "Có"): POST /api/tickets with an idempotency key; the code and
           due date go to the citizen and the operator owns the conversation (`handoff_active`).
           Backend down: the ticket waits in the durable outbox, the citizen is told it is
           recorded, and the code follows (action_ticket_created) once it exists.
"""

from __future__ import annotations

import logging
from typing import Any, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import ticket_rules as rules
from actions.backend_api import BackendClient, BackendRejected, BackendUnavailable
from actions.outbox import TICKET, Outbox, start_flusher
from actions.rasa_push import notify_ticket_created

logger = logging.getLogger(__name__)

FORM = "ticket_form"
FORM_SLOTS = ("ticket_description", "ticket_location", "citizen_phone", "citizen_name")

INTRO = {
    rules.COMPLAINT: "Cảm ơn Anh/Chị đã phản ánh. Em sẽ ghi nhận phiếu phản ánh để tổng đài viên tiếp nhận "
                     "và chuyển tới cơ quan có trách nhiệm xử lý.",
    rules.QUESTION: "Dạ, em sẽ chuyển câu hỏi của Anh/Chị tới tổng đài viên.",
    rules.REQUEST: "Dạ, em sẽ chuyển Anh/Chị tới tổng đài viên.",
}
ASK_CONFIRM = "Anh/Chị kiểm tra giúp em thông tin phiếu:"
CONFIRM_BUTTONS = [{"title": "Gửi phiếu", "payload": "/affirm"}, {"title": "Hủy", "payload": "/deny"}]
CANCELLED = "Em đã hủy yêu cầu tạo phiếu. Anh/Chị cần hỗ trợ gì thêm cứ nhắn cho em ạ."
KIND_LABELS = {rules.COMPLAINT: "Phản ánh, kiến nghị", rules.QUESTION: "Câu hỏi", rules.REQUEST: "Yêu cầu hỗ trợ"}

_client = BackendClient()
_outbox: Outbox | None = None


def outbox() -> Outbox:
    global _outbox
    if _outbox is None:
        _outbox = Outbox()
        start_flusher(_outbox, _client, notify_ticket_created)
    return _outbox


def escalation_events(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str) -> list[dict[str, Any]]:
    """Start the ticket form for `kind`, with what the conversation already says filled in."""
    dispatcher.utter_message(text=INTRO[kind])
    # A report describes itself; an accepted offer follows the question the bot could not answer;
    # "gặp tổng đài viên" says nothing yet, so the form asks.
    if kind == rules.COMPLAINT:
        said = (tracker.latest_message or {}).get("text") or ""
    elif kind == rules.QUESTION:
        said = rules.last_question(tracker.events)
    else:
        said = ""
    description = said if rules.enough_description(said) else None
    place = rules.place_in(said) if kind == rules.COMPLAINT and description else ""
    phone = rules.phone_in(said) or tracker.get_slot("citizen_phone")
    return [SlotSet("ticket_kind", kind), SlotSet("ticket_cancelled", None), SlotSet("human_offered", False),
            SlotSet("ticket_awaiting_confirmation", False),
            SlotSet("ticket_description", description), SlotSet("ticket_location", place or None),
            SlotSet("citizen_phone", phone), SlotSet("citizen_name", tracker.get_slot("citizen_name")),
            FollowupAction(FORM)]


def _cancelled() -> dict[Text, Any]:
    # Setting requested_slot to None ends the form early; action_confirm_ticket then says so.
    return {"ticket_cancelled": True, "requested_slot": None}


class ValidateTicketForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_form"

    async def required_slots(self, domain_slots: list[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[Text]:
        if tracker.get_slot("ticket_kind") == rules.COMPLAINT:
            return list(domain_slots)
        return [s for s in domain_slots if s != "ticket_location"]

    def validate_ticket_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[Text, Any]:
        text = str(value or "").strip()
        if rules.is_cancel(text):
            return _cancelled()
        if len(text.split()) < 2 or text.startswith("/"):
            dispatcher.utter_message(text="Anh/Chị vui lòng mô tả cụ thể hơn một chút để tổng đài viên nắm được ạ.")
            return {"ticket_description": None}
        return {"ticket_description": text[:5000]}

    def validate_ticket_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[Text, Any]:
        text = str(value or "").strip()
        if rules.is_cancel(text):
            return _cancelled()
        if rules.is_skip(text) or not text or text.startswith("/"):
            return {"ticket_location": "Không rõ"}
        return {"ticket_location": text[:500]}

    def validate_citizen_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[Text, Any]:
        text = str(value or "").strip()
        if rules.is_cancel(text):
            return _cancelled()
        phone = rules.phone_in(text)
        if phone is None:
            dispatcher.utter_message(text="Số điện thoại chưa đúng. Anh/Chị vui lòng nhập số di động hoặc số cố định "
                                          "Việt Nam, ví dụ 0912345678 (hoặc gõ “hủy” để dừng).")
            return {"citizen_phone": None}
        return {"citizen_phone": phone}

    def validate_citizen_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[Text, Any]:
        text = str(value or "").strip()
        if rules.is_cancel(text):
            return _cancelled()
        return {"citizen_name": rules.clean_name(text)}


def reset_form_events() -> list[dict[str, Any]]:
    return [SlotSet("ticket_description", None), SlotSet("ticket_location", None), SlotSet("ticket_kind", None),
            SlotSet("ticket_cancelled", None), SlotSet("ticket_awaiting_confirmation", False)]


class ActionConfirmTicket(Action):
    def name(self) -> Text:
        return "action_confirm_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("ticket_cancelled"):
            dispatcher.utter_message(text=CANCELLED)
            return reset_form_events()
        kind = tracker.get_slot("ticket_kind") or rules.QUESTION
        lines = [ASK_CONFIRM, f"• Loại phiếu: {KIND_LABELS.get(kind, KIND_LABELS[rules.QUESTION])}",
                 f"• Nội dung: {rules.summary_of(tracker.get_slot('ticket_description') or '')}"]
        if kind == rules.COMPLAINT:
            lines.append(f"• Địa điểm: {tracker.get_slot('ticket_location') or 'Không rõ'}")
        lines.append(f"• Số điện thoại: {rules.masked_phone(tracker.get_slot('citizen_phone') or '')}")
        if tracker.get_slot("citizen_name"):
            lines.append(f"• Họ tên: {tracker.get_slot('citizen_name')}")
        lines.append("Anh/Chị xác nhận gửi phiếu chứ ạ?")
        dispatcher.utter_message(text="\n".join(lines), buttons=CONFIRM_BUTTONS)
        return [SlotSet("ticket_awaiting_confirmation", True)]


def ticket_payload(tracker: Tracker) -> dict[str, Any]:
    kind = tracker.get_slot("ticket_kind") or rules.QUESTION
    description = tracker.get_slot("ticket_description") or ""
    input_channel = tracker.get_latest_input_channel() or ""
    payload = {
        "channel": rules.backend_channel(input_channel),
        "rasa_channel": input_channel,
        "kind": kind,
        "summary": rules.summary_of(description) or KIND_LABELS.get(kind, "Yêu cầu hỗ trợ"),
        "description": description,
        "location": tracker.get_slot("ticket_location") if kind == rules.COMPLAINT else "",
        "citizen_name": tracker.get_slot("citizen_name") or "",
        "citizen_phone": tracker.get_slot("citizen_phone"),
        "channel_user_id": tracker.sender_id,
        "transcript": rules.transcript(tracker.events),
        "handoff": True,
    }
    if kind == rules.QUESTION and tracker.get_slot("procedure_code"):
        payload["procedure_code"] = tracker.get_slot("procedure_code")
    if payload["location"] in (None, "Không rõ"):
        payload["location"] = ""
    return payload


def created_text(ticket: dict[str, Any]) -> str:
    due = rules.due_date_text(ticket.get("due_at"))
    text = f"Phiếu của Anh/Chị đã được tiếp nhận với mã {ticket['code']}"
    text += f", hạn trả lời trước ngày {due}." if due else "."
    return (text + " Tổng đài viên sẽ trả lời Anh/Chị ngay trong cuộc trò chuyện này; Anh/Chị có thể nhắn thêm "
                   "thông tin tại đây. Để tra cứu sau, Anh/Chị nhắn “tra cứu phiếu " + ticket["code"] + "”.")


def create_ticket_events(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    payload = ticket_payload(tracker)
    key = rules.idempotency_key(tracker.sender_id, tracker.events)
    try:
        ticket = _client.create_ticket(payload, key)
    except BackendUnavailable as exc:
        outbox().put(key, TICKET, payload, tracker.sender_id, payload["rasa_channel"], error=str(exc))
        logger.warning("backend unavailable (%s): ticket queued in the outbox", exc)
        dispatcher.utter_message(text="Em đã ghi nhận yêu cầu của Anh/Chị. Hệ thống tiếp nhận phiếu đang bận, "
                                      "mã phiếu sẽ được gửi cho Anh/Chị tại đây ngay khi phiếu được tạo.")
        return reset_form_events() + [SlotSet("pending_ticket", key)]
    except BackendRejected as exc:
        logger.error("backend rejected a ticket: %s", exc.code)
        dispatcher.utter_message(text="Xin lỗi Anh/Chị, em chưa tạo được phiếu. Anh/Chị vui lòng gọi Tổng đài 1022 "
                                      "để được hỗ trợ trực tiếp.")
        return reset_form_events()
    dispatcher.utter_message(text=created_text(ticket))
    return reset_form_events() + [SlotSet("ticket_code", ticket["code"]), SlotSet("handoff_active", True)]


class ActionTicketCreated(Action):
    """EXTERNAL_ticket_created: a ticket queued while the backend was down now exists."""

    def name(self) -> Text:
        return "action_ticket_created"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        code = next(tracker.get_latest_entity_values("ticket_code"), None)
        if not code:
            return []
        ticket: dict[str, Any] = {"code": code}
        try:
            ticket.update(_client.citizen_status(code, sender_id=tracker.sender_id))
        except (BackendUnavailable, BackendRejected):
            pass  # the code is what matters; the due date can be asked later
        dispatcher.utter_message(text=created_text(ticket))
        return [SlotSet("ticket_code", code), SlotSet("handoff_active", True), SlotSet("pending_ticket", None)]
