"""Ticket status questions. Tickets live in the 1022 backend (issues 4 and 5)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HUMAN_BUTTON


class ActionCheckTicketStatus(Action):
    def name(self) -> str:
        return "action_check_ticket_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        code = next(tracker.get_latest_entity_values("ticket_code"), None) or tracker.get_slot("ticket_code")
        if not code:
            dispatcher.utter_message(text="Anh/Chị vui lòng cho em mã phiếu tiếp nhận, ví dụ: PA26-00123.")
            return []
        # The ticket backend is not connected to the assistant yet: be honest, offer a person.
        dispatcher.utter_message(
            text=f"Em chưa tra cứu được phiếu {code.upper()} trên kênh này. Tổng đài viên sẽ kiểm tra giúp "
                 "Anh/Chị, hoặc Anh/Chị gọi Tổng đài 1022 và đọc mã phiếu.",
            buttons=[{"title": HUMAN_BUTTON[0], "payload": HUMAN_BUTTON[1]}])
        return [SlotSet("human_offered", True)]
