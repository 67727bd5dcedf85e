"""What a ticket needs from a conversation, as plain functions (no Rasa, no HTTP).

- Which backend channel a Rasa input channel is, and which ticket kind an escalation is.
- What the citizen already said: a place in a report ("đèn đường hỏng ở ngõ 5 Trần Phú"), a phone
  number, so the form asks only for what is missing.
- Answers to the form: a Vietnamese phone number, a name or "bỏ qua", a cancellation.
- The transcript that goes with the ticket, and an idempotency key that stays the same when the
  same confirmation is processed twice.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from backend.app.services.phones import normalize_vietnamese_phone
from knowledge_base.normalize import fold_accents

# Rasa input channel -> the backend's channel of origin.
BACKEND_CHANNELS = {"socketio": "web", "rest": "web", "zalo": "zalo", "facebook": "messenger",
                    "telegram": "telegram"}

COMPLAINT, QUESTION, REQUEST = "complaint", "question", "request"

MIN_DESCRIPTION_WORDS = 4  # "đèn hỏng" is not enough to act on; "đèn đường ngõ 5 hỏng 3 hôm" is
MAX_SUMMARY = 120
VIETNAM = timezone(timedelta(hours=7))

# Where things happen in a Vietnamese report (accent-folded): a place starts with one of these...
_PLACE_START = {"so nha", "duong", "pho", "ngo", "ngach", "hem", "kiet", "thon", "xom", "ap", "ban", "to dan pho",
                "khu pho", "phuong", "xa", "thi tran", "quan", "huyen", "chung cu", "toa nha", "cho", "cau",
                "truong", "benh vien", "cong vien", "khu dan cu", "kdc", "km", "tdp", "kp"}
# ... and may go on with these between names and numbers ("ngõ 5 Trần Phú, phường Hòa An").
_PLACE_WORDS = {"so", "duong", "pho", "ngo", "ngach", "hem", "kiet", "thon", "xom", "ap", "to", "khu", "phuong",
                "xa", "quan", "huyen", "tinh", "tp", "p", "q", "km", "kdc", "tdp", "kp"}
_PHONE_IN_TEXT = re.compile(r"(?:\+?84|0)[\d .\-]{8,13}\d")

_SKIP = {"bo qua", "khong", "ko", "k", "khong can", "thoi", "an danh", "giau ten", "khong muon", "skip",
         "khong co", "kg", "hong", "k can", "ko can", "bo qua a", "khong a", "khong can dau"}
_CANCEL = {"huy", "huy bo", "huy phieu", "thoi khong gui nua", "khong gui nua", "thoi khoi", "dung lai",
           "thoi huy di", "huy di", "cancel", "thoi khong can nua", "khong can nua"}


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", fold_accents(text or "").lower()).strip(" .!?,")


def backend_channel(input_channel: str | None) -> str:
    return BACKEND_CHANNELS.get((input_channel or "").lower(), "web")


def is_cancel(text: str) -> bool:
    return _folded(text) in _CANCEL


def is_skip(text: str) -> bool:
    return _folded(text) in _SKIP


def enough_description(text: str) -> bool:
    """A message that says what happened in enough words to be the ticket's description."""
    return len([w for w in (text or "").split() if w.strip(".,!?")]) >= MIN_DESCRIPTION_WORDS \
        and not (text or "").startswith("/")


def place_in(text: str) -> str:
    """The place a report names ("ngõ 5 Trần Phú, phường Hòa An"), as written, or "".

    A place starts with a place word (đường, ngõ, thôn, phường, ...) followed by a name or number
    ("ngõ 5", "đường Trần Phú") and runs while the words are names, numbers or place words:
    "trước ngõ hỏng cả tuần" names no place."""
    words = re.findall(r"[^\s,;.!?]+|,", text or "")
    folded = [fold_accents(w).lower() for w in words]

    def named(k: int) -> bool:
        if k >= len(words):
            return False
        if folded[k] == "so":  # "số 3"
            return named(k + 1)
        return words[k][:1].isupper() or any(ch.isdigit() for ch in words[k])

    def continues(k: int) -> bool:
        if words[k] == ",":
            return named(k + 1) or (k + 1 < len(words) and folded[k + 1] in _PLACE_WORDS)
        return named(k) or folded[k] in _PLACE_WORDS

    for i in range(len(words)):
        for size in (3, 2, 1):
            if " ".join(folded[i:i + size]) in _PLACE_START and named(i + size):
                end = i + size
                while end < len(words) and continues(end):
                    end += 1
                return " ".join(words[i:end]).replace(" ,", ",")
    return ""


def phone_in(text: str) -> str | None:
    """A Vietnamese phone number written in the message, normalized, or None."""
    for m in _PHONE_IN_TEXT.finditer(text or ""):
        phone = normalize_vietnamese_phone(m.group(0))
        if phone:
            return phone
    return None


def masked_phone(phone: str) -> str:
    """0912345678 -> 0912***678: enough for the citizen to recognise, nothing for a screen reader."""
    return phone[:4] + "***" + phone[-3:] if phone and len(phone) >= 8 else "***"


def clean_name(text: str) -> str:
    """A name as given ("em tên Lan", "Nguyễn Văn A"), without the leading words; "" to skip."""
    if is_skip(text):
        return ""
    name = re.sub(r"^(?:(?:em|tôi|toi|mình|minh|tui|tớ|to)\s+)?(?:tên(?:\s+là)?|ten(?:\s+la)?|là|la)\s+", "",
                  text.strip(), flags=re.IGNORECASE)
    return name.strip(" .,!")[:200]


def summary_of(description: str) -> str:
    text = re.sub(r"\s+", " ", description or "").strip()
    if len(text) <= MAX_SUMMARY:
        return text
    cut = text[:MAX_SUMMARY].rsplit(" ", 1)[0]
    return cut + "…"


def transcript(events: Iterable[dict[str, Any]], limit: int = 200) -> list[dict[str, Any]]:
    """User and bot messages of the conversation (current session), oldest first, for the ticket."""
    lines: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            lines = []
        elif kind in ("user", "bot") and (event.get("text") or "").strip():
            at = event.get("timestamp")
            line = {"sender": "user" if kind == "user" else "bot", "text": event["text"][:4000]}
            if isinstance(at, (int, float)):
                line["at"] = datetime.fromtimestamp(at, tz=timezone.utc).isoformat()
            lines.append(line)
    return lines[-limit:]


def idempotency_key(sender_id: str, events: Iterable[dict[str, Any]]) -> str:
    """One key per confirmation: the conversation and the time of the citizen's confirming
    message. Re-running the same action (a timeout, a retry) sends the same key."""
    last_user = None
    for event in events:
        if event.get("event") == "user":
            last_user = event
    stamp = f"{(last_user or {}).get('timestamp', '')}:{(last_user or {}).get('message_id', '')}"
    digest = hashlib.sha256(f"{sender_id}\0{stamp}".encode()).hexdigest()[:32]
    return f"bot-{digest}"


def due_date_text(due_at: str | None) -> str:
    """The due date as Vietnamese citizens write it (dd/mm/yyyy, Vietnam time), or ""."""
    if not due_at:
        return ""
    try:
        moment = datetime.fromisoformat(due_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y")


def parse_rating(text: str) -> int | None:
    """1-5 from "5", "5 sao", "năm sao", "rất hài lòng", "không hài lòng", ...; None if unclear."""
    folded = _folded(text)
    m = re.fullmatch(r"(?:cho\s+)?([1-5])(?:\s*(?:sao|diem|\*|/5))?(?:\s+a)?", folded)
    if m:
        return int(m.group(1))
    words = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5}
    m = re.fullmatch(r"(?:cho\s+)?(mot|hai|ba|bon|nam)\s+(?:sao|diem)(?:\s+a)?", folded)
    if m:
        return words[m.group(1)]
    phrases = [("rat khong hai long", 1), ("khong hai long", 2), ("chua hai long", 2), ("binh thuong", 3),
               ("tam duoc", 3), ("rat hai long", 5), ("hai long", 4), ("tot", 4), ("rat tot", 5), ("te", 1)]
    for phrase, rating in phrases:
        if folded == phrase or folded == phrase + " a":
            return rating
    return None


# Messages that steer the talk rather than say what the citizen needs.
_NOT_A_QUESTION = {"affirm", "deny", "request_human", "greet", "thank", "goodbye", "bot_challenge",
                   "check_ticket_status"}


def last_question(events: Iterable[dict[str, Any]]) -> str:
    """The citizen's latest message that asked or told something (for a ticket's description)."""
    found = ""
    for event in events:
        if event.get("event") == "session_started":
            found = ""
        elif event.get("event") == "user":
            text = (event.get("text") or "").strip()
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if text and not text.startswith("/") and intent not in _NOT_A_QUESTION:
                found = text
    return found
