"""What to do with a question, given the search result and the conversation so far (pure).

    decide(result, current_code=..., mentions_procedure=..., intent=...) -> Decision

- A follow-up ("còn lệ phí thì sao?", "làm online được không?") names no procedure: it is about
  the procedure already being discussed.
- A message that names a procedure the search is confident about switches the context to it.
- Confident but a close runner-up (different procedure): ask which one, with buttons.
- Not confident: ask with the best candidates as buttons and offer a human; never guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge_base.normalize import normalize_query
from knowledge_base.scoring import content_words

ANSWER, CLARIFY, UNSURE, FOLLOW_UP, NEED_PROCEDURE = "answer", "clarify", "unsure", "follow_up", "need_procedure"
MAX_CHOICES = 3
SUGGEST_FLOOR = 0.12  # below this confidence the candidates are not worth showing as buttons
# When the intent classifier calls a message out of scope or a report, the knowledge base may still
# answer it, but only when surer than usual (its confidence model knows complaint wording). On the
# tuning questions this bar lets 4 of 242 out-of-scope messages through and keeps 86 % of the
# in-scope ones answerable, 91 % of them right (0.90 would let 2 through and keep 78 %).
OUT_OF_SCOPE_OVERRIDE = 0.75

INTENT_ASPECTS = {
    "ask_documents": "documents", "ask_fee": "fee", "ask_time": "time", "ask_agency": "agency",
    "ask_steps": "steps", "ask_online": "online", "ask_conditions": "conditions", "ask_result": "result",
    "ask_legal_basis": "legal_basis",
}

# Words that ask about an aspect or carry the conversation, not a procedure (accent-folded).
_QUESTION_WORDS = frozenset("""
con thi sao the nao vay nhe nha a ha oi ad duoc khong ko k co phai bao nhieu lau tien mat het ton
phi le le_phi thoi gian han giai quyet xu ly ngay lam viec gio o dau cho nao noi nop nhan lay den toi
online truc tuyen mang qua tren dich vu cong buu dien buu chinh can gi giay to ho so mang theo chuan bi
gom nhung cac buoc trinh tu quy trinh cach huong dan dieu kien doi tuong ai ket qua nhan duoc
can cu phap ly luat nghi dinh thong tu van ban xem day du chi tiet them tat ca thong tin cai nay do kia
cung luon nua vay thi sao the con ve lam sao nhu the nao bao gio khi nao mat bao lau
""".split())


# Words that show a status question is about a ticket or a file already submitted (accent-folded,
# after abbreviation expansion). Without any of them, "cà vẹt bị mất rồi, giờ xin cấp lại" is a
# procedure question the classifier mistook for a status check.
_TICKET_PHRASES = ("phan anh", "kien nghi", "ho so", "tien do", "tra cuu", "xu ly", "ket qua", "ma phieu",
                   "ticket", "phieu", "tiep nhan", "phan hoi", "tra loi", "da gui", "da nop", "duyet",
                   "toi dau", "den dau", "sao roi", "the nao roi")


def _has_phrase(text: str, phrases: tuple[str, ...]) -> bool:
    folded = f" {normalize_query(text).folded} "
    return any(f" {phrase} " in folded for phrase in phrases)


def asks_about_a_ticket(text: str) -> bool:
    """True when a message the classifier read as a status check mentions a ticket, a submitted
    file or its progress at all; False when it only describes a situation."""
    return _has_phrase(text, _TICKET_PHRASES)


def mentions_a_file(text: str) -> bool:
    """"hồ sơ", "hs": the citizen may mean an administrative file rather than a 1022 ticket."""
    return _has_phrase(text, ("ho so",))


@dataclass
class Choice:
    code: str
    name: str


@dataclass
class Decision:
    kind: str
    code: str | None = None
    choices: list[Choice] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)


def asked_aspects(text: str, intent: str | None, detected: list[str]) -> list[str]:
    aspects = list(detected)
    from_intent = INTENT_ASPECTS.get(intent or "")
    if from_intent and from_intent not in aspects:
        aspects.insert(0, from_intent)
    return aspects


def names_no_procedure(text: str) -> bool:
    """True when the message is only question words (or a button payload such as "/ask_fee"):
    a follow-up about the current procedure."""
    if text.strip().startswith("/"):
        return True
    topic = [w for w in content_words(normalize_query(text).folded_tokens) if w not in _QUESTION_WORDS]
    return len(topic) == 0


def _choices(result, limit: int = MAX_CHOICES) -> list[Choice]:
    out: list[Choice] = []
    for hit in result.hits:
        if len(out) >= limit:
            break
        out.append(Choice(hit.code, hit.name))
    return out


def answers_despite_out_of_scope(result) -> bool:
    """The classifier said "out of scope" (or "report"), but the message plainly names one procedure:
    a bare catalog name such as "Bổ nhiệm công chứng viên" is not in the intent training data, and
    "cà vẹt bị mất" reads like a report."""
    return bool(result.hits) and result.confident and not result.ambiguous \
        and result.confidence >= OUT_OF_SCOPE_OVERRIDE


def decide(result, *, current_code: str | None, mentions_procedure: bool, intent: str | None,
           text: str) -> Decision:
    aspects = asked_aspects(text, intent, list(result.aspects))
    if not mentions_procedure and names_no_procedure(text):
        if current_code:
            return Decision(FOLLOW_UP, code=current_code, aspects=aspects)
        return Decision(NEED_PROCEDURE, aspects=aspects)
    if result.hits and result.confident:
        if current_code and result.hits[0].code == current_code:
            return Decision(ANSWER, code=current_code, aspects=aspects)
        if result.ambiguous:
            return Decision(CLARIFY, choices=_choices(result), aspects=aspects)
        return Decision(ANSWER, code=result.hits[0].code, aspects=aspects)
    worth_showing = result.hits and result.confidence >= SUGGEST_FLOOR
    return Decision(UNSURE, choices=_choices(result) if worth_showing else [], aspects=aspects)
