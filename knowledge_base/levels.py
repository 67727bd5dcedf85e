"""Same procedure, several levels: group the variants and pick the one a citizen needs.

The portal lists one procedure several times when it is done at different levels, e.g.
"Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)" and "(... cấp trung ương)".
A citizen calling a provincial hotline almost always needs the tỉnh or xã variant, unless the
message names the central level. These are pure functions over names and levels.
"""

from __future__ import annotations

import re

from knowledge_base.normalize import fold_accents

CENTRAL, PROVINCE, COMMUNE = "central", "province", "commune"

# Level qualifiers inside names, on accent-folded lowercase text. Order matters: longest first.
_QUALIFIERS = [
    r"\(\s*thuc hien (?:tai|o) [^)]*\)",  # "(thực hiện tại cấp tỉnh)", "(thực hiện ở cấp tỉnh)"
    # "... thực hiện tại cấp xã (phải là cán bộ thuộc biên chế của lực lượng Công an)"
    r"\bthuc hien (?:tai|o) cap (?:tinh|xa|trung uong)\s*\([^)]*\)$",
    r"\(\s*cap (?:tinh|xa|huyen|trung uong|tw|bo)\s*\)",  # "(cấp TW)" is central too
    r"tai cuc quan ly xuat nhap canh,? bo cong an",
    r"tai phong quan ly xuat nhap canh,? cong an (?:cap )?tinh,? thanh pho truc thuoc trung uong",
    r"tai phong quan ly xuat nhap canh,? cong an (?:cap )?tinh",
    r"tai cong an cap (?:tinh|xa)",
    # one name reads "Ủy ban nhân cấp tỉnh"
    r"thuoc tham quyen (?:giai quyet )?cua (?:chu tich )?(?:uy ban nhan(?: dan)?|ubnd) cap (?:tinh|xa)",
    r"thuoc tham quyen (?:giai quyet )?cua (?:chu tich )?(?:uy ban nhan dan|ubnd) (?:tinh|xa)",
    r"\bcap (?:trung uong|tinh|xa)$",
    r"\btrung uong$",
]
_QUALIFIER_RE = re.compile("|".join(_QUALIFIERS))
_NON_WORD = re.compile(r"[^0-9a-z]+")


def base_name(name: str) -> str:
    """Accent-folded name without its level qualifier: the key that groups level variants."""
    folded = fold_accents(name or "").lower().strip()
    folded = re.sub(r"^thu tuc\s+", "", folded)
    previous = None
    while previous != folded:  # qualifiers can be stacked; strip until stable
        previous = folded
        folded = _QUALIFIER_RE.sub(" ", folded).strip(" .,;-")
    return _NON_WORD.sub(" ", folded).strip()


def level_of(name: str, levels: tuple[str, ...] | list[str]) -> str:
    """The level a variant is done at, from its name first (more specific), else its levels."""
    folded = fold_accents(name or "").lower()
    if re.search(r"trung uong\)|cap tw\)|cap trung uong|cuc quan ly xuat nhap canh|bo cong an$", folded):
        return CENTRAL
    if re.search(r"cap tinh\)|tai cong an cap tinh|phong quan ly xuat nhap canh|cap tinh$", folded):
        return PROVINCE
    if re.search(r"cap xa\)|tai cong an cap xa|cap xa$", folded):
        return COMMUNE
    levels = list(levels or [])
    if "Cấp xã" in levels:
        return COMMUNE
    if "Cấp tỉnh" in levels:
        return PROVINCE
    if "Cấp bộ" in levels:
        return CENTRAL
    return PROVINCE


_LEVEL_INTENT = [
    # "cán bộ công an" is a police officer, not the Ministry ("Bộ Công an").
    (CENTRAL, re.compile(r"\b(trung uong|(?<!can )bo cong an|cuc quan ly|cap bo|o bo|tai bo|tai cuc|len cuc|len bo|"
                         r"bo truong)\b")),
    # "Sở Tư pháp", "Sở Xây dựng"... by name: folded, "sở" is also "sổ" and "số" ("sổ hồng", "quyền sở hữu").
    (PROVINCE, re.compile(r"\b(cap tinh|o tinh|tai tinh|len tinh|cong an tinh|ubnd tinh|uy ban tinh|"
                          r"uy ban nhan dan tinh|chu tich tinh|phong quan ly xuat nhap canh|"
                          r"so (?:tu phap|xay dung|tai nguyen|noi vu|lao dong|giao thong|y te|giao duc|"
                          r"cong thuong|ke hoach|tai chinh|nong nghiep|van hoa|khoa hoc|thong tin|ngoai vu|"
                          r"du lich|dan toc|tnmt|gtvt|ldtbxh|khdt|nn ptnt|nnptnt|tp|xd|yt|gd))\b")),
    # Folded, "phường" is also "phương" ("phương tiện", "địa phương"): only where it is a place.
    (COMMUNE, re.compile(r"\b(cap xa|o xa|tai xa|ubnd xa|uy ban xa|cong an xa|cap phuong|"
                         r"(?:o|tai|len|ra|den|ubnd|uy ban|cong an) phuong|phuong (?:xa|minh|em|toi|nha|\d+))\b")),
]


# A ministry or one of its departments named as the one that granted, manages or decides ("giấy
# phép do Bộ cấp", "thuộc thẩm quyền Bộ", "xin Bộ Tài chính chấp thuận", "làm ở Cục xuất nhập
# cảnh"). Weaker than the cues above: a message that also names a local office ("Bộ cấp phép,
# giờ đăng ký ở Sở Tư pháp") asks about the local step.
# "cán bộ cấp xã" is an official; "bố mẹ" and "thuốc bổ" fold to "bo" too, hence the verbs.
_MINISTRY_RE = re.compile(
    r"\b(?:(?<!can )bo (?:cap|giao|quan ly|bo nhiem|chu quan|phe duyet|cho phep|chap thuan)"
    r"|tham quyen (?:cap phep |phe duyet |giai quyet |quan ly )?(?:cua )?bo|thuoc bo (?:quan ly|cap)|cuc thuoc bo"
    r"|(?:o|nop|gui|toi|den) cuc|cuc xuat nhap canh|cuc canh sat"
    r"|bo (?:tu phap|tai chinh|xay dung|y te|cong thuong|giao duc|noi vu|ngoai giao|quoc phong|khoa hoc|"
    r"nong nghiep|tai nguyen|giao thong|lao dong|ke hoach|van hoa|thong tin|dan toc|tnmt|gtvt|khcn|"
    r"gddt|ldtbxh|vhttdl|tttt|khdt))\b")


def requested_level(query_folded: str) -> str | None:
    """The level a message explicitly asks for, or None (then a local variant is preferred)."""
    for level, pattern in _LEVEL_INTENT:
        if pattern.search(query_folded):
            return level
    if _MINISTRY_RE.search(query_folded):
        return CENTRAL
    return None


def preference(variant_level: str, wanted: str | None) -> int:
    """Rank key among variants of one procedure: lower is preferred."""
    if wanted is not None:
        return 0 if variant_level == wanted else 1
    return {COMMUNE: 0, PROVINCE: 0, CENTRAL: 1}.get(variant_level, 1)
