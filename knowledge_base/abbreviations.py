"""Curated abbreviation / teencode table for Vietnamese citizen messages.

This module is pure data (plus one tiny merge helper). It is read by
``knowledge_base.normalize.expand_abbreviations`` and is meant to be reviewed
by humans, so every section is commented and every doubtful choice is
explained next to the entry.

Conventions (checked by ``tests/test_normalize.py``):

* Keys are lowercase, NFC, and spelled with the canonical tone-mark style of
  ``normalize_tone_marks`` (traditional style: "hòa", "thủy", "ủy").
  Matching is case-insensitive and done on whole tokens, so a key never
  matches inside a longer word ("ko" does not match "kon").
* A key may contain several tokens separated by single spaces (a phrase).
  In the text the tokens of a phrase may be separated by whitespace, a
  hyphen or a dot ("tp.hcm", "cà-vẹt"). The longest phrase wins.
* Unaccented spellings are listed explicitly; nothing is generated
  automatically, so what you read here is exactly what is matched.
* Tokens containing a digit ("50k", "b2", "68/2020/qh14") are codes and are
  never split; only a whole-token key such as "kt3" can match them. A bare
  number may be part of a phrase key ("2 thành viên").
* Single-letter keys (``k``, ``v``, ``r``, ...) only match when typed in
  lowercase and not in a legal enumeration ("điểm e", "a, b, c, d, đ, e",
  "e)") -- see ``SINGLE_LETTER_GUARD_WORDS``.

Three tables are exported:

``ABBREVIATIONS``   token or phrase -> replacement (the original is dropped).
``COLLOQUIAL_TERMS`` colloquial name -> official term; the citizen's words
                    are KEPT and the official term is appended after them
                    ("sổ đỏ" -> "sổ đỏ giấy chứng nhận quyền sử dụng đất"),
                    so nothing the citizen wrote is lost.
``CONTEXTUAL``      ambiguous tokens resolved from the neighbouring tokens;
                    when no rule applies the token is left unchanged.

Ambiguous forms deliberately NOT expanded anywhere (left as typed):
  "a" (anh / à / ạ / "điểm a"), "c" (chị / có / của), "b" (bạn / hạng B),
  "t" (tôi / tỉnh), "tt" (thủ tục / thông tin / thường trú / tạm trú /
  thông tư / trung tâm), "dt" (diện tích / điện thoại), "dn" (doanh nghiệp /
  Đà Nẵng / Đồng Nai), "nd" (nghị định / nội dung / nhân dân), "hd"/"hđ"
  (hợp đồng / hóa đơn / hướng dẫn / hội đồng), "kh" (không / khách hàng /
  kế hoạch / kết hôn), "kg" (kilogram), "ms" (mới / mã số), "bh" (bảo hiểm /
  bây giờ / bảo hành), "xn" (xác nhận / xét nghiệm), "gt" (giấy tờ / giới
  thiệu / giao thông), "kt" (khai tử / kiểm tra / kinh tế), "đktt"
  (thường trú or tạm trú), "nhiu" (nhiều or the southern "nhiêu" = bao
  nhiêu), "duoc" (được / dược), "roi" (rồi / rơi), "hong" (không / hồng),
  "kong" (also "Hong Kong"), "sỹ" (personal names), "q1"/"p1" (quận 1 or
  quý 1 in tax declarations), "qlhc"/"ttxh" (the C06 department's name: spelt
  out, it pulled every procedure "tại Cục Cảnh sát quản lý hành chính về trật tự
  xã hội" ahead of the one asked about), "fdi" ("đầu tư nước ngoài" pulled
  investment abroad, the opposite direction), "ct" (công ty / chứng thực /
  chương trình), "cn" (chi nhánh / cá nhân / chứng nhận).
"""

from __future__ import annotations


def _merge(*sections: dict[str, str]) -> dict[str, str]:
    """Merge sections, refusing silent overrides (a duplicate key is a bug)."""
    merged: dict[str, str] = {}
    for section in sections:
        for key, value in section.items():
            if key in merged:
                raise ValueError(f"duplicate abbreviation key: {key!r}")
            merged[key] = value
    return merged


# ---------------------------------------------------------------------------
# Identity documents: citizen ID, old ID card, electronic identity (VNeID)
# ---------------------------------------------------------------------------
_IDENTITY = {
    "cccd": "căn cước công dân",
    "cccđ": "căn cước công dân",  # common slip of the Telex "dd"
    "ccd": "căn cước công dân",  # "thẻ ccd" (dropped letter)
    "cmnd": "chứng minh nhân dân",
    "cmtnd": "chứng minh nhân dân",
    "cmt": "chứng minh nhân dân",  # "chứng minh thư" = the old ID card
    "cmnđ": "chứng minh nhân dân",
    "vnied": "vneid",  # typo
    "vneld": "vneid",  # typo (l for i)
    "vn eid": "vneid",
    "vnid": "vneid",
    "đddt": "định danh điện tử",
    "dddt": "định danh điện tử",
    "đdđt": "định danh điện tử",
    "mđd": "mã định danh",
    "mdd": "mã định danh",
    "lltp": "lý lịch tư pháp",
}

# ---------------------------------------------------------------------------
# Residence: permanent / temporary residence, household book
# ---------------------------------------------------------------------------
_RESIDENCE = {
    "shk": "sổ hộ khẩu",
    "sổ hk": "sổ hộ khẩu",
    "so hk": "sổ hộ khẩu",
    "hộ khảu": "hộ khẩu",  # typo (wrong tone)
    "ho khau": "hộ khẩu",
    "tạm chú": "tạm trú",  # ch/tr confusion (northern pronunciation)
    "thường chú": "thường trú",
    "tam tru": "tạm trú",
    "thuong tru": "thường trú",
    "tạm vắn": "tạm vắng",  # dropped final g
    "ttru": "tạm trú",
    "thtru": "thường trú",
}

# ---------------------------------------------------------------------------
# Civil status: birth, death, marriage, divorce, marital-status certificate
# ---------------------------------------------------------------------------
_CIVIL_STATUS = {
    "gks": "giấy khai sinh",
    "giấy ks": "giấy khai sinh",
    "giay ks": "giấy khai sinh",
    "đkks": "đăng ký khai sinh",
    "dkks": "đăng ký khai sinh",
    "đkkh": "đăng ký kết hôn",
    "dkkh": "đăng ký kết hôn",
    "gcnkh": "giấy chứng nhận kết hôn",
    "đkkt": "đăng ký khai tử",
    "dkkt": "đăng ký khai tử",
    "gbt": "giấy báo tử",
    "xntthn": "xác nhận tình trạng hôn nhân",
    "xnttn": "xác nhận tình trạng hôn nhân",
    "xnhn": "xác nhận tình trạng hôn nhân",
    "li hôn": "ly hôn",  # i/y spelling variant
    "li hon": "ly hôn",
    "ly hon": "ly hôn",
    "khai sin": "khai sinh",  # dropped final h
    "kết hông": "kết hôn",  # typo
    "uq": "ủy quyền",
}

# ---------------------------------------------------------------------------
# Passport, visa, people abroad
# ---------------------------------------------------------------------------
_PASSPORT = {
    "hộ chíu": "hộ chiếu",  # teencode spelling
    "ho chieu": "hộ chiếu",
    "hchieu": "hộ chiếu",
    "hchiếu": "hộ chiếu",
    "xnc": "xuất nhập cảnh",
    "qlxnc": "quản lý xuất nhập cảnh",
    "nnn": "người nước ngoài",
}

# ---------------------------------------------------------------------------
# Driving licence and vehicles
# ---------------------------------------------------------------------------
_DRIVING_VEHICLE = {
    "gplx": "giấy phép lái xe",
    "blx": "giấy phép lái xe",
    "đkx": "đăng ký xe",
    "dkx": "đăng ký xe",
    "đkxe": "đăng ký xe",
    "dkxe": "đăng ký xe",
    "bsx": "biển số xe",
    "bks": "biển kiểm soát",
    "oto": "ô tô",
    "ôtô": "ô tô",
    "o to": "ô tô",
    "xe mấy": "xe máy",  # typo
    "xe may": "xe máy",
    "csgt": "cảnh sát giao thông",
    "đăng kiêm": "đăng kiểm",  # typo
    "dang kiem": "đăng kiểm",
}

# ---------------------------------------------------------------------------
# Land, housing, construction
# ---------------------------------------------------------------------------
_LAND_CONSTRUCTION = {
    "gcn": "giấy chứng nhận",
    "gcnqsdđ": "giấy chứng nhận quyền sử dụng đất",
    "gcnqsdd": "giấy chứng nhận quyền sử dụng đất",
    "gcnqsd": "giấy chứng nhận quyền sử dụng",
    "qsdđ": "quyền sử dụng đất",
    "qsdd": "quyền sử dụng đất",
    "qsd": "quyền sử dụng",
    "qsd đất": "quyền sử dụng đất",
    "qsd dat": "quyền sử dụng đất",
    "qsh": "quyền sở hữu",
    "sdđ": "sử dụng đất",  # "mục đích sdđ", "giấy cn qsdđ" typed apart
    "sdd": "sử dụng đất",
    "mđsdđ": "mục đích sử dụng đất",
    "mdsdd": "mục đích sử dụng đất",
    "bđs": "bất động sản",
    "bds": "bất động sản",
    "gpxd": "giấy phép xây dựng",
    "gp xây dựng": "giấy phép xây dựng",
    "xd": "xây dựng",
    "vpđkđđ": "văn phòng đăng ký đất đai",
    "vpdkdd": "văn phòng đăng ký đất đai",
    "vpđk": "văn phòng đăng ký",
    "vpdk": "văn phòng đăng ký",
    "tnmt": "tài nguyên và môi trường",
    "stnmt": "sở tài nguyên và môi trường",
    "tach thua": "tách thửa",
}

# ---------------------------------------------------------------------------
# Business registration, household business
# ---------------------------------------------------------------------------
_BUSINESS = {
    "hkd": "hộ kinh doanh",
    "kd": "kinh doanh",
    "đkkd": "đăng ký kinh doanh",
    "dkkd": "đăng ký kinh doanh",
    # "giấy phép kinh doanh" is kept distinct from "đăng ký kinh doanh": it is
    # also the name of sector licences (transport, karaoke...).
    "gpkd": "giấy phép kinh doanh",
    "gcnđkkd": "giấy chứng nhận đăng ký kinh doanh",
    "gcndkkd": "giấy chứng nhận đăng ký kinh doanh",
    "đkdn": "đăng ký doanh nghiệp",
    "dkdn": "đăng ký doanh nghiệp",
    "msdn": "mã số doanh nghiệp",
    "tnhh": "trách nhiệm hữu hạn",
    "htx": "hợp tác xã",
    # Company and organisation shorthands of business messages ("cty e", "ctcp", "dntn").
    "cty": "công ty",
    "ctcp": "công ty cổ phần",
    "cty cp": "công ty cổ phần",
    "dntn": "doanh nghiệp tư nhân",
    "vpđd": "văn phòng đại diện",
    "vpdd": "văn phòng đại diện",
    "sxkd": "sản xuất kinh doanh",
    "xnk": "xuất nhập khẩu",
    "hq": "hải quan",
    "nđt": "nhà đầu tư",  # accented only: unaccented "ndt" is also nhân dân tệ
    "tctd": "tổ chức tín dụng",
    "mtv": "một thành viên",  # "cty tnhh mtv"
    "hđqt": "hội đồng quản trị",
    "hdqt": "hội đồng quản trị",
    "đhđcđ": "đại hội đồng cổ đông",
    "dhdcd": "đại hội đồng cổ đông",
    "bctc": "báo cáo tài chính",
    "kbnn": "kho bạc nhà nước",
    "nsnn": "ngân sách nhà nước",
    "tscđ": "tài sản cố định",
    "tscd": "tài sản cố định",
    "tsbđ": "tài sản bảo đảm",
    "tsbd": "tài sản bảo đảm",
    "ctv": "cộng tác viên",
    "nhnn": "ngân hàng nhà nước",
    "tmcp": "thương mại cổ phần",  # "ngân hàng TMCP"
    "ctck": "công ty chứng khoán",
    # spelt out with the legal kind the colloquial table adds to the full name
    "qtdnd": "quỹ tín dụng nhân dân tổ chức tín dụng là hợp tác xã",
    "tctcvm": "tổ chức tài chính vi mô",
    "tmđt": "thương mại điện tử",
    "tmdt": "thương mại điện tử",
    "bvtv": "bảo vệ thực vật",  # "thuốc BVTV"
    "khđt": "kế hoạch và đầu tư",
    "khdt": "kế hoạch và đầu tư",
    "skhđt": "sở kế hoạch và đầu tư",
    "skhdt": "sở kế hoạch và đầu tư",
    "attp": "an toàn thực phẩm",
    "vsattp": "vệ sinh an toàn thực phẩm",
    "pccc": "phòng cháy chữa cháy",
}

# ---------------------------------------------------------------------------
# Social insurance, health insurance, labour
# ---------------------------------------------------------------------------
_INSURANCE_LABOUR = {
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "bhtn": "bảo hiểm thất nghiệp",
    "bhxhvn": "bảo hiểm xã hội việt nam",
    "tnlđ": "tai nạn lao động",
    "tnld": "tai nạn lao động",
    "hđlđ": "hợp đồng lao động",
    "hdld": "hợp đồng lao động",
    "nlđ": "người lao động",
    "nld": "người lao động",
    "nsdlđ": "người sử dụng lao động",
    "nsdld": "người sử dụng lao động",
    "cbcc": "cán bộ công chức",
    "lđtbxh": "lao động thương binh và xã hội",
    "ldtbxh": "lao động thương binh và xã hội",
    "tbxh": "thương binh và xã hội",
}

# ---------------------------------------------------------------------------
# Tax
# ---------------------------------------------------------------------------
_TAX = {
    "mst": "mã số thuế",
    "mã số thuê": "mã số thuế",  # typo (missing sắc)
    "tncn": "thu nhập cá nhân",
    "gtgt": "giá trị gia tăng",
    "cqt": "cơ quan thuế",
    "hđđt": "hóa đơn điện tử",
    "hddt": "hóa đơn điện tử",
}

# ---------------------------------------------------------------------------
# Agencies, administrative units, e-government, legal documents
# ---------------------------------------------------------------------------
_AGENCIES_LEGAL = {
    "ubnd": "ủy ban nhân dân",
    "ub": "ủy ban",
    "hđnd": "hội đồng nhân dân",
    "hdnd": "hội đồng nhân dân",
    "cqnn": "cơ quan nhà nước",
    "cq": "cơ quan",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "dvcqg": "dịch vụ công quốc gia",
    "dvctt": "dịch vụ công trực tuyến",
    "hcc": "hành chính công",
    "ttpvhcc": "trung tâm phục vụ hành chính công",
    "bpmc": "bộ phận một cửa",
    "stp": "sở tư pháp",
    "sxd": "sở xây dựng",
    "csdl": "cơ sở dữ liệu",
    "kcn": "khu công nghiệp",
    "kcx": "khu chế xuất",
    "ubck": "ủy ban chứng khoán",
    "ubcknn": "ủy ban chứng khoán nhà nước",
    "antt": "an ninh trật tự",
    "tnxp": "thanh niên xung phong",
    "tgpl": "trợ giúp pháp lý",
    # Ministries and departments as their names are shortened ("Sở NN&MT", "Bộ KH&CN"); "&" may
    # join the parts.
    "nn mt": "nông nghiệp và môi trường",
    "nnmt": "nông nghiệp và môi trường",
    "tn mt": "tài nguyên và môi trường",
    "nn ptnt": "nông nghiệp và phát triển nông thôn",
    "nnptnt": "nông nghiệp và phát triển nông thôn",
    "kh cn": "khoa học và công nghệ",
    "khcn": "khoa học và công nghệ",
    "kh đt": "kế hoạch và đầu tư",
    "kh dt": "kế hoạch và đầu tư",
    "gd đt": "giáo dục và đào tạo",
    "gd dt": "giáo dục và đào tạo",
    "gdđt": "giáo dục và đào tạo",
    "gddt": "giáo dục và đào tạo",
    "qđ": "quyết định",
    "qd": "quyết định",
    "nđ": "nghị định",  # accented only: unaccented "nd" is ambiguous
    "nđcp": "nghị định chính phủ",
    "ttlt": "thông tư liên tịch",
    "vbpl": "văn bản pháp luật",
    "vbqppl": "văn bản quy phạm pháp luật",
    "tphcm": "thành phố hồ chí minh",
    "tp hcm": "thành phố hồ chí minh",
    "hcm": "hồ chí minh",
    "hà lội": "hà nội",  # l/n confusion
    "ha noi": "hà nội",
    "vn": "việt nam",
    "sđt": "số điện thoại",
    "sdt": "số điện thoại",
    "đ/c": "địa chỉ",
    "đchỉ": "địa chỉ",
    "đchi": "địa chỉ",
    "dchi": "địa chỉ",
}

# ---------------------------------------------------------------------------
# Procedure vocabulary (words citizens abbreviate when asking)
# ---------------------------------------------------------------------------
_PROCEDURE_WORDS = {
    "đky": "đăng ký",
    "dky": "đăng ký",
    "đkí": "đăng ký",
    "dki": "đăng ký",
    "dang ki": "đăng ký",
    "dăng ký": "đăng ký",  # d instead of đ (Telex slip)
    "dăng kí": "đăng ký",
    "đăng kí": "đăng ký",
    "đkiện": "điều kiện",
    "dkien": "điều kiện",
    "đkien": "điều kiện",
    "hso": "hồ sơ",
    "hsơ": "hồ sơ",
    "hồ xơ": "hồ sơ",  # s/x confusion
    "giây tờ": "giấy tờ",  # missing sắc ("giây" = second)
    "giây phép": "giấy phép",
    "giấy tơ": "giấy tờ",
    "gp": "giấy phép",
    "kq": "kết quả",
    "tg": "thời gian",
    "tgian": "thời gian",
    "thgian": "thời gian",
    "lphi": "lệ phí",
    "lệ phi": "lệ phí",
    "onl": "online",
    "thủ tuc": "thủ tục",
    "thu tuc": "thủ tục",
}

# ---------------------------------------------------------------------------
# Spelling variants (i/y) unified to the dictionary spelling.
# Only forms that are unambiguous in administrative language.
# ---------------------------------------------------------------------------
_SPELLING = {
    "kí": "ký",
    "kì": "kỳ",
    "kỉ": "kỷ",
    "lí": "lý",
    "quí": "quý",
    "qui": "quy",
    "quì": "quỳ",
    "mĩ": "mỹ",
    "kĩ": "kỹ",
    "hi vọng": "hy vọng",
}

# ---------------------------------------------------------------------------
# Chat teencode. Short forms here are very common in hotline chats.
# ---------------------------------------------------------------------------
_TEENCODE = {
    # không
    "ko": "không",
    "k": "không",  # single letter: lowercase only, guarded (see module doc)
    "k0": "không",
    "kô": "không",
    "khg": "không",
    "khog": "không",
    "khôg": "không",
    "hok": "không",
    "hôk": "không",
    "hông": "không",  # southern speech; unaccented "hong" is NOT mapped
    "hổng": "không",
    "khong": "không",
    "khum": "không",
    # được
    "đc": "được",
    "dc": "được",
    "đươc": "được",
    "đựoc": "được",
    # NOTE: "đk"/"dk", "bn", "mk", "hk", "hc", "tk", "cc", "ks", "hs", "tp",
    # "hn", "ca" are ambiguous and live in CONTEXTUAL below.
    # gì / như thế nào / bao nhiêu
    "j": "gì",
    "gi": "gì",  # unaccented "gi" as a standalone token is always "gì"
    "ji": "gì",
    "ntn": "như thế nào",
    "ntnao": "như thế nào",
    "thế lào": "thế nào",
    "bnhiu": "bao nhiêu",
    "bnhiêu": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "baonhieu": "bao nhiêu",
    "baonhiêu": "bao nhiêu",
    "bao nhiu": "bao nhiêu",
    "bao nhìu": "bao nhiêu",
    "nhìu": "nhiều",
    "bao lau": "bao lâu",
    "bgiờ": "bao giờ",
    "bgio": "bao giờ",
    # people / pronouns
    "ad": "admin",
    "e": "em",  # single letter: lowercase only, guarded
    "mik": "mình",
    "mìk": "mình",
    "mjk": "mình",
    "mjnh": "mình",
    "a/c": "anh chị",
    "ng": "người",
    "ngta": "người ta",
    "mn": "mọi người",
    "mng": "mọi người",
    # particles and small words
    "vs": "với",
    "r": "rồi",  # single letter: lowercase only, guarded
    "rùi": "rồi",
    "ròi": "rồi",
    "oy": "rồi",
    "gòi": "rồi",
    "z": "vậy",  # single letter: lowercase only, guarded
    "v": "vậy",  # single letter: lowercase only, guarded
    "zậy": "vậy",
    "dzậy": "vậy",
    "ak": "à",
    "ah": "à",
    "ạk": "ạ",
    "nhá": "nhé",
    "wá": "quá",
    "qá": "quá",
    "wa": "qua",  # "nộp wa mạng" -> qua; folded identical to "quá" anyway
    "bít": "biết",
    "bik": "biết",
    "bjk": "biết",
    "bjt": "biết",
    "mún": "muốn",
    "cx": "cũng",
    "cũg": "cũng",
    "cug": "cũng",
    "trc": "trước",
    "đag": "đang",
    "dag": "đang",
    "lm": "làm",
    "thui": "thôi",
    "h": "giờ",  # "mấy h" -> mấy giờ; single letter: lowercase only, guarded
    "bây h": "bây giờ",
    "hum": "hôm",
    "hnay": "hôm nay",
    "hqua": "hôm qua",
    "tks": "cảm ơn",
    "thks": "cảm ơn",
    "thanks": "cảm ơn",
    "thank": "cảm ơn",
    "thank you": "cảm ơn",
    "cám ơn": "cảm ơn",
    "camon": "cảm ơn",
    "oke": "ok",
    "okie": "ok",
    "oki": "ok",
    "okê": "ok",
    "okey": "ok",
    "pls": "làm ơn",
    "plz": "làm ơn",
    "nhưg": "nhưng",
    "nhg": "nhưng",
    "đươc ko": "được không",
    "dc ko": "được không",
    "đc ko": "được không",
    "dc k": "được không",
    "đc k": "được không",
    "đc hk": "được không",
    "dc hk": "được không",
    "dc hok": "được không",
    "đc hok": "được không",
}

# The complete replacement table.
ABBREVIATIONS: dict[str, str] = _merge(
    _IDENTITY,
    _RESIDENCE,
    _CIVIL_STATUS,
    _PASSPORT,
    _DRIVING_VEHICLE,
    _LAND_CONSTRUCTION,
    _BUSINESS,
    _INSURANCE_LABOUR,
    _TAX,
    _AGENCIES_LEGAL,
    _PROCEDURE_WORDS,
    _SPELLING,
    _TEENCODE,
)

# ---------------------------------------------------------------------------
# Colloquial names of documents and procedures. The citizen's words are kept
# and the official term is APPENDED, so search can match both the catalog's
# official wording and any text that uses the colloquial one.
# ---------------------------------------------------------------------------
COLLOQUIAL_TERMS: dict[str, str] = _merge(
    {
        # driving licence
        "bằng lái": "giấy phép lái xe",
        "bằng lái xe": "giấy phép lái xe",
        "bang lai": "giấy phép lái xe",
        "bang lai xe": "giấy phép lái xe",
        "bằng xe máy": "giấy phép lái xe",
        "bằng ô tô": "giấy phép lái xe",
        # vehicle registration certificate ("cà vẹt", from French "carte verte")
        "cà vẹt": "giấy đăng ký xe",
        "cà vẹt xe": "giấy đăng ký xe",
        "cà vẹc": "giấy đăng ký xe",
        "cà vét": "giấy đăng ký xe",
        "ca vet": "giấy đăng ký xe",
        "ca vet xe": "giấy đăng ký xe",
        "cavet": "giấy đăng ký xe",
        "cavẹt": "giấy đăng ký xe",
        # land-use right certificates. "so do" may also be "sơ đồ"; since the
        # original words are kept, a wrong guess only adds words.
        "sổ đỏ": "giấy chứng nhận quyền sử dụng đất",
        "so do": "giấy chứng nhận quyền sử dụng đất",
        "sổ hồng": "giấy chứng nhận quyền sử dụng đất quyền sở hữu nhà ở",
        "so hong": "giấy chứng nhận quyền sử dụng đất quyền sở hữu nhà ở",
        "bìa đỏ": "giấy chứng nhận quyền sử dụng đất",
        "bìa hồng": "giấy chứng nhận quyền sử dụng đất quyền sở hữu nhà ở",
        "sổ nhà đất": "giấy chứng nhận quyền sử dụng đất",
        # marital status certificate
        "xác nhận độc thân": "xác nhận tình trạng hôn nhân",
        "xac nhan doc than": "xác nhận tình trạng hôn nhân",
        "giấy độc thân": "xác nhận tình trạng hôn nhân",
        "giay doc than": "xác nhận tình trạng hôn nhân",
        "giấy xác nhận độc thân": "xác nhận tình trạng hôn nhân",
        "giay xac nhan doc than": "xác nhận tình trạng hôn nhân",
        "chứng nhận độc thân": "xác nhận tình trạng hôn nhân",
        # divorce ("li dị" is first respelled to "ly dị" by ABBREVIATIONS,
        # phrases are looked up on the original tokens, so both are listed)
        "ly dị": "ly hôn",
        "ly di": "ly hôn",
        "li dị": "ly hôn",
        "li di": "ly hôn",
        # death
        "giấy chứng tử": "khai tử",
        "giay chung tu": "khai tử",
        # old residence book "KT3" (long-term temporary residence)
        "kt3": "tạm trú",
        # old ID card ("chứng minh thư" is the everyday name of the CMND)
        "chứng minh thư": "chứng minh nhân dân",
        "chung minh thu": "chứng minh nhân dân",
        # passport / visa (English words citizens use)
        "passport": "hộ chiếu",
        "pasport": "hộ chiếu",
        "visa": "thị thực",
        # electronic visa, typed as one word or hyphenated ("e-visa" is the phrase "e visa")
        "evisa": "thị thực điện tử",
        "e visa": "thị thực điện tử",
        # "mở công ty" is how founders say "thành lập"
        "mở công ty": "thành lập công ty",
        "mo cong ty": "thành lập công ty",
        "mở cty": "thành lập công ty",
        "mo cty": "thành lập công ty",
        "mở doanh nghiệp": "thành lập doanh nghiệp",
        "mo doanh nghiep": "thành lập doanh nghiệp",
        # a shop or business paused or closed for good, as owners say it
        "tạm nghỉ": "tạm ngừng",
        "tam nghi": "tạm ngừng",
        "nghỉ hẳn": "chấm dứt",
        "nghi han": "chấm dứt",
        "nghỉ luôn": "chấm dứt",
        "nghi luon": "chấm dứt",
        # company types: names spell the number of members out ("hai thành viên trở lên")
        "1 thành viên": "một thành viên",
        "1 thanh vien": "một thành viên",
        "2 thành viên": "hai thành viên trở lên",
        "2 thanh vien": "hai thành viên trở lên",
        "1tv": "một thành viên",
        "2tv": "hai thành viên trở lên",
        # three members or more is the same company type as two ("cty TNHH 3 thành viên")
        **{f"{count} {member}": "hai thành viên trở lên"
           for count in [str(n) for n in range(3, 51)] + ["ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười"]
           for member in ("thành viên", "thanh vien")},
        # "nhập khẩu" for a person is "nhập hộ khẩu", i.e. permanent residence (for goods it is
        # import: only the forms that name a person or a household are listed)
        **{f"{verb} {whom}": "đăng ký thường trú"
           for verb in ("nhập khẩu", "nhap khau")
           for whom in ("cho bé", "cho be", "cho con", "cho vợ", "cho vo", "cho chồng", "cho chong", "cho mẹ",
                        "cho me", "cho bố", "cho bo", "cho cháu", "cho chau", "vào hộ", "vao ho", "vào nhà",
                        "vao nha", "về nhà", "ve nha")},
        # residential land: "thổ cư" is the everyday word for "đất ở"; turning farmland into it
        # ("lên thổ cư", "lên đất ở") is a change of land use purpose
        "thổ cư": "đất ở",
        "tho cu": "đất ở",
        **{f"{verb} {land}": "chuyển mục đích sử dụng đất"
           for verb in ("lên", "len")
           for land in ("thổ cư", "tho cu", "đất ở", "dat o")},
        # plots merged into one certificate: "gộp 2 thửa" is the catalog's "hợp thửa"
        **{f"{verb} {count}{plot}": "hợp thửa"
           for verb in ("gộp", "gop")
           for count in ("", "2 ", "hai ", "các ", "cac ")
           for plot in ("thửa", "thua", "mảnh đất", "manh dat", "mảnh", "manh")},
        # sick leave paid by social insurance is the "chế độ ốm đau"
        "nghỉ ốm": "chế độ ốm đau",
        "nghi om": "chế độ ốm đau",
        # moving one's household registration is a permanent residence registration
        **{f"{verb} {book}": "đăng ký thường trú"
           for verb in ("chuyển", "chuyen")
           for book in ("hộ khẩu", "ho khau")},
        # southern and everyday words for what names call otherwise
        "heo": "lợn",
        "xe hơi": "ô tô",
        "xe hoi": "ô tô",
        # foreign-born acronyms of business and travel
        "ipo": "chào bán cổ phiếu lần đầu ra công chúng",
        "idp": "giấy phép lái xe quốc tế",
        # finance and leasing companies are the catalog's non-bank credit institutions
        **{company: "tổ chức tín dụng phi ngân hàng"
           for company in ("công ty tài chính", "cong ty tai chinh", "cty tài chính", "cty tai chinh",
                           "công ty cho thuê tài chính", "cong ty cho thue tai chinh")},
        # VAT is the "thuế giá trị gia tăng"; "vat" alone stays as typed (unaccented "vật")
        **{f"{word} vat": f"{word} giá trị gia tăng"
           for word in ("thuế", "thue", "hóa đơn", "hoa don")},
        # a tax residence certificate is the "xác nhận đối tượng cư trú"
        "cư trú thuế": "đối tượng cư trú",
        "cu tru thue": "đối tượng cư trú",
        # the legal kind the catalog names for a firm people call by its own kind
        **{firm: "tổ chức hành nghề luật sư"
           for firm in ("văn phòng luật sư", "van phong luat su", "công ty luật", "cong ty luat")},
        **{fund: "tổ chức tín dụng là hợp tác xã"
           for fund in ("quỹ tín dụng nhân dân", "quy tin dung nhan dan", "ngân hàng hợp tác xã",
                        "ngan hang hop tac xa")},
        # getting married, as couples say it
        "sắp cưới": "kết hôn",
        "sap cuoi": "kết hôn",
        "muốn cưới": "kết hôn",
        "muon cuoi": "kết hôn",
        "cưới nhau": "kết hôn",
        "cuoi nhau": "kết hôn",
        # a mortgage is a security interest ("biện pháp bảo đảm") in the catalog's words
        "thế chấp": "biện pháp bảo đảm",
        "the chap": "biện pháp bảo đảm",
        # a vehicle, a machine or goods pledged are movable property ("động sản"), not land
        **{f"{verb} {article}{thing}": "biện pháp bảo đảm bằng động sản"
           for verb in ("thế chấp", "the chap")
           for article in ("", "chiếc ", "chiec ", "lô ", "lo ")
           for thing in ("xe", "ô tô", "o to", "xe ô tô", "xe o to", "xe máy", "xe may", "máy xúc", "may xuc",
                         "máy móc", "may moc", "thiết bị", "thiet bi", "hàng hóa", "hang hoa")},
        # a vehicle bought second-hand is registered to its new owner ("sang tên xe")
        **{f"{verb} {article}{vehicle}": "sang tên xe"
           for verb in ("mua lại", "mua lai")
           for article in ("", "chiếc ", "chiec ", "con ")
           for vehicle in ("xe", "xe máy", "xe may", "ô tô", "o to", "xe ô tô", "xe o to")},
        # motorbikes by their model, as owners say it ("con Wave", "chiếc SH"); only after
        # "xe", "con" or "chiếc", where the word cannot be anything else
        **{f"{lead} {model}": "xe máy"
           for lead in ("xe", "con", "chiếc", "chiec")
           for model in ("wave", "sh", "vision", "air blade", "airblade", "exciter", "dream", "future",
                         "lead", "vespa", "sirius", "winner", "jupiter")},
    },
)

# ---------------------------------------------------------------------------
# Ambiguous tokens resolved from context.
#
# Each entry is a tuple of rules tried in order; the first rule whose
# conditions hold gives the replacement. A rule is a dict with:
#   "to":   the replacement;
#   "prev": phrases that must end right before the token (any of them);
#   "next": phrases that must start right after the token (any of them);
#   both conditions, when present, must hold. A rule with neither is the
#   default. If no rule matches, the token is left unchanged.
# Neighbouring tokens are compared lowercase, BEFORE any expansion.
# A CONTEXTUAL entry takes precedence over an ABBREVIATIONS entry with the
# same key; multi-token ABBREVIATIONS phrases (e.g. "dk ko") still win
# because longer matches are tried first.
# ---------------------------------------------------------------------------
CONTEXTUAL: dict[str, tuple[dict, ...]] = {
    # đk / dk: "đăng ký" in most procedure questions, "điều kiện" after
    # "đủ / các / những" or before "gì".
    "đk": (
        {"prev": {"đủ", "du", "các", "cac", "những", "nhung"}, "to": "điều kiện"},
        {"next": {"gì", "gi", "j"}, "to": "điều kiện"},
        {"to": "đăng ký"},
    ),
    "dk": (
        {"prev": {"đủ", "du", "các", "cac", "những", "nhung"}, "to": "điều kiện"},
        {"next": {"gì", "gi", "j"}, "to": "điều kiện"},
        {"to": "đăng ký"},
    ),
    # hk: "hộ khẩu" after household-book verbs, otherwise "không".
    "hk": (
        {
            "prev": {
                "sổ", "so", "nhập", "nhap", "tách", "tach", "chuyển", "chuyen",
                "cắt", "cat", "xóa", "xoa", "đăng ký", "dang ky", "đk", "dk",
            },
            "to": "hộ khẩu",
        },
        {"next": {"thường trú", "thuong tru", "gốc", "goc"}, "to": "hộ khẩu"},
        {"to": "không"},
    ),
    # hc: "hộ chiếu" with passport verbs, "hành chính" after "thủ tục" etc.;
    # otherwise untouched (also "học", "hóa chất"...).
    "hc": (
        {
            "prev": {
                "làm", "lam", "cấp", "cap", "đổi", "doi", "gia hạn", "gia han",
                "xin", "mất", "mat", "cấp lại", "cap lai", "cấp đổi", "cap doi",
            },
            "to": "hộ chiếu",
        },
        {
            "next": {
                "phổ thông", "pho thong", "gắn chip", "gan chip", "hết hạn",
                "het han", "online",
            },
            "to": "hộ chiếu",
        },
        {
            "prev": {
                "thủ tục", "thu tuc", "cải cách", "cai cach", "trung tâm",
                "trung tam", "đơn vị", "don vi", "cơ quan", "co quan",
            },
            "to": "hành chính",
        },
    ),
    # mk: "mật khẩu" around account words, otherwise "mình".
    "mk": (
        {
            "prev": {
                "quên", "quen", "đổi", "doi", "nhập", "nhap", "sai", "lấy lại",
                "lay lai", "đặt lại", "dat lai", "khôi phục", "khoi phuc",
                "reset", "cấp lại", "cap lai",
            },
            "to": "mật khẩu",
        },
        {"next": {"vneid", "tài khoản", "tai khoan", "đăng nhập", "dang nhap"}, "to": "mật khẩu"},
        {"to": "mình"},
    ),
    # bn: "bao nhiêu" by default, "bạn" when addressing someone.
    "bn": (
        {"next": {"ơi", "oi"}, "to": "bạn"},
        {"prev": {"chào", "chao", "ơn", "on", "hỏi", "giúp", "giup", "với"}, "to": "bạn"},
        {"to": "bao nhiêu"},
    ),
    # tk: "tài khoản" near account words; "tk" alone ("thanks") is left alone.
    "tk": (
        {
            "prev": {
                "tạo", "tao", "mở", "mo", "đăng nhập", "dang nhap", "khóa",
                "khoa", "lập", "lap", "kích hoạt", "kich hoat", "mất", "mat",
            },
            "to": "tài khoản",
        },
        {
            "next": {
                "vneid", "ngân hàng", "ngan hang", "định danh", "dinh danh",
                "dịch vụ công", "dich vu cong", "dvc", "dvcqg",
            },
            "to": "tài khoản",
        },
    ),
    # cc: "căn cước" (chip card), "chứng chỉ" (professional certificate);
    # otherwise untouched (also "công chứng", "carbon copy", slang).
    "cc": (
        {"next": {"gắn chip", "gan chip", "chip", "công dân", "cong dan"}, "to": "căn cước"},
        {"prev": {"thẻ", "the", "làm", "lam", "cấp", "cap", "đổi", "doi", "mất", "mat"}, "to": "căn cước"},
        {"next": {"hành nghề", "hanh nghe"}, "to": "chứng chỉ"},
    ),
    # ks: "khai sinh" after birth-certificate words; otherwise untouched
    # ("khách sạn", "kỹ sư").
    "ks": (
        {
            "prev": {
                "giấy", "giay", "đăng ký", "dang ky", "đk", "dk", "trích lục",
                "trich luc", "làm", "lam", "bản sao", "ban sao",
            },
            "to": "khai sinh",
        },
    ),
    # hs: "hồ sơ" by default, "học sinh" next to school words.
    "hs": (
        {"next": {"sv", "sinh viên", "sinh vien", "lớp", "lop", "trường", "truong"}, "to": "học sinh"},
        {"prev": {"trường", "truong", "cho"}, "next": {"sv"}, "to": "học sinh"},
        {"to": "hồ sơ"},
    ),
    # tp: "thành phần" before "hồ sơ", otherwise "thành phố".
    "tp": (
        {"next": {"hồ sơ", "ho so", "hs"}, "to": "thành phần"},
        {"to": "thành phố"},
    ),
    # hn: "hôn nhân" after "tình trạng", otherwise "Hà Nội".
    "hn": (
        {"prev": {"trạng", "trang", "tình trạng", "tinh trang", "tt"}, "to": "hôn nhân"},
        {"to": "hà nội"},
    ),
    # ca: "công an" before an administrative level; otherwise untouched.
    "ca": (
        {
            "next": {
                "phường", "phuong", "xã", "xa", "huyện", "huyen", "quận", "quan",
                "tỉnh", "tinh", "thành phố", "thanh pho", "tp",
            },
            "to": "công an",
        },
    ),
}

# Words after which a single letter is a list item / class / section name,
# never teencode: "điểm e", "hạng e", "mục v", "phụ lục h"...
SINGLE_LETTER_GUARD_WORDS: frozenset[str] = frozenset(
    {
        "điểm", "diem", "hạng", "hang", "mục", "muc", "tiết", "tiet",
        "khoản", "khoan", "phần", "phan", "chương", "chuong", "lục", "luc",
        "loại", "loai", "nhóm", "nhom", "lớp", "lop", "khu", "tổ", "dãy",
        "day", "tòa", "toa", "block", "lô", "lo", "câu", "cau", "vitamin",
        "bằng", "bang", "ký", "ky", "số", "so", "mẫu", "mau", "phụ", "phu",
        "tầng", "tang", "kiểu", "kieu", "dạng", "dang",
    }
)
