"""Offering a human, the hand-off, and the conversation while an operator owns it.

- `action_handoff` ("gặp tổng đài viên") and an accepted offer start the ticket form
  (actions.escalation); "Có"/"Không" also answer the ticket's confirmation.
- While `handoff_active` is set (HandoffPolicy in policies/), every citizen message goes to
  `action_relay_to_operator`, which attaches it to the ticket (through the durable outbox when the
  backend is down).
- `action_ticket_update` (EXTERNAL_ticket_update from the backend) brings an operator's reply, a
  status change, the closing (then a 1-5 rating is asked) or the hand-back to the citizen.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import escalation
from actions import ticket_rules as rules
from actions.backend_api import BackendRejected, BackendUnavailable
from actions.outbox import CITIZEN_MESSAGE

logger = logging.getLogger(__name__)

HUMAN_BUTTON = ("Gặp tổng đài viên", "/request_human")
YES_NO_BUTTONS = [{"title": "Có, chuyển giúp tôi", "payload": "/affirm"},
                  {"title": "Không, cảm ơn", "payload": "/deny"}]

OUT_OF_SCOPE_TEXT = ("Xin lỗi Anh/Chị, em chỉ hỗ trợ tra cứu thủ tục hành chính và tiếp nhận phản ánh, kiến nghị "
                     "của người dân, nên chưa trả lời được câu hỏi này.")
OFFER_GENERAL = "Anh/Chị có muốn em chuyển tới tổng đài viên để được hỗ trợ không ạ?"


class ActionHandoff(Action):
    """"Cho gặp tổng đài viên": a ticket for a person to pick up."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if tracker.get_slot("handoff_active"):
            dispatcher.utter_message(text=f"Tổng đài viên đang phụ trách phiếu {tracker.get_slot('ticket_code')} "
                                          "và sẽ trả lời Anh/Chị tại đây.")
            return []
        return escalation.escalation_events(dispatcher, tracker, rules.REQUEST)


class ActionReplyYesNo(Action):
    """"Có" / "không": accepts or declines an offered human, otherwise keeps the talk going."""

    def name(self) -> str:
        return "action_reply_yes_no"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if tracker.get_slot("ticket_awaiting_confirmation"):
            if intent == "affirm":
                return escalation.create_ticket_events(dispatcher, tracker)
            dispatcher.utter_message(text=escalation.CANCELLED)
            return escalation.reset_form_events()
        offered = bool(tracker.get_slot("human_offered"))
        if offered and intent == "affirm":
            return escalation.escalation_events(dispatcher, tracker, rules.QUESTION)
        if offered:
            dispatcher.utter_message(text="Dạ vâng. Anh/Chị cần hỏi thủ tục nào khác cứ nhắn cho em nhé.")
            return [SlotSet("human_offered", False)]
        if intent == "affirm":
            dispatcher.utter_message(text="Dạ vâng ạ. Anh/Chị cần em hỗ trợ thêm gì không ạ?")
        else:
            dispatcher.utter_message(text="Dạ vâng. Khi cần tra cứu thủ tục, Anh/Chị cứ nhắn cho em nhé.")
        return []


class ActionDefaultFallback(Action):
    """When the dialogue itself is unsure what to do next: say so and offer a human."""

    def name(self) -> str:
        return "action_default_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text="Xin lỗi Anh/Chị, em chưa hiểu rõ ý Anh/Chị. Anh/Chị có thể nói rõ tên thủ tục cần hỏi, "
                 "hoặc em chuyển Anh/Chị tới tổng đài viên.",
            buttons=[{"title": HUMAN_BUTTON[0], "payload": HUMAN_BUTTON[1]}])
        return [SlotSet("human_offered", True)]


RELAYED = ("Tin nhắn đã được chuyển tới tổng đài viên phụ trách phiếu {code}. "
           "Tổng đài viên sẽ trả lời Anh/Chị tại đây.")


def _latest_user_event(tracker: Tracker) -> dict[str, Any]:
    return next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})


class ActionRelayToOperator(Action):
    """While an operator owns the conversation: the message goes to the ticket, not to the bot."""

    def name(self) -> str:
        return "action_relay_to_operator"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        code = tracker.get_slot("ticket_code")
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        if not code:
            return [SlotSet("handoff_active", False)]
        if not text:
            return []
        event = _latest_user_event(tracker)
        message_id = (tracker.latest_message or {}).get("message_id") or event.get("message_id") \
            or f"{event.get('timestamp', '')}"
        try:
            escalation._client.add_citizen_message(code, text, message_id)
        except BackendUnavailable as exc:
            escalation.outbox().put(f"msg-{tracker.sender_id}-{message_id}", CITIZEN_MESSAGE,
                                    {"code": code, "text": text, "message_id": message_id}, tracker.sender_id,
                                    error=str(exc))
        except BackendRejected as exc:
            if exc.status == 404:  # the ticket is gone: the bot takes the conversation back
                dispatcher.utter_message(text="Phiếu này không còn được xử lý trên hệ thống. Em là trợ lý ảo, "
                                              "Anh/Chị cần hỗ trợ gì cứ nhắn cho em ạ.")
                return [SlotSet("handoff_active", False)]
            logger.error("backend rejected a citizen message: %s", exc.code)
        # Say it once, not after every message the citizen sends to the operator.
        last_bot = next((e.get("text") for e in reversed(tracker.events) if e.get("event") == "bot"), "")
        notice = RELAYED.format(code=code)
        if last_bot != notice:
            dispatcher.utter_message(text=notice)
        return []


HANDED_BACK = ("Trợ lý ảo tiếp tục hỗ trợ Anh/Chị. Anh/Chị cần tra cứu thủ tục hay gửi phản ánh mới "
               "cứ nhắn cho em ạ.")


class ActionTicketUpdate(Action):
    """EXTERNAL_ticket_update: the backend has something for the citizen (see backend/README.md)."""

    def name(self) -> str:
        return "action_ticket_update"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        delivery_id = next(tracker.get_latest_entity_values("delivery_id"), None)
        if not delivery_id:
            return []
        # Let a failure propagate: Rasa then answers the backend with an error and it retries.
        delivery = escalation._client.delivery(str(delivery_id))
        kind = delivery.get("kind")
        code = delivery.get("ticket_code") or next(tracker.get_latest_entity_values("ticket_code"), None)
        if delivery.get("text"):
            # The messaging channels read these: they report to the backend whether the platform took
            # the message, and Messenger sends a human's late reply with the tag the backend chose.
            extra = {k: delivery[k] for k in ("messaging_type", "message_tag") if delivery.get(k)}
            dispatcher.utter_message(text=delivery["text"], delivery_id=str(delivery.get("id") or delivery_id),
                                     **extra)
        events: list[dict[str, Any]] = [SlotSet("ticket_code", code)] if code else []
        if kind == "closed":
            return events + [SlotSet("handoff_active", False), SlotSet("rating_ticket", code),
                             SlotSet("satisfaction_rating", None), FollowupAction("satisfaction_form")]
        if kind == "handback":
            dispatcher.utter_message(text=HANDED_BACK)
            return events + [SlotSet("handoff_active", False)]
        return events


class ValidateSatisfactionForm(FormValidationAction):
    def name(self) -> str:
        return "validate_satisfaction_form"

    def validate_satisfaction_rating(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        text = str(value or "")
        rating = rules.parse_rating(text)
        if rating is not None:
            return {"satisfaction_rating": str(rating)}
        if rules.is_skip(text) or rules.is_cancel(text):
            return {"satisfaction_rating": "none"}
        dispatcher.utter_message(text="Anh/Chị chọn giúp em một mức từ 1 đến 5, hoặc gõ “bỏ qua” ạ.")
        return {"satisfaction_rating": None}


class ActionStoreRating(Action):
    def name(self) -> str:
        return "action_store_rating"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        value, code = tracker.get_slot("satisfaction_rating"), tracker.get_slot("rating_ticket")
        events = [SlotSet("satisfaction_rating", None), SlotSet("rating_ticket", None)]
        if not (value and value.isdigit() and code):
            dispatcher.utter_message(text="Dạ vâng. Cảm ơn Anh/Chị đã liên hệ Tổng đài 1022.")
            return events
        try:
            escalation._client.rate(code, int(value))
        except (BackendUnavailable, BackendRejected) as exc:
            logger.warning("rating not stored: %s", exc)
            dispatcher.utter_message(text="Cảm ơn Anh/Chị. Hệ thống đang bận nên em chưa lưu được đánh giá, "
                                          "mong Anh/Chị thông cảm.")
            return events
        dispatcher.utter_message(text="Cảm ơn Anh/Chị đã đánh giá. Ý kiến của Anh/Chị giúp Tổng đài 1022 "
                                      "phục vụ tốt hơn.")
        return events
