"""Actions that answer from the catalog: answer, choose after a clarification, show all details."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, conversation, escalation
from actions.handoff import HUMAN_BUTTON, OFFER_GENERAL, OUT_OF_SCOPE_TEXT, YES_NO_BUTTONS
from actions.ticket_rules import COMPLAINT
from actions.knowledge import search_engine
from knowledge_base.aspects import ASPECT_LABELS_VI
from knowledge_base.levels import COMMUNE, PROVINCE

LEVEL_LABELS = {COMMUNE: "cấp xã", PROVINCE: "cấp tỉnh", "central": "cấp trung ương"}
BUTTON_TITLE_CHARS = 90


def choose_payload(code: str) -> str:
    """Button payload that picks one procedure: the ask_procedure intent with its code."""
    return "/ask_procedure" + json.dumps({"procedure_code": code})


def _title(name: str) -> str:
    return name if len(name) <= BUTTON_TITLE_CHARS else name[:BUTTON_TITLE_CHARS - 1].rstrip() + "…"


def _buttons(pairs) -> list[dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


def send_answer(dispatcher: CollectingDispatcher, answer: answers.Answer) -> None:
    for i, text in enumerate(answer.texts):
        last = i == len(answer.texts) - 1
        dispatcher.utter_message(text=text, buttons=_buttons(answer.buttons) if last and answer.buttons else None)


def answer_events(dispatcher: CollectingDispatcher, code: str, aspects: list[str],
                  variants=None) -> list[dict[str, Any]]:
    """Answer about `code` and remember it as the conversation's procedure."""
    proc = search_engine().procedure(code)
    if proc is None:
        dispatcher.utter_message(text="Xin lỗi Anh/Chị, em không tìm thấy thủ tục này trong danh mục.")
        return [SlotSet("procedure_code", None), SlotSet("procedure_name", None)]
    send_answer(dispatcher, answers.answer(proc, aspects))
    others = other_levels(proc.code, variants or [])
    if others:
        # The same procedure is also done at other levels: say so, one button per level.
        labels = ", ".join(LEVEL_LABELS.get(v.level, v.level) for v in others)
        dispatcher.utter_message(
            text=f"Thủ tục này còn được thực hiện tại {labels}. Nếu Anh/Chị cần thủ tục ở cấp đó, mời chọn bên dưới.",
            buttons=_buttons((f"Thực hiện tại {LEVEL_LABELS.get(v.level, v.level)}", choose_payload(v.code))
                             for v in others))
    return [SlotSet("procedure_code", proc.code), SlotSet("procedure_name", proc.name),
            SlotSet("pending_aspects", None), SlotSet("human_offered", False)]


def answer_if_sure(dispatcher: CollectingDispatcher, text: str) -> list[dict[str, Any]] | None:
    """Answer a message another intent claimed (out of scope, report, status check) when the knowledge
    base is very sure it names one procedure; None when it is not (the caller goes on)."""
    if not text.strip() or text.startswith("/"):
        return None
    result = search_engine().search(text)
    if not conversation.answers_despite_out_of_scope(result):
        return None
    hit = result.hits[0]
    return answer_events(dispatcher, hit.code, list(result.aspects), hit.variants)


def other_levels(code: str, variants) -> list:
    """One variant per level other than the answered procedure's own level."""
    seen, out = {search_engine().variant_level(code)}, []
    for v in variants:
        if v.level not in seen:
            seen.add(v.level)
            out.append(v)
    return out


def _aspect_phrase(aspects: list[str]) -> str:
    return ", ".join(ASPECT_LABELS_VI[a].lower() for a in aspects if a in ASPECT_LABELS_VI)


class ActionAnswerProcedure(Action):
    def name(self) -> str:
        return "action_answer_procedure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
        if chosen:
            # A button of a clarification: answer the chosen procedure with the aspects asked before.
            if search_engine().procedure(chosen) is None:
                dispatcher.utter_message(text="Xin lỗi Anh/Chị, em không tìm thấy thủ tục đã chọn. "
                                              "Anh/Chị vui lòng nhắc lại tên thủ tục giúp em.")
                return []
            return answer_events(dispatcher, chosen, tracker.get_slot("pending_aspects") or [])
        text = message.get("text") or ""
        intent = (message.get("intent") or {}).get("name")
        mentions = any(e.get("entity") == "procedure" for e in message.get("entities") or [])
        result = search_engine().search(text)
        decision = conversation.decide(result, current_code=tracker.get_slot("procedure_code"),
                                       mentions_procedure=mentions, intent=intent, text=text)
        if not decision.aspects and tracker.get_slot("pending_aspects"):
            # "Lệ phí bao nhiêu?" -> "của thủ tục nào?" -> "kết hôn": answer the fee of kết hôn.
            decision.aspects = list(tracker.get_slot("pending_aspects"))

        if decision.kind in (conversation.ANSWER, conversation.FOLLOW_UP):
            variants = None
            if decision.kind == conversation.ANSWER and result.hits and result.hits[0].code == decision.code:
                variants = result.hits[0].variants
            return answer_events(dispatcher, decision.code, decision.aspects, variants)

        if decision.kind == conversation.NEED_PROCEDURE:
            asked = _aspect_phrase(decision.aspects)
            dispatcher.utter_message(
                text=(f"Anh/Chị muốn hỏi {asked} của thủ tục nào ạ?" if asked else
                      "Anh/Chị muốn hỏi về thủ tục nào ạ?")
                + " Ví dụ: \u201cđăng ký khai sinh\u201d, \u201ccấp đổi thẻ căn cước\u201d.")
            return [SlotSet("pending_aspects", decision.aspects or None)]

        if decision.kind == conversation.CLARIFY:
            dispatcher.utter_message(
                text="Có một vài thủ tục gần giống nhau. Anh/Chị đang hỏi về thủ tục nào ạ?",
                buttons=_buttons((_title(c.name), choose_payload(c.code)) for c in decision.choices))
            return [SlotSet("pending_aspects", decision.aspects or None)]

        # Unsure: ask with the best candidates if they are worth showing, and offer a human.
        if decision.choices:
            dispatcher.utter_message(
                text="Em chưa chắc chắn Anh/Chị đang hỏi về thủ tục nào. Có phải một trong các thủ tục sau không ạ?",
                buttons=_buttons([(_title(c.name), choose_payload(c.code)) for c in decision.choices]
                                 + [HUMAN_BUTTON]))
        else:
            dispatcher.utter_message(
                text="Xin lỗi Anh/Chị, em chưa tìm thấy thủ tục phù hợp với câu hỏi này. Anh/Chị có thể nói rõ "
                     "tên thủ tục (ví dụ: \u201cđăng ký thường trú\u201d), hoặc em chuyển Anh/Chị tới tổng đài viên.",
                buttons=_buttons([HUMAN_BUTTON]))
        return [SlotSet("pending_aspects", decision.aspects or None), SlotSet("human_offered", True)]


class ActionOutOfScope(Action):
    """Out of scope by the intent classifier: answer only if the knowledge base is very sure the
    message names a procedure; otherwise say what the bot does and offer a human."""

    replies = (OUT_OF_SCOPE_TEXT, OFFER_GENERAL)

    def name(self) -> str:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        answered = answer_if_sure(dispatcher, (tracker.latest_message or {}).get("text") or "")
        if answered is not None:
            return answered
        *said, offer = self.replies
        for text in said:
            dispatcher.utter_message(text=text)
        dispatcher.utter_message(text=offer, buttons=YES_NO_BUTTONS)
        return [SlotSet("human_offered", True)]


class ActionReportProblem(Action):
    """A report or complaint by the classifier. Citizens describe a situation the same way when
    they need a procedure ("cà vẹt bị mất", "thẻ căn cước bị gãy"): when the knowledge base is
    very sure of one procedure, answer it; otherwise start the ticket form."""

    def name(self) -> str:
        return "action_report_problem"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        answered = answer_if_sure(dispatcher, (tracker.latest_message or {}).get("text") or "")
        if answered is not None:
            return answered
        return escalation.escalation_events(dispatcher, tracker, COMPLAINT)


class ActionShowDetails(Action):
    """"Xem đầy đủ": everything about the current procedure, or about the one the message names."""

    def name(self) -> str:
        return "action_show_details"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        code = tracker.get_slot("procedure_code")
        if text and not conversation.names_no_procedure(text):
            # The message names something: only a confident, clear match is shown in full;
            # otherwise the normal answer flow asks or offers a human.
            result = search_engine().search(text)
            if not (result.confident and not result.ambiguous):
                return ActionAnswerProcedure().run(dispatcher, tracker, domain)
            code = result.hits[0].code
        proc = search_engine().procedure(code) if code else None
        if proc is None:
            dispatcher.utter_message(text="Anh/Chị muốn xem đầy đủ thông tin của thủ tục nào ạ?")
            return [SlotSet("pending_aspects", None)]
        send_answer(dispatcher, answers.details(proc))
        return [SlotSet("procedure_code", proc.code), SlotSet("procedure_name", proc.name)]
