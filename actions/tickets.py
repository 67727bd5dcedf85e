"""Ticket status: "tra cứu phản ánh PA-2612-483105", "hồ sơ của tôi thế nào rồi".

A code from this conversation is answered at once; a code from elsewhere is answered after the
citizen gives the last four digits of the phone on the ticket (ticket_verification_form). Without
a code, the conversation's own latest ticket is meant.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, escalation
from actions import ticket_rules as rules
from actions.backend_api import BackendRejected, BackendUnavailable
from actions.handoff import HUMAN_BUTTON
from actions.procedures import answer_if_sure
from backend.app.services.ticket_codes import normalize_ticket_code

logger = logging.getLogger(__name__)

ASK_CODE = ("Anh/Chị vui lòng cho em mã phiếu tiếp nhận (ví dụ: PA-2612-483105) để em tra cứu ạ.")
# "Hồ sơ" may also be an administrative file submitted at a one-stop desk, which is not a 1022 ticket.
FILE_ELSEWHERE = ("\nNếu Anh/Chị hỏi về hồ sơ thủ tục hành chính đã nộp, Anh/Chị tra cứu bằng mã hồ sơ trên "
                  "giấy tiếp nhận tại Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) hoặc tại nơi đã nộp hồ sơ.")
STOPPED = "stopped"  # phone_last4 when the citizen gave up verifying
_CODE_IN_TEXT = re.compile(r"\b(?:hd|pa|yc)[-. ]?\d{4}[-. ]?\d{6}\b", re.IGNORECASE)


def code_in(tracker: Tracker) -> str | None:
    for candidate in list(tracker.get_latest_entity_values("ticket_code")) + \
            _CODE_IN_TEXT.findall((tracker.latest_message or {}).get("text") or ""):
        code = normalize_ticket_code(candidate)
        if code:
            return code
    return None


def status_text(status: dict[str, Any]) -> str:
    lines = [f"Phiếu {status['code']}: {status.get('display_label') or status.get('status_label')}."]
    if status.get("agency"):
        lines.append(f"Cơ quan xử lý: {status['agency']}.")
    due = rules.due_date_text(status.get("due_at"))
    if due and status.get("status") not in ("answered", "closed"):
        lines.append(f"Hạn trả lời: {due}" + (" (đã quá hạn, tổng đài viên sẽ đôn đốc)." if status.get("overdue")
                                               else "."))
    reply = status.get("latest_reply") or {}
    if reply.get("text"):
        lines.append(f"Trả lời mới nhất: {reply['text']}")
    return "\n".join(lines)


class ActionCheckTicketStatus(Action):
    def name(self) -> str:
        return "action_check_ticket_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        last4 = tracker.get_slot("phone_last4") or ""
        if last4 == STOPPED:
            return [SlotSet("phone_last4", None)]
        text = (tracker.latest_message or {}).get("text") or ""
        in_message = code_in(tracker)
        if not in_message and not last4 and not conversation.asks_about_a_ticket(text):
            # No ticket word at all: a situation ("cà vẹt bị mất rồi, giờ xin cấp lại") that the
            # knowledge base may know for sure is a procedure question.
            answered = answer_if_sure(dispatcher, text)
            if answered is not None:
                return answered
        code = in_message or normalize_ticket_code(tracker.get_slot("ticket_code") or "")
        try:
            if not code:
                mine = escalation._client.tickets_of(tracker.sender_id)
                if not mine:
                    dispatcher.utter_message(text=ASK_CODE + (FILE_ELSEWHERE if conversation.mentions_a_file(text)
                                                              else ""))
                    return []
                code = mine[0]["code"]
            status = escalation._client.citizen_status(code, sender_id=tracker.sender_id, phone_last4=last4)
        except BackendRejected as exc:
            if exc.code == "verification_required" and not last4:
                return [SlotSet("ticket_code", code), SlotSet("phone_last4", None),
                        FollowupAction("ticket_verification_form")]
            if exc.code == "verification_required":
                dispatcher.utter_message(text="4 số cuối chưa khớp với số điện thoại trên phiếu, nên em chưa thể "
                                              "cung cấp thông tin phiếu này.")
            elif exc.status == 429:
                dispatcher.utter_message(text="Anh/Chị đã tra cứu quá nhiều lần, vui lòng thử lại sau ít phút ạ.")
            elif exc.status == 404:
                dispatcher.utter_message(text=f"Em không tìm thấy phiếu có mã {code}. Anh/Chị kiểm tra lại mã giúp em ạ.")
            else:
                logger.error("status check rejected: %s", exc.code)
                dispatcher.utter_message(text="Em chưa tra cứu được phiếu này.")
            return [SlotSet("phone_last4", None)]
        except BackendUnavailable:
            dispatcher.utter_message(
                text="Hệ thống tra cứu phiếu đang bận. Anh/Chị vui lòng thử lại sau ít phút, hoặc gọi Tổng đài 1022.",
                buttons=[{"title": HUMAN_BUTTON[0], "payload": HUMAN_BUTTON[1]}])
            return []
        dispatcher.utter_message(text=status_text(status))
        # Only a ticket of this very conversation becomes "the" ticket of the conversation.
        events: list[dict[str, Any]] = [SlotSet("phone_last4", None)]
        if not last4:
            events.append(SlotSet("ticket_code", code))
        return events


class ValidateTicketVerificationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_verification_form"

    def validate_phone_last4(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> dict[str, Any]:
        text = str(value or "").strip()
        if rules.is_cancel(text) or rules.is_skip(text):
            dispatcher.utter_message(text="Dạ vâng, em dừng tra cứu phiếu này ạ.")
            return {"phone_last4": STOPPED, "requested_slot": None}
        digits = re.sub(r"\D", "", text)
        if len(digits) != 4:
            dispatcher.utter_message(text="Anh/Chị nhập đúng 4 chữ số cuối của số điện thoại giúp em ạ.")
            return {"phone_last4": None}
        return {"phone_last4": digits}
