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
    r"visa|thi thuc|ho chieu nuoc ngoai|quoc tich (?!viet|vn\b)\w+|"
    rf"(?:nguoi|chong|vo|ba|me|bo|cha|bo me|ong|ba|con) (?:quoc tich )?(?:{_PEOPLE})(?! (?:dong|chinh|khoa|ban|nhat|nuoi|luat|ly|nhan))|"
    rf"(?:o|ben|song o|song ben) (?:{_PEOPLE})|(?:tu|tai) (?!phap\b)(?:{_COUNTRIES})|cua (?!phap luat)(?:{_COUNTRIES})|"
    rf"nuoc (?:{_COUNTRIES})|"
    # Organisations named by their country: "vốn Hàn", "bank Nhật", "hãng luật
    # Singapore", "trung tâm hòa giải Singapore", "phía Philippines". Going there ("sang Lào công
    # tác") is not: a citizen's own trip abroad is no foreign element.
    rf"(?:von|bank|hang|cong ty|cty|tap doan|nha dau tu|doi tac|phia) (?:{_COUNTRIES}|han|nhat|my|sing)"
    rf"(?! (?:che|muc|dinh|ngach|quoc te))|"
    rf"(?:hang|cong ty|cty|tap doan|trung tam|to chuc|truong) (?:\w+ ){{1,2}}(?:{_COUNTRIES})(?! (?:dong|luat|ly)))\b"
)
# "... ở nước ngoài" at the end of a name says where the applicant lives ("Thôi quốc tịch Việt Nam ở
# nước ngoài" has a sibling "... ở trong nước"): that is residence (below), not a foreign element.
_NAME_FOREIGN_RE = re.compile(
    r"\b(?:(?<!\bo )nuoc ngoai|yeu to nuoc ngoai|viet kieu|dinh cu o nuoc ngoai|co quan dai dien|"
    rf"cong dan (?:{_COUNTRIES})|(?:viet nam|vn) (?:-|–)? ?(?:{_COUNTRIES})|bien gioi|dinh cu o nuoc ngoai)\b"
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
    # "về nhà" alone is moving house ("chuyển hộ khẩu về nhà mới"); the officer comes "về tận nhà".
    r"\b(?:luu dong|(?:xuong|den|toi) (?:tan )?nha|ve tan nha|ve nha (?:lam|de)|tai nha|tan noi|tan giuong|nam (?:mot|1) cho|bi liet|liet giuong|"
    r"khong (?:the )?(?:di lai|di|len|ra|toi|den) (?:duoc|xa|phuong|uy ban|ubnd)|khong di lai duoc|"
    r"o vung (?:sau|xa)|dang nam vien|benh nang)\b"
)
# The words names use for the two facets that split siblings ("khai sinh" / "... có yếu tố nước
# ngoài" / "... lưu động").
FOREIGN_NAME_PHRASE, MOBILE_NAME_PHRASE = "co yeu to nuoc ngoai", "luu dong"
_NAME_MOBILE_RE = re.compile(rf"\b{MOBILE_NAME_PHRASE}\b")


def message_is_foreign(folded: str) -> bool:
    return bool(_MESSAGE_FOREIGN_RE.search(folded))


# Names that list people at home beside the foreign element ("... cho hộ gia đình, cá nhân, cộng đồng
# dân cư, người gốc Việt Nam định cư ở nước ngoài") serve both kinds of askers.
_NAME_HOME_AUDIENCE_RE = re.compile(r"\b(?:ho gia dinh|ca nhan|cong dong dan cu)\b(?! (?:nuoc ngoai|dinh cu))")
# Names that list Vietnamese issuers beside foreign ones ("giấy tờ, văn bản do cơ quan, tổ chức có
# thẩm quyền của Việt Nam; cơ quan, tổ chức có thẩm quyền của nước ngoài") serve both as well.
_NAME_HOME_ISSUER_RE = re.compile(r"\btham quyen cua viet nam\b.*\bcua nuoc ngoai\b")


def name_is_foreign(folded_name: str) -> bool | None:
    """True for a procedure with a foreign element, False without; None when the name serves both
    (a foreign audience listed beside people at home)."""
    if not _NAME_FOREIGN_RE.search(folded_name):
        return False
    if _NAME_HOME_AUDIENCE_RE.search(folded_name) or _NAME_HOME_ISSUER_RE.search(folded_name):
        return None
    return True


def message_from_organisation(folded: str) -> bool:
    return bool(_MESSAGE_ORG_RE.search(folded))


def audience_kinds(folded_audience: str) -> tuple[bool, bool]:
    """(serves organisations, serves people) from the record's audience field."""
    return (any(k in folded_audience for k in _ORG_AUDIENCE),
            any(k in folded_audience for k in _PERSON_AUDIENCE))


def _first_stated(folded: str, *choices: tuple[re.Pattern, str]) -> str | None:
    """The value of the first (pattern, value) choice the text states, else None."""
    return next((value for pattern, value in choices if pattern.search(folded)), None)


def _one_stated(folded: str, first: tuple[re.Pattern, str], second: tuple[re.Pattern, str]) -> str | None:
    """The value of whichever of two choices the text states; None when it states neither or both."""
    said = [value for pattern, value in (first, second) if pattern.search(folded)]
    return said[0] if len(said) == 1 else None


# Online or in person: some procedures come as a pair, "... trực tuyến toàn trình" and "... một phần
# hoặc trực tiếp" (vehicle registration), "... qua Trang thông tin điện tử" and "... bằng Phiếu".
ONLINE, IN_PERSON = "online", "in_person"
_NAME_ONLINE_RE = re.compile(r"\b(?:truc tuyen toan trinh|qua trang thong tin dien tu)\b")
_NAME_IN_PERSON_RE = re.compile(r"\b(?:mot phan hoac truc tiep|bang phieu)\b")
_MESSAGE_ONLINE_RE = re.compile(
    r"\b(?:qua mang|online|onl|truc tuyen|toan trinh|tren mang|qua (?:app|ung dung|vneid|dien thoai)|"
    r"khong can (?:len|ra|den|di|toi))\b")
_MESSAGE_IN_PERSON_RE = re.compile(r"\b(?:truc tiep|nop giay|ho so giay|ban giay|bang phieu)\b")


def name_channel(folded_name: str) -> str | None:
    """ONLINE or IN_PERSON when the name says how it is submitted, else None."""
    return _first_stated(folded_name, (_NAME_ONLINE_RE, ONLINE), (_NAME_IN_PERSON_RE, IN_PERSON))


def message_channel(folded: str) -> str | None:
    """ONLINE or IN_PERSON when the message says how the citizen wants to submit (None if silent
    or both)."""
    return _one_stated(folded, (_MESSAGE_ONLINE_RE, ONLINE), (_MESSAGE_IN_PERSON_RE, IN_PERSON))


def message_wants_mobile(folded: str) -> bool:
    return bool(_MESSAGE_MOBILE_RE.search(folded))


def name_is_mobile(folded_name: str) -> bool:
    return bool(_NAME_MOBILE_RE.search(folded_name))


_FACET_WORDS_RE = re.compile(rf"\b(?:{FOREIGN_NAME_PHRASE}|{MOBILE_NAME_PHRASE})\b")


def sibling_key(folded_base_name: str) -> str:
    """The name without the facet that splits siblings: "đăng ký khai sinh", "... có yếu tố nước
    ngoài" and "... lưu động" share one key."""
    return " ".join(_FACET_WORDS_RE.sub(" ", folded_base_name).split())


def foreign_fit(message_foreign: bool, candidate_foreign: bool | None) -> float:
    if candidate_foreign is None:  # serves both
        return 1.0
    return 1.0 if message_foreign == candidate_foreign else 0.0


def audience_fit(from_organisation: bool, serves: tuple[bool, bool]) -> float:
    """1 when the procedure serves the kind of asker, 0.5 when its audience is unknown."""
    serves_org, serves_people = serves
    if not serves_org and not serves_people:
        return 0.5
    return 1.0 if (serves_org if from_organisation else serves_people) else 0.0


# Age: "con 10 tuổi", "bé 4 tuổi", "cháu mới sinh" against "dưới 14 tuổi", "từ đủ 14 tuổi trở lên".
_MESSAGE_AGE_RE = re.compile(r"\b(duoi |tren |chua du |chua den )?(\d{1,3}) ?(?:tuoi|t)\b")
_MESSAGE_MONTHS_RE = re.compile(r"\b\d{1,2} ?thang tuoi\b|\b(?:so sinh|moi sinh|moi de|vua sinh|vua de)\b")
_NAME_UNDER_RE = re.compile(r"\bduoi (\d{1,3}) tuoi\b")
_NAME_FROM_RE = re.compile(r"\b(?:tu du|tu|du|tren) (\d{1,3}) tuoi\b")


def message_age(folded: str) -> int | None:
    """The age a message states, in whole years (a newborn or "3 tháng tuổi" is 0)."""
    if _MESSAGE_MONTHS_RE.search(folded):
        return 0
    match = _MESSAGE_AGE_RE.search(folded)
    if match and int(match.group(2)) <= 120:
        # "dưới 14 tuổi" is at most 13, "trên 14 tuổi" at least 15: the bound itself is not the age.
        shift = {"duoi ": -1, "chua du ": -1, "chua den ": -1, "tren ": 1}.get(match.group(1) or "", 0)
        return max(0, int(match.group(2)) + shift)
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


# Residence: where the applicant lives. Sibling procedures split on it ("Nhập quốc tịch Việt Nam ở
# trong nước" / "... ở nước ngoài", "Đăng ký việc nuôi con nuôi trong nước" / "... tại Cơ quan đại
# diện Việt Nam ở nước ngoài"); citizens say "đang sống ở Pháp", "ở Đại sứ quán", "sống tại Đà Nẵng".
ABROAD, DOMESTIC = "abroad", "domestic"
_PROVINCES = (
    r"ha noi|ho chi minh|tp hcm|hcm|sai gon|da nang|hai phong|can tho|hue|quang ninh|nghe an|"
    r"thanh hoa|ha tinh|quang binh|quang tri|quang ngai|quang nam|binh dinh|khanh hoa|nha trang|"
    r"lam dong|da lat|dak lak|gia lai|kon tum|dong nai|binh duong|vung tau|tay ninh|long an|"
    r"an giang|kien giang|ca mau|bac lieu|soc trang|vinh long|ben tre|tien giang|dong thap|"
    r"lao cai|yen bai|ha giang|tuyen quang|cao bang|lang son|thai nguyen|bac giang|bac ninh|"
    r"hung yen|hai duong|thai binh|nam dinh|ninh binh|ha nam|phu tho|vinh phuc|son la|dien bien|"
    r"lai chau|hoa binh|phu yen|ninh thuan|binh thuan|binh phuoc|tra vinh|hau giang"
)
_LIVES = r"(?:dang |hien |van )?(?:song|sinh song|cu tru|dinh cu|lam viec|hoc tap|o)"
_MESSAGE_ABROAD_RE = re.compile(
    rf"\b(?:{_LIVES} (?:o |tai |ben )?(?:nuoc ngoai|{_COUNTRIES})|o nuoc ngoai|"
    r"dai su quan|lanh su quan|tong lanh su|co quan dai dien)\b"
)
_MESSAGE_DOMESTIC_RE = re.compile(
    rf"\b(?:{_LIVES} (?:o |tai )?(?:viet nam|vn|trong nuoc|{_PROVINCES})|(?:o|tai) (?:viet nam|vn) roi|"
    r"trong nuoc|ve nuoc|ve viet nam|ve vn|hoi huong)\b"
)
_NAME_ABROAD_RE = re.compile(r"\b(?:(?<!dinh cu )o nuoc ngoai|co quan dai dien viet nam)\b")
_NAME_DOMESTIC_RE = re.compile(r"\b(?:o trong nuoc|con nuoi trong nuoc)\b")


def message_residence(folded: str) -> str | None:
    """Where the message says the applicant lives: ABROAD, DOMESTIC or None when it does not say
    (or says both, as in "đang sống ở Đức, muốn về nước")."""
    return _one_stated(folded, (_MESSAGE_ABROAD_RE, ABROAD), (_MESSAGE_DOMESTIC_RE, DOMESTIC))


def name_residence(folded_name: str) -> str | None:
    """Where a procedure's applicant lives, when its name says so."""
    return _first_stated(folded_name, (_NAME_ABROAD_RE, ABROAD), (_NAME_DOMESTIC_RE, DOMESTIC))


def residence_fit(message: str | None, name: str | None) -> float:
    """1 when message and name state the same residence, 0 when they differ, 0.5 when either is silent."""
    if message is None or name is None:
        return 0.5
    return 1.0 if message == name else 0.0


# Construction grade ("công trình cấp I"): building-permit procedures come in pairs for grades
# "cấp đặc biệt, cấp I, cấp II" (province) and "cấp III, cấp IV" (commune).
_GRADE_WORDS = {"dac biet": "special", "i": "1", "ii": "2", "iii": "3", "iv": "4",
                "1": "1", "2": "2", "3": "3", "4": "4"}
_GRADE_RE = re.compile(r"\bcap (dac biet|iv|iii|ii|i|[1-4])\b")
_NAME_GRADE_RE = re.compile(r"\bcap (dac biet|iv|iii|ii|i)\b")
_CONSTRUCTION_RE = re.compile(r"\b(?:cong trinh|giay phep xay dung|gpxd|xay dung)\b")


def message_grades(folded: str) -> frozenset[str]:
    """Construction grades a message about a building names ("công trình cấp I" → {"1"})."""
    if not _CONSTRUCTION_RE.search(folded):
        return frozenset()
    return frozenset(_GRADE_WORDS[m] for m in _GRADE_RE.findall(folded))


def name_grades(folded_name: str) -> frozenset[str]:
    """Construction grades a procedure name lists ("công trình cấp III, cấp IV" → {"3", "4"})."""
    if "cong trinh" not in folded_name:
        return frozenset()
    return frozenset(_GRADE_WORDS[m] for m in _NAME_GRADE_RE.findall(folded_name))


def grade_fit(message: frozenset[str], name: frozenset[str]) -> float:
    """1 when the grade the message names is one the procedure covers, 0 when it is not, 0.5 when
    either side names none."""
    if not message or not name:
        return 0.5
    return 1.0 if message & name else 0.0


# Quantities: some names split by a size ("... quy mô từ 5.000 m3/ngày đêm trở lên" / "... dưới
# 5.000 m3/ngày đêm", "sở hữu từ 10% vốn điều lệ trở lên", "trị giá dưới 5 triệu đồng"); a message
# that states its size ("giếng 7000 m3 một ngày", "mua 12% cổ phần") picks the side it falls on.
_UNITS = (("m3", r"m3|m 3|met khoi|khoi"), ("%", r"%|phan tram"), ("tan", r"tan"),
          ("trieu dong", r"trieu(?: dong)?|tr"),  # "trị giá 3tr"
          # "(thuộc địa bàn) từ 02 xã trở lên": a lagoon or dam spanning two communes or provinces
          ("xa", r"xa|phuong(?! (?:an|tien|thuc|phap|huong))"), ("tinh", r"tinh"))  # not "2 phương án"
_UNIT_RE = "|".join(f"(?P<u{i}>{rx})" for i, (_, rx) in enumerate(_UNITS))
_AMOUNT = r"(?P<num>\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)(?: ?(?P<k>k|nghin|ngan)\b)?"
_QUANTITY_RE = re.compile(rf"(?:\b(?P<bound>tu|tren|duoi|hon|khong qua|toi da|it nhat) )?{_AMOUNT} ?(?:{_UNIT_RE})"
                          rf"(?![a-z])(?P<rest>[^,;()]{{0,30}})")
_UPWARDS_RE = re.compile(r"\btro len\b")
_DOWNWARDS_RE = re.compile(r"\btro xuong\b")


def _quantities(folded: str):
    for match in _QUANTITY_RE.finditer(folded):
        raw = match.group("num")
        value = float(raw.replace(".", "").replace(",", "."))  # "5.000" thousands, "2,5" decimals
        if match.group("k"):
            value *= 1000
        unit = next(name for i, (name, _) in enumerate(_UNITS) if match.group(f"u{i}"))
        # "từ 200 tấn trở xuống" bounds from above, whatever the word before the number says.
        rest = match.group("rest")
        side = "up" if _UPWARDS_RE.search(rest) else "down" if _DOWNWARDS_RE.search(rest) else None
        yield unit, value, match.group("bound"), side


def message_quantities(folded: str) -> dict[str, float]:
    """Sizes a message states, by unit ("7000 m3/ngày" → {"m3": 7000}); a bound counts as just past
    itself ("dưới 5000 m3" is a little under 5000)."""
    stated: dict[str, float] = {}
    for unit, value, bound, _ in _quantities(folded):
        shift = {"duoi": -0.5, "tren": 0.5, "hon": 0.5}.get(bound or "", 0.0)
        stated.setdefault(unit, max(0.0, value + shift))
    return stated


def name_quantity_ranges(folded_name: str) -> dict[str, tuple[float, float]]:
    """Size ranges a procedure name is for, by unit, as [low, high). A name giving both sides of
    the same unit ("10% trở lên hoặc giảm xuống dưới 10%") restricts nothing."""
    ranges: dict[str, tuple[float, float]] = {}
    spoiled: set[str] = set()
    for unit, value, bound, side in _quantities(folded_name):
        if side == "down" or bound in ("khong qua", "toi da"):
            span = (0.0, value + 1e-9)
        elif bound == "duoi":
            span = (0.0, value)
        elif bound in ("tu", "it nhat") or side == "up":
            span = (value, float("inf"))
        elif bound in ("tren", "hon"):
            span = (value + 1e-9, float("inf"))
        else:
            continue
        if unit in ranges and ranges[unit] != span:
            spoiled.add(unit)
        ranges[unit] = span
    return {unit: span for unit, span in ranges.items() if unit not in spoiled}


def quantity_fit(stated: dict[str, float], ranges: dict[str, tuple[float, float]]) -> float:
    """1 when every size the message states for a unit the name splits on is in its range, 0 when
    one is outside, 0.5 when they share no unit."""
    shared = [unit for unit in stated if unit in ranges]
    if not shared:
        return 0.5
    return 1.0 if all(ranges[u][0] <= stated[u] < ranges[u][1] for u in shared) else 0.0


# Direction of a crossing: goods in or out ("nhập khẩu" / "xuất khẩu"), people or ships in or out
# ("nhập cảnh" / "xuất cảnh"). Sibling names differ by that word alone ("Cấp phép nhập khẩu giống
# cây trồng ..." / "Cấp phép xuất khẩu ..."); "xuất nhập khẩu" states both.
_DIRECTION_PAIRS = (("nhap khau", "xuat khau"), ("nhap canh", "xuat canh"))
_DIRECTION_RE = {word: re.compile(rf"\b{word}\b") for pair in _DIRECTION_PAIRS for word in pair}
_BOTH_DIRECTIONS_RE = re.compile(r"\bxuat,? nhap (khau|canh)\b")


def stated_directions(folded: str) -> frozenset[str]:
    """The crossing directions a name or message states ("xuất nhập khẩu" states both)."""
    stated = {word for word, rx in _DIRECTION_RE.items() if rx.search(folded)}
    for match in _BOTH_DIRECTIONS_RE.finditer(folded):
        stated.update((f"nhap {match.group(1)}", f"xuat {match.group(1)}"))
    return frozenset(stated)


# Goods said to come in or go out without the words: "người nhà gửi từ Nhật về", "mang từ nước
# ngoài về", "bán sang Trung Quốc".
# Countries and the short names people use ("từ Nhật"); "tư pháp" and "lao động" are no countries.
_ABROAD_PLACE = rf"(?:nuoc ngoai|ngoai quoc|(?!phap\b|lao dong\b)(?:{_COUNTRIES}|nhat|han|my|uc|duc))"
_GOODS_IN_RE = re.compile(rf"\b(?:gui|mang|cho|dua|mua|ship|order|van chuyen)\b(?: \w+){{0,6}} tu {_ABROAD_PLACE}\b")
_GOODS_OUT_RE = re.compile(rf"\b(?:gui|mang|cho|ban|ship|van chuyen)\b(?: \w+){{0,6}} (?:sang|ra|di) {_ABROAD_PLACE}\b")


def message_directions(folded: str) -> frozenset[str]:
    """The crossing directions a message states, or implies for goods sent in or out."""
    stated = stated_directions(folded)
    if stated & {"nhap khau", "xuat khau"}:
        return stated
    implied = set()
    if _GOODS_IN_RE.search(folded):
        implied.add("nhap khau")
    if _GOODS_OUT_RE.search(folded):
        implied.add("xuat khau")
    return stated | implied


def direction_contradicts(message: frozenset[str], name: frozenset[str]) -> bool:
    """True when the message asks one way only and the name states only the other."""
    for pair in map(frozenset, _DIRECTION_PAIRS):
        asked, stated = message & pair, name & pair
        if len(asked) == 1 and len(stated) == 1 and asked != stated:
            return True
    return False


# A birth registered already: "bé đã có giấy khai sinh", "giấy khai sinh để trống phần cha". Then
# no procedure that registers the birth ("Đăng ký khai sinh ...", "... kết hợp nhận cha, mẹ, con")
# is what the family needs; recognising the father is "đăng ký nhận cha, mẹ, con" alone.
_BIRTH_REGISTERED_RE = re.compile(
    r"\b(?:da (?:co|lam|dang ky|duoc cap) (?:giay )?khai sinh|"
    r"khai sinh (?:\w+ ){0,3}(?:de trong|bo trong|khong co ten|thieu ten|chua co ten))\b"
)
_NAME_REGISTERS_BIRTH_RE = re.compile(r"^(?:thu tuc )?dang ky khai sinh\b")


def message_birth_registered(folded: str) -> bool:
    return bool(_BIRTH_REGISTERED_RE.search(folded))


def name_registers_birth(folded_name: str) -> bool:
    return bool(_NAME_REGISTERS_BIRTH_RE.search(folded_name))


# A procedure done together with another ("Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con"):
# it fits a message only when the message asks the second one too, by its word ("nhận con") or,
# for a parent's recognition, by the parents being unmarried.
# "Sử dụng đất kết hợp đa mục đích" combines no procedure: only a second registration counts.
_COMBINED_RE = re.compile(r"\bket hop dang ky (\w+)")
_UNMARRIED_RE = re.compile(r"\b(?:chua|khong|ko|k) (?:co )?(?:dang ky |giay )?(?:dang ky )?(?:ket hon|hon thu|cuoi)\b|"
                           r"\bngoai gia thu\b|\bme don than\b")


def name_combined_with(folded_name: str) -> str | None:
    """The first word of what a name does together with its procedure ("nhan" for "... kết hợp
    đăng ký nhận cha, mẹ, con"), None for a name that combines nothing."""
    m = _COMBINED_RE.search(folded_name)
    return m.group(1) if m else None


def message_asks_combined(folded: str, combined_word: str) -> bool:
    """The message asks the combined part: it uses its word, or, for recognising a parent or child
    ("nhận"), says the parents are not married."""
    return (re.search(rf"\b{re.escape(combined_word)}\b", folded) is not None
            or (combined_word == "nhan" and _UNMARRIED_RE.search(folded) is not None))


# What a name leaves out: "(trừ cơ sở ... theo yêu cầu của nước nhập khẩu)", "..., trừ xe mô tô, xe
# gắn máy", "(không phải là tàu bay, tàu biển, ...)". A message about the excluded thing wants the
# sibling that names it, and a message need not mention the excluded things to fit the name.
# "miễn trừ", "bù trừ", "khấu trừ" and "trừ vào" are not exclusions: "trừ" only opens one right
# after a bracket or a comma.
_EXCLUSION_RE = re.compile(r"(?:[(,]\s*tru|\bkhong phai la|\bkhong bao gom)\s+([^()]+)")
_EXCLUDED_ITEM_SPLIT_RE = re.compile(r"\s*(?:,|;|\bva\b|\bhoac\b)\s*")
_PUNCTUATION_RE = re.compile(r"[^\w\s]")


def name_exclusions(folded_name: str) -> tuple[str, tuple[str, ...]]:
    """The name without its exclusions, and the excluded items ("xe mo to", "xe gan may"), from an
    accent-folded, lowercased name that still has its punctuation."""
    items: list[str] = []
    for match in _EXCLUSION_RE.finditer(folded_name):
        items.extend(item for item in _EXCLUDED_ITEM_SPLIT_RE.split(match.group(1)) if item.strip())
    kept = " ".join(_PUNCTUATION_RE.sub(" ", _EXCLUSION_RE.sub(" ", folded_name)).split())
    excluded = (" ".join(_PUNCTUATION_RE.sub(" ", item).split()) for item in items)
    return kept, tuple(item for item in excluded if item)


# What a message says the asker or the thing is not: "tôi không phải cộng tác viên dịch thuật",
# "chưa phải là hội viên". A sibling name stating it plainly ("người dịch là cộng tác viên ...")
# does not fit such a message; the one negating it does. "không phải nộp" (need not) is read the
# same way, harmlessly: names rarely state what a message says it need not do, and the rule only
# decides between near-identical names.
MESSAGE_NEGATION = r"\b(?:khong|chua|ko|k) phai"
_MESSAGE_NEGATION_RE = re.compile(rf"{MESSAGE_NEGATION}\b")
_MESSAGE_NEGATED_RE = re.compile(rf"{MESSAGE_NEGATION} (?:la )?(\w+ \w+(?: \w+)?)")
_NEGATION_BEFORE_RE = re.compile(r"\b(?:khong|chua) phai (?:la )?$")


def message_negates(folded: str) -> bool:
    """The accent-folded message says "không phải" somewhere (what the asker or thing is not)."""
    return bool(_MESSAGE_NEGATION_RE.search(folded))


def message_negations(folded: str) -> tuple[str, ...]:
    """The two or three words after each "không phải (là)" of an accent-folded message."""
    return tuple(m.group(1) for m in _MESSAGE_NEGATED_RE.finditer(folded))


def name_asserts(folded_name: str, negated: str) -> bool:
    """The name states what the message negates (its first three words, or its first two), at
    least once without negating it itself."""
    words = negated.split()
    for size in (3, 2):
        if len(words) < size:
            continue
        phrase = " ".join(words[:size])
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", folded_name):
            if not _NEGATION_BEFORE_RE.search(folded_name[:m.start()]):
                return True
    return False
