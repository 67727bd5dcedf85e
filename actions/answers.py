"""Answers about one procedure, written from its catalog record only (pure, no Rasa imports).

Every fact shown comes from the record: name and code, documents, fees and times per channel,
agency, steps, conditions, result, legal basis and the portal link. A field the record does not
have is said to be missing ("chưa có thông tin"), never guessed. Long lists are cut with an offer
to show everything ("xem đầy đủ").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge_base.catalog import Procedure

ASPECT_ORDER = ("documents", "fee", "time", "agency", "steps", "online", "conditions", "result", "legal_basis")
LIST_LIMIT = 5       # items of a list shown before "xem đầy đủ"
ITEM_CHARS = 220     # characters of one list item before it is cut
TEXT_CHARS = 600     # characters of a free text (conditions, notes)
MISSING = "chưa có thông tin trong dữ liệu thủ tục"

# Buttons offered after an overview: the payload is an intent, answered about the same procedure.
ASPECT_BUTTONS = (
    ("Hồ sơ cần chuẩn bị", "/ask_documents"),
    ("Lệ phí", "/ask_fee"),
    ("Thời gian giải quyết", "/ask_time"),
    ("Nơi nộp", "/ask_agency"),
    ("Nộp trực tuyến", "/ask_online"),
)
DETAILS_BUTTON = ("Xem đầy đủ", "/ask_all_details")


@dataclass
class Answer:
    texts: list[str]
    buttons: list[tuple[str, str]] = field(default_factory=list)


def _cut(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def heading(proc: Procedure) -> str:
    return f"Thủ tục: {proc.name} (mã {proc.code})"


def _channel_label(channel: str) -> str:
    return {"Trực tiếp": "Nộp trực tiếp", "Trực tuyến": "Nộp trực tuyến",
            "Dịch vụ bưu chính": "Nộp qua bưu chính"}.get(channel, channel or "Hình thức khác")


def _per_channel(proc: Procedure, key: str) -> list[str]:
    lines = []
    for method in proc.methods:
        value = (method.get(key) or "").strip()
        lines.append(f"• {_channel_label(method.get('channel', ''))}: {value or MISSING}")
    # The same value on every channel reads better once.
    values = {(m.get(key) or "").strip() for m in proc.methods}
    if len(proc.methods) > 1 and len(values) == 1 and "" not in values:
        return [f"• {values.pop()} (mọi hình thức nộp)"]
    return lines


def documents(proc: Procedure, full: bool = False) -> str:
    docs = list(proc.documents)
    if not docs:
        return f"Hồ sơ cần chuẩn bị: {MISSING}."
    groups: list[str] = []
    for doc in docs:
        group = (doc.get("group") or "").strip()
        if group and group not in groups:
            groups.append(group)
    shown = docs if full else [d for d in docs if (d.get("group") or "").strip() == (groups[0] if groups else "")]
    shown = shown if full else shown[:LIST_LIMIT]
    lines = [f"Hồ sơ cần chuẩn bị ({len(docs)} loại giấy tờ):"]
    if len(groups) > 1 and not full:
        lines[0] = (f"Hồ sơ cần chuẩn bị ({len(docs)} loại giấy tờ, chia theo {len(groups)} nhóm). "
                    f"Nhóm \u201c{_cut(groups[0], 160).rstrip(':')}\u201d gồm:")
    current_group = None
    for doc in shown:
        group = (doc.get("group") or "").strip()
        if full and group and group != current_group:
            lines.append(f"Nhóm \u201c{_cut(group, 160).rstrip(':')}\u201d:")
            current_group = group
        extra = ", ".join(x for x in (doc.get("copies", "").strip(), doc.get("form", "").strip()) if x)
        lines.append(f"• {_cut(doc.get('name', ''), ITEM_CHARS)}" + (f" ({_cut(extra, 120)})" if extra else ""))
    hidden = len(docs) - len(shown)
    if hidden > 0:
        others = f" trong {len(groups) - 1} nhóm khác" if len(groups) > 1 else ""
        lines.append(f"… còn {hidden} giấy tờ{others}. Anh/Chị gõ \u201cxem đầy đủ\u201d để xem hết.")
    return "\n".join(lines)


def fee(proc: Procedure) -> str:
    if not proc.methods:
        return f"Phí, lệ phí: {MISSING}."
    lines = ["Phí, lệ phí:"] + _per_channel(proc, "fee")
    notes = [m.get("note", "").strip() for m in proc.methods if m.get("note", "").strip()]
    if notes:
        lines.append(f"Ghi chú: {_cut(notes[0], 300)}")
    return "\n".join(lines)


def time(proc: Procedure) -> str:
    if not proc.methods:
        return f"Thời hạn giải quyết: {MISSING}."
    return "\n".join(["Thời hạn giải quyết:"] + _per_channel(proc, "processing_time"))


def agency(proc: Procedure) -> str:
    who = proc.agency or proc.authority
    lines = [f"Cơ quan thực hiện: {who or MISSING}."]
    if proc.authority and proc.authority != who:
        lines.append(f"Cơ quan có thẩm quyền: {proc.authority}.")
    if proc.levels:
        lines.append(f"Cấp thực hiện: {', '.join(proc.levels)}.")
    return "\n".join(lines)


def online(proc: Procedure) -> str:
    channels = [m.get("channel", "") for m in proc.methods]
    if "Trực tuyến" in channels:
        text = "Thủ tục này có thể nộp trực tuyến trên Cổng Dịch vụ công quốc gia"
        return text + (f": {proc.url}" if proc.url else ".")
    if channels:
        ways = ", ".join(_channel_label(c).lower() for c in channels)
        return f"Theo dữ liệu, thủ tục này chưa có hình thức nộp trực tuyến. Anh/Chị có thể {ways}."
    return f"Hình thức nộp hồ sơ: {MISSING}."


def steps(proc: Procedure, full: bool = False) -> str:
    if not proc.steps:
        return f"Trình tự thực hiện: {MISSING}."
    shown = proc.steps if full else proc.steps[:LIST_LIMIT]
    lines = ["Trình tự thực hiện:"] + [f"• {_cut(s, ITEM_CHARS * (3 if full else 1))}" for s in shown]
    if len(proc.steps) > len(shown):
        lines.append(f"… còn {len(proc.steps) - len(shown)} bước. Anh/Chị gõ \u201cxem đầy đủ\u201d để xem hết.")
    return "\n".join(lines)


def conditions(proc: Procedure) -> str:
    if not proc.conditions:
        return "Điều kiện thực hiện: dữ liệu thủ tục không nêu yêu cầu, điều kiện riêng."
    return f"Điều kiện thực hiện: {_cut(proc.conditions, TEXT_CHARS)}"


def result(proc: Procedure) -> str:
    if not proc.result:
        return f"Kết quả: {MISSING}."
    items = [line.strip() for line in proc.result.splitlines() if line.strip()]
    if len(items) == 1:
        return f"Kết quả nhận được: {_cut(items[0], TEXT_CHARS)}"
    return "\n".join(["Kết quả nhận được:"] + [f"• {_cut(i, ITEM_CHARS)}" for i in items[:LIST_LIMIT]])


def legal_basis(proc: Procedure, full: bool = False) -> str:
    if not proc.legal_basis:
        return f"Căn cứ pháp lý: {MISSING}."
    shown = proc.legal_basis if full else proc.legal_basis[:LIST_LIMIT]
    lines = ["Căn cứ pháp lý:"]
    for item in shown:
        title, number = (item.get("title") or "").strip(), (item.get("number") or "").strip()
        text = title if (not number or number in title) else f"{title} ({number})"
        lines.append(f"• {_cut(text or number, ITEM_CHARS)}")
    if len(proc.legal_basis) > len(shown):
        lines.append(f"… còn {len(proc.legal_basis) - len(shown)} văn bản khác.")
    return "\n".join(lines)


_SECTIONS = {
    "documents": documents, "fee": fee, "time": time, "agency": agency, "steps": steps,
    "online": online, "conditions": conditions, "result": result, "legal_basis": legal_basis,
}


def link(proc: Procedure) -> str:
    return f"Xem chi tiết trên Cổng Dịch vụ công quốc gia: {proc.url}" if proc.url else ""


def answer(proc: Procedure, aspects: list[str] | tuple[str, ...]) -> Answer:
    """The answer to the asked aspects, or an overview when none was asked."""
    asked = [a for a in ASPECT_ORDER if a in aspects]
    if not asked:
        return overview(proc)
    body = "\n".join(_SECTIONS[a](proc) for a in asked)
    texts = [heading(proc) + "\n" + body]
    if "online" not in asked and link(proc):
        texts[0] += "\n" + link(proc)
    buttons = [b for b in ASPECT_BUTTONS if b[1].removeprefix("/ask_") not in asked][:3] + [DETAILS_BUTTON]
    return Answer(texts, buttons)


def overview(proc: Procedure) -> Answer:
    channels = [_channel_label(m.get("channel", "")).lower() for m in proc.methods]
    lines = [heading(proc), agency(proc).splitlines()[0]]
    lines.append(time(proc))
    lines.append(fee(proc).split("\nGhi chú:")[0])
    lines.append(f"Hồ sơ: {len(proc.documents)} loại giấy tờ." if proc.documents
                 else f"Hồ sơ cần chuẩn bị: {MISSING}.")
    if channels:
        lines.append(f"Cách nộp: {', '.join(channels)}.")
    if link(proc):
        lines.append(link(proc))
    return Answer(["\n".join(lines), "Anh/Chị muốn xem thông tin nào ạ?"], list(ASPECT_BUTTONS) + [DETAILS_BUTTON])


def details(proc: Procedure) -> Answer:
    """Everything the record holds, one message per section."""
    texts = [heading(proc), agency(proc), documents(proc, full=True), fee(proc), time(proc),
             steps(proc, full=True), conditions(proc), result(proc), legal_basis(proc, full=True)]
    if link(proc):
        texts.append(link(proc))
    return Answer(texts)
