"""What kind of message is this? Cheap lexical cues the confidence model weighs.

A hotline receives three kinds of messages that share words with procedures: questions about a
procedure ("làm sổ đỏ lần đầu cần gì"), reports and complaints ("hồ sơ sổ đỏ trễ hẹn 2 tháng",
"đường ngập", "karaoke ồn cả đêm"), and small talk ("chào ad", "bạn là người thật hả"). Search
scores alone cannot tell a complaint that mentions "đất" from a question about land. These cues
are evidence, not rules: the calibrated confidence model decides how much each one counts.

Patterns work on accent-folded, abbreviation-expanded text (from `normalize_query`), so "on ao
qua", "ồn ào quá" and "ồn ào wá" match alike. Words that also name procedures are left out on
purpose: "khiếu nại", "tố cáo", "mất", "hư hỏng", "bồi thường" are procedures in the catalog.
"""

from __future__ import annotations

import re
from typing import Any

from knowledge_base.aspects import detect_aspects
from knowledge_base.normalize import NormalizedText, normalize_query

__all__ = ["MessageCues", "message_cues", "without_question_phrases"]

# How people ask, not what about: "mất bao lâu", "bao nhiêu tiền", "như thế nào", "ở đâu". Folded,
# their words collide with topic words ("mất" = lost, "bao" = bảo hiểm, "thế" = thẻ, "đâu" = đầu),
# so the lexical search leaves them out. Aspect detection reads the full message.
_QUESTION_PHRASE_RE = re.compile(
    r"\b(?:(?:mat|het|ton|la|khoang|trong) )?(?:bao lau|bao nhieu(?: tien| ngay| thang| lau| thoi gian)?|"
    r"may ngay|may thang|may tuan|bao gio)\b|"
    r"\b(?:nhu )?the nao\b|\bra sao\b|\b(?:o|tai) dau\b|\bcho nao\b|\b(?:co )?duoc khong\b|"
    r"\bkhong (?:a|ad|vay|nhi|ha)\b|\bthi sao\b|"
    r"\b(?:(?:can|mang|chuan bi|nop|phai co) )?(?:nhung )?(?:giay to|ho so|giay)(?: can)? (?:gi|nao)\b|"
    r"\b(?:can|phai|gom|mang|chuan bi) (?:nhung )?(?:gi|cai gi)\b|\bla gi\b"
)

# Reports of something wrong in the neighbourhood or in an office.
_COMPLAINT = (
    # reporting verbs and feelings
    r"phan anh|buc xuc|buc minh|qua dang|vo ly|khong chiu noi|kho chiu|keu cuu|"
    r"khong ai (?:giai quyet|xu ly|quan tam)|chua (?:ai|duoc) (?:giai quyet|xu ly)|de nghi xu ly|"
    r"yeu cau xu ly|mong (?:co quan|chinh quyen|cac cap) (?:chuc nang )?(?:xu ly|giai quyet|vao cuoc)|"
    # infrastructure
    r"o ga|o voi|sut lun|lun sut|ngap (?:nuoc|lut|sau|ung|nang)?|nuoc ngap|ung ngap|cong (?:bi )?tac nghen|bi tac|"
    r"cong thoat nuoc|nap cong|den duong (?:bi )?(?:hong|tat|chap chon|khong sang)|den giao thong|den tin hieu|"
    r"cot dien|day dien|"
    r"cay (?:xanh )?bi (?:do|nga|nghieng|gay)|cay (?:xanh )?(?:nga|nghieng|gay) do|sap do|xuong cap|hu hai|"
    r"lan chiem|chiem dung|phe thai xay dung|xa ban|"
    # environment and noise
    r"on ao|gay on|tieng on|on qua|hat karaoke|karaoke (?:on|den khuya|ca dem|suot dem|xuyen dem)|loa keo|"
    r"mo nhac|bop coi|"
    r"hoi thoi|boc mui|mui hoi|hoi qua|khoi bui|khoi den|dot rac|gay o nhiem|o nhiem (?:qua|nang|khong khi)|"
    r"rac thai|bai rac|xe rac|rac (?:ton dong|boc mui|khong (?:ai )?(?:thu|don))|chua thu gom|"
    r"cho sua|chuot|"
    # utilities and public order
    r"mat dien(?! thoai)|cup dien|cat dien|bi mat nuoc|cup nuoc|cat nuoc|nuoc (?:ban|duc|co mui)|"
    r"mat song|mang (?:yeu|cham)|"
    r"dau xe (?:trai phep|bua bai|lan chiem)|do xe (?:trai phep|bua bai)|buon ban lan chiem|"
    r"danh bac|co bac|danh nhau|gay roi|trom cap|bi trom|mat trom|cuop giat|nghien hut|chich hut|"
    r"con nghien|tu tap|dua xe (?:trai phep|ban dem|lang lach)|lua dao|hang gia|chat chem|lam gia|"
    # officials and service
    r"nhung nhieu|hach dich|thai do|cua quyen|gay kho de|lam kho|doi them tien|tien ca phe|"
    r"tien boi duong|lot tay|hoi lo|tieu cuc|tre hen|qua hen|cham tre|ngam ho so|de ho so|"
    r"dun day|hen lan hen lua|di lai nhieu lan|khong nghe may|khong tra loi|"
    r"dong cua (?:trong )?gio hanh chinh|vang mat"
)
_COMPLAINT_RE = re.compile(rf"\b(?:{_COMPLAINT})\b")

# Messages made only of greetings, courtesy, chit-chat about the bot, or tests.
_SMALLTALK_WORDS = frozenset("""
chao xin hi hello helo alo a lo oi ad admin ban bot em anh chi minh toi co ak a ah ha nha nhe nhi
vay the cam on thanks thank you tks ok oke okay uh um uhm vang da duoc roi tam biet bye bai hen gap
lai test thu la ai nguoi that may that hay khong ko ten gi gi lam duoc nhung vui ke chuyen cuoi hat
bai di hom nay khoe buon qua ngu ngoc hay lam tot gioi yeu dep
""".split())


def without_question_phrases(folded_tokens: tuple[str, ...] | list[str]) -> list[bool]:
    """Mask over the tokens: False where a token belongs to a question phrase."""
    keep = [True] * len(folded_tokens)
    text = " ".join(folded_tokens)
    if not text:
        return keep
    starts, pos = [], 0
    for token in folded_tokens:  # character offset of every token in `text`
        starts.append(pos)
        pos += len(token) + 1
    for m in _QUESTION_PHRASE_RE.finditer(text):
        for i, start in enumerate(starts):
            if m.start() <= start < m.end():
                keep[i] = False
    return keep


class MessageCues(dict):
    """{"complaint": 0/1, "smalltalk": 0/1, "asks_aspect": 0/1} as floats."""


def message_cues(text: Any | NormalizedText) -> MessageCues:
    norm = text if isinstance(text, NormalizedText) else normalize_query(text)
    folded = " ".join(norm.folded_tokens)
    words = [t for t in norm.folded_tokens if t.isalpha()]
    if words:
        smalltalk = len(words) <= 8 and all(w in _SMALLTALK_WORDS for w in words)
    else:  # emoji, punctuation or digits only
        smalltalk = bool(norm.original.strip())
    return MessageCues(
        complaint=1.0 if _COMPLAINT_RE.search(folded) else 0.0,
        smalltalk=1.0 if smalltalk else 0.0,
        asks_aspect=1.0 if detect_aspects(norm.original) else 0.0,
    )
