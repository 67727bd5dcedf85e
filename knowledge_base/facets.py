"""Who is asking, is a foreign element involved, must the officer come? Facets that split siblings.

The catalog often has one procedure per audience: "đăng ký khai sinh" and "... có yếu tố nước
ngoài", "giao đất cho hộ gia đình, cá nhân" (xã) and "... cho tổ chức" (tỉnh). Citizens rarely use
those words; they say "chồng em người Hàn", "công ty chúng tôi". These pure functions detect the
facets on accent-folded text, on both sides, so the ranking can reward a candidate that fits.
"""

from __future__ import annotations

import re

_COUNTRIES = (
    r"han quoc|nhat ban|trung quoc|dai loan|hong kong|hoa ky|phap|duc|nga|lao|campuchia|cam pu chia|"
    r"thai lan|singapore|malaysia|indonesia|philippines|an do|uc|australia|canada|ha lan|thuy dien|"
    r"thuy si|na uy|dan mach|ba lan|sec|ireland|new zealand|cuba|trieu tien|anh quoc|"
    r"tay ban nha|bo dao nha|brazil|mexico|ai cap|nam phi|nigeria"
)
# Nationality as people say it: "người Hàn", "chồng Nhật", "quốc tịch Pháp", "bên Mỹ". Names that
# are also Vietnamese ethnic groups or provinces ("người Thái", "người Tày", "Thái Bình") are left out.
_PEOPLE = (
    r"han|nhat|trung quoc|tau|dai loan|my|phap|duc|nga|uc|lao|campuchia|sing|singapore|"
    r"malaysia|indo|philippines|phi|an do|canada|ha lan|hong kong|"
) + _COUNTRIES
_MESSAGE_FOREIGN_RE = re.compile(
    r"\b(?:nuoc ngoai|ngoai quoc|yeu to nuoc ngoai|viet kieu|kieu bao|dinh cu|"
    r"visa|thi thuc|ho chieu nuoc ngoai|quoc tich (?!viet)\w+|"
    rf"(?:nguoi|chong|vo|ba|me|bo|cha|bo me|ong|ba|con) (?:quoc tich )?(?:{_PEOPLE})(?! (?:dong|chinh|khoa|ban|nhat|nuoi|luat|ly|nhan))|"
    rf"(?:o|ben|sang|song o|song ben) (?:{_PEOPLE})|(?:tu|tai) (?!phap\b)(?:{_COUNTRIES})|"
    rf"nuoc (?:{_COUNTRIES}))\b"
)
_NAME_FOREIGN_RE = re.compile(
    r"\b(?:nuoc ngoai|yeu to nuoc ngoai|viet kieu|dinh cu o nuoc ngoai|co quan dai dien|"
    rf"cong dan (?:{_COUNTRIES})|(?:viet nam|vn) (?:-|–)? ?(?:{_COUNTRIES})|bien gioi)\b"
)

# People who speak for an organisation.
_MESSAGE_ORG_RE = re.compile(
    r"\b(?:cong ty|cty|doanh nghiep|dn|to chuc|ngan hang|hop tac xa|htx|chi nhanh|van phong dai dien|"
    r"co quan (?:chung toi|em|toi|minh|ben)|don vi (?:chung toi|em|toi|minh)|truong (?:chung toi|em)|"
    r"benh vien|nha may|xi nghiep|tap doan|quy (?:dau tu|tin dung)|hiep hoi|van phong cong chung|"
    r"to chuc hanh nghe|cong ty luat|nha dau tu|chu dau tu)\b"
)
_ORG_AUDIENCE = ("doanh nghiep", "to chuc", "hop tac xa")
_PERSON_AUDIENCE = ("cong dan", "nguoi nuoc ngoai", "nguoi viet nam", "can bo", "ca nhan", "ho gia dinh")


# "Lưu động": the officer comes to the citizen, said as the situation that needs it.
_MESSAGE_MOBILE_RE = re.compile(
    r"\b(?:luu dong|(?:xuong|den|toi|ve) (?:tan )?nha|tai nha|tan noi|tan giuong|nam (?:mot|1) cho|bi liet|"
    r"khong (?:the )?(?:di lai|di|len|ra|toi|den) (?:duoc|xa|phuong|uy ban|ubnd)|khong di lai duoc|"
    r"o vung (?:sau|xa)|dang nam vien|benh nang)\b"
)
_NAME_MOBILE_RE = re.compile(r"\bluu dong\b")


def message_is_foreign(folded: str) -> bool:
    return bool(_MESSAGE_FOREIGN_RE.search(folded))


def name_is_foreign(folded_name: str) -> bool:
    return bool(_NAME_FOREIGN_RE.search(folded_name))


def message_from_organisation(folded: str) -> bool:
    return bool(_MESSAGE_ORG_RE.search(folded))


def audience_kinds(folded_audience: str) -> tuple[bool, bool]:
    """(serves organisations, serves people) from the record's audience field."""
    return (any(k in folded_audience for k in _ORG_AUDIENCE),
            any(k in folded_audience for k in _PERSON_AUDIENCE))


def message_wants_mobile(folded: str) -> bool:
    return bool(_MESSAGE_MOBILE_RE.search(folded))


def name_is_mobile(folded_name: str) -> bool:
    return bool(_NAME_MOBILE_RE.search(folded_name))


def foreign_fit(message_foreign: bool, candidate_foreign: bool) -> float:
    return 1.0 if message_foreign == candidate_foreign else 0.0


def audience_fit(from_organisation: bool, serves: tuple[bool, bool]) -> float:
    """1 when the procedure serves the kind of asker, 0.5 when its audience is unknown."""
    serves_org, serves_people = serves
    if not serves_org and not serves_people:
        return 0.5
    return 1.0 if (serves_org if from_organisation else serves_people) else 0.0


# Age: "con 10 tuổi", "bé 4 tuổi", "cháu mới sinh" against "dưới 14 tuổi", "từ đủ 14 tuổi trở lên".
_MESSAGE_AGE_RE = re.compile(r"\b(\d{1,3}) ?(?:tuoi|t)\b")
_MESSAGE_MONTHS_RE = re.compile(r"\b\d{1,2} ?thang tuoi\b|\b(?:so sinh|moi sinh|moi de|vua sinh|vua de)\b")
_NAME_UNDER_RE = re.compile(r"\bduoi (\d{1,3}) tuoi\b")
_NAME_FROM_RE = re.compile(r"\b(?:tu du|tu|du|tren) (\d{1,3}) tuoi\b")


def message_age(folded: str) -> int | None:
    """The age a message states, in whole years (a newborn or "3 tháng tuổi" is 0)."""
    if _MESSAGE_MONTHS_RE.search(folded):
        return 0
    match = _MESSAGE_AGE_RE.search(folded)
    if match and int(match.group(1)) <= 120:
        return int(match.group(1))
    return None


def name_age_range(folded_name: str) -> tuple[int, int] | None:
    """The ages a procedure name is for, as [low, high) years, or None when it names none."""
    under = _NAME_UNDER_RE.search(folded_name)
    if under:
        return (0, int(under.group(1)))
    start = _NAME_FROM_RE.search(folded_name)
    if start:
        return (int(start.group(1)), 1000)
    return None


def age_fit(age: int | None, span: tuple[int, int] | None) -> float:
    """1 when the stated age is in the procedure's range, 0 when outside, 0.5 when either is unknown."""
    if age is None or span is None:
        return 0.5
    return 1.0 if span[0] <= age < span[1] else 0.0
