"""Vietnamese phone numbers: validation and normalization to the domestic form 0xxxxxxxxx.

Accepted: mobile numbers, 10 digits, with the prefixes in use since the 2018 renumbering
(03x Viettel 032-039, 05x 052/055/056/058/059, 07x 070/076-079, 08x 081-089, 09x 090-099), and
landlines, 11 digits starting with 02 (area code 02xx + subscriber number). Written as 0..., 84...
or +84..., with spaces, dots, dashes or parentheses. Never log these numbers.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_vietnamese_phone(text: str) -> str | None:
    """The number as 0xxxxxxxxx(x), or None when it is not a Vietnamese mobile or landline."""
    raw = _SEPARATORS.sub("", text or "")
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "0" + raw[2:]
    if raw.startswith("00"):
        return None
    if _MOBILE.match(raw) or _LANDLINE.match(raw):
        return raw
    return None


def last_four_digits(phone: str) -> str:
    return phone[-4:] if phone else ""
