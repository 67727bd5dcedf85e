"""Offering a human and the hand-off point.

The hand-off point is `action_handoff`: from there an operator owns the conversation. It marks
the conversation (`handoff_requested`) so the ticket flow (issue 5) can take over at this exact
place; for now the citizen is told plainly how a person will help.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

HUMAN_BUTTON = ("Gặp tổng đài viên", "/request_human")
YES_NO_BUTTONS = [{"title": "Có, chuyển giúp tôi", "payload": "/affirm"},
                  {"title": "Không, cảm ơn", "payload": "/deny"}]

OFFER_AFTER_REPORT = (
    "Cảm ơn Anh/Chị đã phản ánh. Phản ánh, kiến nghị sẽ được tổng đài viên tiếp nhận và chuyển tới "
    "cơ quan có trách nhiệm xử lý. Anh/Chị có muốn em chuyển tới tổng đài viên không ạ?")
OUT_OF_SCOPE_TEXT = ("Xin lỗi Anh/Chị, em chỉ hỗ trợ tra cứu thủ tục hành chính và tiếp nhận phản ánh, kiến nghị "
                     "của người dân, nên chưa trả lời được câu hỏi này.")
OFFER_GENERAL = "Anh/Chị có muốn em chuyển tới tổng đài viên để được hỗ trợ không ạ?"
HANDOFF_TEXT = (
    "Em đã ghi nhận yêu cầu gặp tổng đài viên. Tổng đài viên sẽ tiếp nhận cuộc trò chuyện này; "
    "Anh/Chị cũng có thể gọi trực tiếp Tổng đài 1022 trong giờ hành chính để được hỗ trợ ngay.")


def handoff_events(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    dispatcher.utter_message(text=HANDOFF_TEXT)
    return [SlotSet("handoff_requested", True), SlotSet("human_offered", False)]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        return handoff_events(dispatcher)


class ActionReplyYesNo(Action):
    """"Có" / "không": accepts or declines an offered human, otherwise keeps the talk going."""

    def name(self) -> str:
        return "action_reply_yes_no"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        offered = bool(tracker.get_slot("human_offered"))
        if offered and intent == "affirm":
            return handoff_events(dispatcher)
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
