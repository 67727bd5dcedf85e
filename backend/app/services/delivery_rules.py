"""May a message reach the citizen on their channel now? A pure function of the Rasa channel, the
kind of delivery, the citizen's last message and the time (no database, no network).

Channel rules (see ../shared/channels-reference.md):
- Messenger ("facebook", §2.5): a normal message ("messaging_type": "RESPONSE") only within 24 hours
  of the user's last message; after that, up to 7 days, only a human may write, with
  "messaging_type": "MESSAGE_TAG" and "tag": "HUMAN_AGENT". Operators' replies and the status
  changes they make are human; the closing message (the bot then asks for a rating) and the
  hand-back (the bot resumes) are automated, so they need the 24-hour window.
- Zalo OA ("zalo", §1.5): customer-service messages only to a user who interacted with the OA in
  the last 7 days (error -230 otherwise). The "8 free replies within 48 h" of the help centre is a
  billing rule, not a block, so the window here is 7 days.
- Telegram, socket.io (website widget) and REST: no window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MESSENGER_STANDARD_WINDOW = timedelta(hours=24)
MESSENGER_HUMAN_AGENT_WINDOW = timedelta(days=7)
ZALO_CS_WINDOW = timedelta(days=7)
HUMAN_WRITTEN_KINDS = frozenset({"reply", "status"})
UNRESTRICTED_CHANNELS = frozenset({"telegram", "socketio", "rest"})
WINDOW_CHANNELS = frozenset({"facebook", "zalo"})


@dataclass(frozen=True)
class DeliveryDecision:
    allowed: bool
    messaging_type: str | None = None  # Messenger only: "RESPONSE" or "MESSAGE_TAG"
    tag: str | None = None  # Messenger only: "HUMAN_AGENT" with MESSAGE_TAG
    reason: str = ""  # why not (Vietnamese, shown to operators)


def decide(rasa_channel: str, kind: str, last_citizen_message_at: datetime | None,
           now: datetime) -> DeliveryDecision:
    """Whether a delivery of `kind` may go out on `rasa_channel` at `now`, and how (Messenger)."""
    if rasa_channel in UNRESTRICTED_CHANNELS:
        return DeliveryDecision(True)
    if rasa_channel not in WINDOW_CHANNELS:
        return DeliveryDecision(False, reason=f"Kênh “{rasa_channel or 'không rõ'}” không hỗ trợ gửi tin "
                                              "chủ động tới công dân.")
    if last_citizen_message_at is None:
        return DeliveryDecision(False, reason="Chưa ghi nhận tin nhắn nào của công dân trên kênh này nên "
                                              "không thể gửi tin.")
    elapsed = now - last_citizen_message_at
    if rasa_channel == "zalo":
        if elapsed <= ZALO_CS_WINDOW:
            return DeliveryDecision(True)
        return DeliveryDecision(False, reason="Zalo chỉ cho phép gửi tin tư vấn trong 7 ngày kể từ lần cuối "
                                              "công dân tương tác; đã quá 7 ngày.")
    if elapsed <= MESSENGER_STANDARD_WINDOW:
        return DeliveryDecision(True, messaging_type="RESPONSE")
    if kind in HUMAN_WRITTEN_KINDS and elapsed <= MESSENGER_HUMAN_AGENT_WINDOW:
        return DeliveryDecision(True, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    if kind in HUMAN_WRITTEN_KINDS:
        return DeliveryDecision(False, reason="Messenger chỉ cho phép tổng đài viên trả lời trong 7 ngày kể từ "
                                              "tin nhắn cuối của công dân (thẻ HUMAN_AGENT); đã quá 7 ngày.")
    return DeliveryDecision(False, reason="Messenger chỉ cho phép tin tự động trong 24 giờ kể từ tin nhắn cuối "
                                          "của công dân; đã quá 24 giờ.")
