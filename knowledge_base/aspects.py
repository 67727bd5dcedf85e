"""Detect which aspects of an administrative procedure a citizen asks about.

``detect_aspects("Làm CCCD cần giấy tờ gì, phí bao nhiêu?")``
returns ``["documents", "fee"]``.

The message goes through :func:`knowledge_base.normalize.normalize_query`
(tone marks, abbreviations and teencode expanded), then regular expressions
are matched on the folded (accent-free) text with word boundaries, so
accented, unaccented and abbreviated messages behave the same. Patterns are
written without diacritics for that reason.
"""

from __future__ import annotations

import re
from typing import Any

from knowledge_base.normalize import normalize_query

__all__ = ["ASPECTS", "ASPECT_LABELS_VI", "detect_aspects"]

#: The fixed aspect vocabulary, in output order.
ASPECTS: tuple[str, ...] = (
    "documents",
    "fee",
    "time",
    "agency",
    "steps",
    "online",
    "conditions",
    "result",
    "legal_basis",
)

#: Vietnamese display labels of the aspects.
ASPECT_LABELS_VI: dict[str, str] = {
    "documents": "Thành phần hồ sơ",
    "fee": "Phí, lệ phí",
    "time": "Thời hạn giải quyết",
    "agency": "Cơ quan thực hiện",
    "steps": "Trình tự thực hiện",
    "online": "Nộp trực tuyến",
    "conditions": "Điều kiện",
    "result": "Kết quả",
    "legal_basis": "Căn cứ pháp lý",
}

# Words that, right after "bao nhiêu" / "mất bao nhiêu", mean the question is
# about a duration or a count, not money.
_NOT_MONEY = (
    r"ngay|lau|thoi gian|tuan|thang|nam|gio|phut|buoi|hom|lan|tuoi|nguoi|"
    r"bo|ban|to|giay|anh|loai|buoc|cai|mau|quyen|so|khau|the"
)
# Sentence-final particles that may follow a bare "bao nhiêu".
_PARTICLES = r"(?: (?:vay|the|a|ah|nhe|ha|ta|nhi|khong|ad|admin|em|anh|chi|ban|oi))*"
_END = r"\s*(?:\||$)"

_PATTERNS: dict[str, tuple[str, ...]] = {
    "documents": (
        r"\bthanh phan ho so\b",
        r"(?<!nop )\bho so (?:gom|bao gom|can (?:nhung|gi|co|chuan bi|mang|giay)|"
        r"phai co|nhu the nao|the nao|ra sao|gi|nao|nhung gi)\b",
        r"\bgiay to (?:gi|nao|can|gom|bao gom|nhung|chuan bi|phai|kem theo|nhu the nao|ra sao)\b",
        r"\b(?:can|nhung|cac|mang|chuan bi|nop|xuat trinh|bo|loai) giay to\b",
        # "giấy tờ làm giấy khai sinh", "hồ sơ xin cấp hộ chiếu": the papers for doing something
        # (a "hồ sơ" only at the start and not "của tôi": "hồ sơ làm sổ đỏ của tôi..." is a file)
        r"(?<!nop )(?<!tra )(?<!lay )\bgiay to (?:de |can de )?(?:lam|dang ky|xin|cap|doi|gia han)\b",
        r"^ho so (?:de )?(?:lam|dang ky|xin|cap|doi|gia han)\b(?!.*\bcua (?:toi|em|minh|tui|chung toi)\b)",
        r"\b(?:can|phai) (?:co )?(?:nhung )?(?:gi|giay gi|cai gi)\b",
        r"\b(?:mang|mang theo|chuan bi|nop|xuat trinh|dem|dem theo) (?:theo )?(?:nhung )?(?:gi|cai gi)\b",
        r"\bgom (?:nhung )?gi\b",
        r"\b(?:to khai|mau don|don xin|mau to khai)\b",
        r"(?<!cap )(?<!nhan )\bgiay (?:gi|nao)\b",  # "được cấp giấy gì" is a result
        r"\b(?:can|phai|nop|mang|chuan bi) (?:\w+ )?ban (?:sao|chinh)\b",
        r"\bban (?:sao|chinh) (?:co )?(?:can|phai)\b",
        r"\b(?:may|bao nhieu) (?:bo|ban|loai giay)\b",
    ),
    "fee": (
        r"\bphi\b(?! nong nghiep)",
        r"\bbao nhieu tien\b",
        r"\b(?:mat|ton|het|gia|tra|dong|nop|chi) bao nhieu\b(?! (?:" + _NOT_MONEY + r")\b)",
        r"\bbao nhieu" + _PARTICLES + _END,
        r"\b(?:co mat tien|mat tien (?:khong|gi)|ton tien|het tien|dong tien|nop tien|tra tien|so tien|ton kem)\b",
        r"\b(?:free|thu tien|tinh tien|bao nhieu d|bao nhieu dong)\b",
    ),
    "time": (
        r"\bbao lau\b",
        r"\b(?:may|bao nhieu) (?:ngay|tuan|thang|hom|buoi|gio|lau)\b",
        r"\b(?:mat|het|ton) bao nhieu thoi gian\b",
        r"\bthoi han\b",
        r"\bthoi gian\b",
        r"\bbao gio\b",
        r"\bkhi nao (?:thi )?(?:co|nhan|lay|xong|duoc|tra)\b",
        r"\bngay lam viec\b",
        r"\b(?:co )?lau (?:khong|chua)\b",
        r"\b(?:lay ngay|lay lien|trong ngay|nhanh nhat|lam gap|ngay hen|han tra)\b",
    ),
    "agency": (
        r"(?<!quy dinh )\b(?:o|tai) (?:dau|cho nao|noi nao)\b",
        r"\b(?:nop|lam|den|toi|di|ra|xin|nhan|lay|dang ky|cap) (?:o |tai )?dau\b",
        r"\b(?:co quan|don vi|noi|cho|phong|bo phan|cap|dia phuong|tinh|huyen|xa|phuong|quan) nao\b",
        r"\btham quyen\b",
        r"\bco quan (?:thuc hien|giai quyet|tiep nhan|cap)\b",
        r"\b(?:xa|phuong|huyen|quan|tinh|cap xa|cap huyen|cap tinh) hay\b",
        r"\bnoi (?:nop|lam|tiep nhan|giai quyet|cap)\b",
        r"\b(?:nop|lam) tai\b",
        r"\bdia chi (?:nop|lam|tiep nhan|co quan|cua (?:co quan|uy ban|cong an|so|phong|trung tam))\b",
    ),
    "steps": (
        r"\b(?:cac|nhung) buoc\b",
        r"\btrinh tu\b",
        r"\bquy trinh\b",
        r"\blam (?:nhu )?the nao\b",
        r"\blam sao\b",
        r"\b(?:thu tuc|cach lam|thuc hien|tien hanh|dang ky|xin|nop|cap|doi|cap lai|"
        r"cap doi|gia han|chuyen|tach|sang ten|khai bao|kich hoat)\b"
        r"(?: \w+){0,6} (?:nhu the nao|the nao|ra sao)\b",
        r"\bcach (?:lam|thuc hien|dang ky|nop|xin|doi|cap|gia han|khai|tao|kich hoat)\b",
        r"\bhuong dan\b",
        r"\b(?:phai|can|nen) lam gi\b",
        r"\blam gi (?:dau tien|truoc)\b",
        r"\bbuoc (?:dau|tiep theo|dau tien)\b",
    ),
    "online": (
        r"\b(?:online|truc tuyen|qua mang|tren mang|internet|dich vu cong|vneid|website|web|"
        r"app|ung dung|dinh danh dien tu|tu xa)\b",
        r"\b(?:qua|tren) (?:dien thoai|zalo|may tinh)\b",
    ),
    "conditions": (
        r"\bdieu kien\b",
        r"\bdoi tuong\b",
        r"\bai (?:duoc|co the|phai|can)\b",
        r"\b(?:bao nhieu|may) tuoi\b",
        r"\bdu tuoi\b",
        r"\btruong hop nao\b",
        r"\b(?:duoc phep|tieu chuan)\b",
    ),
    "result": (
        r"(?<!nhan )(?<!lay )(?<!tra )(?<!co )(?<!cho )\bket qua\b",
        r"\bket qua (?:la gi|gom|nhu the nao|ra sao)\b",
        r"\bnhan (?:duoc )?(?:gi|nhung gi|cai gi|giay gi)\b",
        r"\bduoc cap (?:nhung )?(?:gi|giay gi|cai gi)\b",
        r"\b(?:se|thi) duoc (?:nhung )?gi\b",
    ),
    "legal_basis": (
        r"\bcan cu\b",
        r"\b(?:luat|nghi dinh|thong tu|quyet dinh|van ban|quy dinh|dieu) (?:nao|gi|so may|may)\b",
        r"\bnghi dinh\b",
        r"\bthong tu\b",
        r"\bphap (?:ly|luat|quy)\b",
        r"\bquy dinh (?:o|tai) (?:dau|van ban nao)\b",
        r"\btheo (?:luat|quy dinh) nao\b",
        r"\bluat (?:\w+ )?nao\b",
    ),
}

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (aspect, re.compile("|".join(f"(?:{p})" for p in _PATTERNS[aspect])))
    for aspect in ASPECTS
)

_CLAUSE_BREAK_RE = re.compile(r"[.?!,;:\n]+")
_NON_WORD_RE = re.compile(r"[^\w|]+")


def _prepare(text: Any) -> str:
    """Folded, expanded text with clause breaks marked as " | "."""
    folded = normalize_query(text).folded
    folded = _CLAUSE_BREAK_RE.sub(" | ", folded)
    folded = _NON_WORD_RE.sub(" ", folded.replace("_", " "))
    return " ".join(folded.split())


def detect_aspects(text: Any) -> list[str]:
    """Return the aspects asked about, in :data:`ASPECTS` order.

    Works on accented, unaccented and abbreviated input; several aspects
    can be returned; ``[]`` when nothing is recognised. Never raises.
    """
    try:
        prepared = _prepare(text)
    except Exception:  # pragma: no cover - normalize_query never raises
        return []
    if not prepared:
        return []
    return [aspect for aspect, pattern in _COMPILED if pattern.search(prepared)]
