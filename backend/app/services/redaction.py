"""Personal data out of text that is published (the public page of answered tickets).

`redact_personal_data(text)` replaces, with "[đã ẩn]":

* e-mail addresses;
* Vietnamese phone numbers (mobile or landline, written 0..., 84... or +84..., with spaces, dots,
  dashes or parentheses between the digits);
* identity numbers: CCCD (12 digits) and the old CMND (9 digits), written in one run or in groups
  separated by spaces;
* house-number addresses: "số 12 đường Trần Phú", "số nhà 45, ngõ 12 phố Huế", "123/4 Nguyễn Trãi",
  "ngõ 5 ngách 10 Đội Cấn", "hẻm 32 Lê Lợi" (the number and the street name after it).

It is a heuristic for free text a citizen typed; fields that are personal by nature (name, phone,
location, transcript) are simply never published. Amounts of money ("1.500.000 đồng"), dates,
procedure codes ("1.004222") and ticket codes are left alone.
"""

from __future__ import annotations

import re

from backend.app.services.phones import normalize_vietnamese_phone

REDACTED = "[đã ẩn]"

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)

# A run of digits with single separators, starting like a Vietnamese number.
_PHONE = re.compile(r"(?<![\d.,/])(?:\+84|\(\+84\)|84|0)(?:[ .\-()]{0,2}\d){8,10}(?![\w]|[.,]\d)")

# 9 or 12 digits in one run, or in space-separated groups of 3 (or 4) digits.
_IDENTITY = re.compile(
    r"(?<![\d.,/])(?:\d{12}|\d{9}|\d{3} \d{3} \d{3} \d{3}|\d{4} \d{4} \d{4}|\d{3} \d{3} \d{3})(?![\w]|[.,]\d)")

_NUMBER = r"\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*"
_ALLEY = r"(?:ngõ|ngách|hẻm|kiệt|hẽm|tổ|khu phố|kp|xóm)"
_WORD = r"[^\W\d_]+"
# "số nhà 12", "nhà số 12", "số 12", "12/4", "ngõ 5", each optionally followed by more alley parts,
# then an optional "đường"/"phố" and the street's name (words, the first capitalized).
_ADDRESS = re.compile(
    rf"(?P<head>(?:(?:số nhà|nhà số|số)\s+{_NUMBER}|\d+[A-Za-z]?/\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*|{_ALLEY}\s+{_NUMBER}"
    rf"|(?<![\w.,/]){_NUMBER}(?=,?\s+(?:{_ALLEY}|đường|phố)\s))(?![\w/\-]))"
    rf"(?P<alleys>(?:\s*,?\s*{_ALLEY}\s+{_NUMBER})*)"
    rf"(?P<street>\s*,?\s+(?:(?:đường|phố)\s+)?(?:{_WORD}|\d+)(?:\s+{_WORD}){{0,3}})?",
    re.IGNORECASE | re.UNICODE)
# "12 Trần Phú": a bare number followed by a capitalized street name of two or more words.
_BARE_ADDRESS = re.compile(rf"(?<![\w.,/])\d+[A-Za-z]?\s+(?P<street>{_WORD}(?:\s+{_WORD}){{1,3}})", re.UNICODE)

# Capitalized words that start names of things other than streets ("2 Sở Tư pháp", "3 Tháng Tám").
_NOT_STREETS = {"sở", "phòng", "ban", "bộ", "ubnd", "ủy", "uỷ", "công", "tháng", "ngày", "năm", "chi", "trung",
                "bảo", "cục", "tổng", "hội", "văn", "trường", "bệnh", "viện", "xã", "phường", "quận", "huyện",
                "tỉnh", "thành", "thị", "đội", "người", "hộ", "lần", "giờ", "phút", "tuần", "bản", "tờ", "cái",
                "km", "m", "mét"}
# Lower-case words that end a street name (the sentence goes on: "số 12 đường Trần Phú bị ngập").
_STREET_STOP = re.compile(r"\s+(?=[^\W\d_]*[a-zà-ỹđ])", re.UNICODE)


def _capitalized(word: str) -> bool:
    return bool(word) and word[0].isupper()


def _trim_street(street: str) -> str:
    """Keep only the capitalized words of the street name (plus "đường"/"phố" and separators)."""
    m = re.match(r"(\s*,?\s+(?:(?:đường|phố)\s+)?)(.*)", street, re.IGNORECASE | re.DOTALL)
    lead, rest = m.group(1), m.group(2)
    kept = []
    for word in rest.split():
        if word.isdigit() or _capitalized(word):
            kept.append(word)
        else:
            break
    if not kept:
        return ""
    return lead + " ".join(kept)


def _address(match: re.Match) -> str:
    head, alleys = match.group("head"), match.group("alleys")
    street = match.group("street") or ""
    kept_street = _trim_street(street) if street else ""
    strong = bool(alleys) or re.match(rf"(?:số nhà|nhà số|{_ALLEY})\s", head, re.IGNORECASE) is not None
    if not strong:
        # "số 12", "12/4" or a bare number: an address only when a street name follows
        # (not "Nghị định số 145/2020/NĐ-CP", not "số 3 Sở Tư pháp").
        words = re.sub(r"^\s*,?\s+(?:(?:đường|phố)\s+)?", "", kept_street, flags=re.IGNORECASE).split()
        keyword = re.match(r"\s*,?\s+(?:đường|phố)\s", kept_street, re.IGNORECASE) is not None
        if not words or (not keyword and (words[0].lower() in _NOT_STREETS or not _capitalized(words[0]))):
            return match.group(0)
    full = head + alleys + kept_street
    return REDACTED + match.group(0)[len(full):]


def _bare_address(match: re.Match) -> str:
    words = match.group("street").split()
    if not all(_capitalized(w) for w in words[:2]) or words[0].lower() in _NOT_STREETS:
        return match.group(0)
    kept = []
    for word in words:
        if _capitalized(word):
            kept.append(word)
        else:
            break
    street_text = " ".join(kept)
    rest = match.group("street")[match.group("street").index(street_text) + len(street_text):]
    return REDACTED + rest


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if normalize_vietnamese_phone(text) or (digits.startswith("0") and len(digits) in (10, 11)):
        return REDACTED
    return text


def redact_personal_data(text: str) -> str:
    """`text` with e-mails, phone numbers, CCCD/CMND numbers and house-number addresses replaced by
    "[đã ẩn]". Pure; returns "" for None or empty text."""
    if not text:
        return ""
    out = _EMAIL.sub(REDACTED, text)
    out = _PHONE.sub(_phone, out)
    out = _IDENTITY.sub(REDACTED, out)
    out = _ADDRESS.sub(_address, out)
    out = _BARE_ADDRESS.sub(_bare_address, out)
    # Neighbouring placeholders ("[đã ẩn], [đã ẩn]") read better as one.
    out = re.sub(rf"{re.escape(REDACTED)}(?:\s*,?\s*{re.escape(REDACTED)})+", REDACTED, out)
    return out
