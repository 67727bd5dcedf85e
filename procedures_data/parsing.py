"""Pure parsing functions for the dichvucong.gov.vn procedure crawl (no I/O).

The source records (see ``procedures_data/README.md``) keep the portal's tables as plain text with
the cells run together, e.g. ``"Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(...)Trực tiếp..."``.
Every splitter here re-segments one such section heuristically and returns what it could not
parse as a list of problems (``{"kind": ..., "detail": ...}``) instead of raising.

Kinds listed in ``NOTICE_KINDS`` are faithful-but-odd source data (kept as published); every
other kind means a value may be mis-split or incomplete.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

UNKNOWN = "Không có thông tin"
CHANNELS = ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính")
SOURCE = {"name": "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)", "retrieved": "2026-07"}

# Problem kinds that describe the source as published rather than a parsing failure.
NOTICE_KINDS = frozenset({
    "time_without_unit",       # the portal shows a bare number ("1") as the processing time
    "time_fee_split_guessed",  # bare time glued to an amount ("120 VNĐ"): split as 1 + 20
    "fee_note_unbalanced",     # the fee explanation's parenthesis is never closed in the source
    "section_from_field",      # raw_text had no usable section anchors; crawler field used
    "time_as_text",            # the time cell holds words ("Không quy định"), kept as written
    "document_row_empty",      # a table row with a copy count but no document name: dropped
    "document_without_copies", # text after the last copy count, kept as a row without copies
})

Problem = dict[str, str]

# Vietnamese letters for regex classes (a plain 'à-ỹ' range would also take capitals like 'Đ').
_VI_LOWER_EXTRA = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_LOWER = "a-z" + _VI_LOWER_EXTRA
_UPPER = "A-Z" + _VI_LOWER_EXTRA.upper()


def _problem(kind: str, detail: str = "") -> Problem:
    detail = detail.replace("\n", " ")
    return {"kind": kind, "detail": detail[:160]}


# ---------------------------------------------------------------------------------------------
# Text normalisation

# Control characters (tab and newline kept), zero-width and direction marks, BOM, soft hyphen;
# private-use glyphs (Word "Wingdings" bullets).
_INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff\ue000-\uf8ff]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")
_UNKNOWN_RE = re.compile(r"\s*Không có thông tin\s*")


def nfc(text: Any) -> str:
    """NFC-normalise, drop invisible characters, turn exotic spaces into plain spaces."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return text


def clean_inline(text: Any) -> str:
    """One-line value: NFC, all whitespace runs (newlines included) collapsed to one space."""
    text = re.sub(r"\s+", " ", nfc(text)).strip()
    return "" if text == UNKNOWN else text


def clean_block(text: Any) -> str:
    """Multi-line value: NFC, each line trimmed with inner space runs collapsed, blank lines dropped."""
    lines = (_SPACES_RE.sub(" ", line).strip() for line in nfc(text).split("\n"))
    text = "\n".join(line for line in lines if line)
    return "" if text == UNKNOWN else text


def scrub_unknown(text: str) -> str:
    """Remove any leftover 'Không có thông tin' marker inside a value (it means 'unknown')."""
    if UNKNOWN not in text:
        return text
    parts = [p.strip() for p in _UNKNOWN_RE.split(text)]
    return " ".join(p for p in parts if p).strip()


# ---------------------------------------------------------------------------------------------
# Sections of raw_text

_TT_LABEL = "Trình Tự Thực Hiện"
_CT_ANCHOR = "Cách Thức Thực HiệnHình thức nộpThời gianPhí, lệ phíMô tả"
_CT_LABEL = "Cách Thức Thực Hiện"
_HS_LABEL = "Thành phần hồ sơ"
_CC_ANCHOR_RE = re.compile(r"Căn cứ pháp lý(?=Tên văn bản pháp lýMã văn bản|\s*Không có thông tin)")
_CQ_LABEL = "Cơ quan thực hiện"
_YC_LABEL = "Yêu cầu, điều kiện thực hiện"
_KQ_LABEL = "Kết quả xử lý"
_UI_LABELS = ("Từ khóa", "Chọn cơ quan thực hiện")
_ROW_START_RE = re.compile(r"(?:Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\d|Không có thông tin)")
_LOOSE_ROW_START_RE = re.compile(r"(?:Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=[" + _UPPER + "])")


def split_sections(raw_text: str) -> tuple[dict[str, str], list[Problem]]:
    """Cut the page text into its sections by the portal's own labels.

    The crawler's per-section fields are cut at the first occurrence of any label, so a label that
    also appears inside the content (a fee note citing "Căn cứ pháp lý", a step mentioning "Thành
    phần hồ sơ") truncates them. Here each label is anchored by what must follow it, and the
    sections come out in page order: steps, methods, documents, legal, agency, conditions, result.
    Returns only the sections it could locate.
    """
    raw = nfc(raw_text)
    problems: list[Problem] = []
    out: dict[str, str] = {}
    ct = raw.find(_CT_ANCHOR)
    cc = _CC_ANCHOR_RE.search(raw, ct if ct >= 0 else 0)
    if ct < 0 or cc is None:
        problems.append(_problem("section_anchor_missing", "methods" if ct < 0 else "legal_basis"))
        return out, problems
    tt = raw.find(_TT_LABEL, 0, ct)
    if tt >= 0:
        out["steps"] = raw[tt + len(_TT_LABEL):ct]
    # Documents: the first "Thành phần hồ sơ" after which no method row follows.
    hs = -1
    search_from = ct + len(_CT_ANCHOR)
    while True:
        pos = raw.find(_HS_LABEL, search_from, cc.start())
        if pos < 0:
            break
        if not _ROW_START_RE.search(raw, pos, cc.start()):
            hs = pos
            break
        search_from = pos + 1
    if hs < 0:
        problems.append(_problem("section_anchor_missing", "documents"))
        out["methods"] = raw[ct + len(_CT_LABEL):cc.start()]
    else:
        out["methods"] = raw[ct + len(_CT_LABEL):hs]
        out["documents"] = raw[hs + len(_HS_LABEL):cc.start()]
    rest_start = cc.end()
    ui = len(raw)
    for label in _UI_LABELS:
        pos = raw.rfind(label, rest_start)
        if pos >= 0:
            ui = min(ui, pos)
    cq = raw.find(_CQ_LABEL, rest_start, ui)
    if cq < 0:
        problems.append(_problem("section_anchor_missing", "agency"))
        out["legal_basis"] = raw[rest_start:ui]
        return out, problems
    out["legal_basis"] = raw[rest_start:cq]
    yc = raw.find(_YC_LABEL, cq, ui)
    kq = raw.find(_KQ_LABEL, yc if yc >= 0 else cq, ui)
    agency_end = yc if yc >= 0 else (kq if kq >= 0 else ui)
    out["agency"] = raw[cq + len(_CQ_LABEL):agency_end]
    if yc >= 0:
        out["conditions"] = raw[yc + len(_YC_LABEL):kq if kq >= 0 else ui]
    if kq >= 0:
        out["result"] = raw[kq + len(_KQ_LABEL):ui]
    else:
        out["result"] = ""
    return out, problems


def strip_page_interface(text: str) -> str:
    """Drop the portal's trailing search/submit widget text ("Từ khóa…Mô tả…Chọn cơ quan thực
    hiện…Nộp hồ sơ") and any section label run in after the value."""
    text = nfc(text)
    cut = len(text)
    for marker in ("Từ khóa", "Chọn cơ quan thực hiện", "Hệ thống chỉ hiển thị những cơ quan"):
        pos = text.find(marker)
        if pos >= 0:
            cut = min(cut, pos)
    return text[:cut]


# ---------------------------------------------------------------------------------------------
# Fees and methods

_CURRENCIES = (
    ("Việt Nam Đồng", "đồng"), ("Việt Nam đồng", "đồng"), ("VNĐ", "đồng"), ("VND", "đồng"),
    ("Đồng", "đồng"), ("đồng", "đồng"), ("USD", "USD"), ("Đô la Mỹ", "USD"), ("EUR", "EUR"),
)
_CURRENCY_ALT = "|".join(re.escape(c) for c, _ in _CURRENCIES)
_CURRENCY_MAP = dict(_CURRENCIES)
_AMOUNT_RE = re.compile(r"(\d[\d.,]*)\s*(" + _CURRENCY_ALT + r")")
_VALID_AMOUNT_RE = re.compile(r"(?:0|[1-9]\d{0,2}(?:,\d{3})*|[1-9]\d*)(?:\.\d+)?")
_TIME_UNITS = ("Ngày làm việc", "Giờ làm việc", "Ngày", "Giờ", "Tháng", "Năm", "Tuần", "Phút")
_TIME_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(" + "|".join(_TIME_UNITS) + r")(?![" + _LOWER + "])")
_BARE_NUMBER_RE = re.compile(r"\d[\d.,]*")
_EMPTY_NOTES = {"", "không", "không có", "không quy định", "không có thông tin"}


def _format_amount(number: str) -> str:
    """'1,500,000' -> '1.500.000' (Vietnamese thousands separator); '1.5' stays a decimal."""
    if "," in number:
        return number.replace(",", ".")
    if re.fullmatch(r"\d{4,}", number):
        groups = []
        while len(number) > 3:
            groups.insert(0, number[-3:])
            number = number[:-3]
        return ".".join([number] + groups)
    return number


def normalize_fee(text: str) -> tuple[str, list[Problem]]:
    """Fee cell -> Vietnamese wording: '10,000 Việt Nam Đồng' -> '10.000 đồng'.

    'Miễn phí' stays 'Miễn phí'; 'Không có thông tin' and empty become ''. An amount in another
    currency keeps its currency code ('20 USD'). Anything else is returned cleaned, with a problem.
    """
    text = clean_inline(text)
    if not text:
        return "", []
    if text.casefold() == "miễn phí":
        return "Miễn phí", []
    m = _AMOUNT_RE.fullmatch(text)
    if m and _VALID_AMOUNT_RE.fullmatch(m.group(1)):
        return f"{_format_amount(m.group(1))} {_CURRENCY_MAP[m.group(2)]}", []
    return text, [_problem("fee_unparsed", text)]


def _balanced_prefix(text: str) -> tuple[str, str, bool]:
    """If text starts with '(', split off the parenthesised group (returns inner, rest, closed)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[1:i], text[i + 1:], True
    return text[1:], "", False


def _strip_outer_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        inner, rest, closed = _balanced_prefix(text)
        if not closed or rest.strip():
            break
        text = inner.strip()
    return text


def _split_time(row: str) -> tuple[str, str, list[Problem]] | None:
    """Row text after the channel -> (processing_time, rest, problems), None if unreadable."""
    if row.startswith(UNKNOWN):
        return "", row[len(UNKNOWN):], []
    m = _TIME_RE.match(row)
    if m:
        return f"{m.group(1)} {m.group(2)}", row[m.end():], []
    num = _BARE_NUMBER_RE.match(row)
    if num:
        digits, rest = num.group(0), row[num.end():]
        if re.match(r"\s*(?:" + _CURRENCY_ALT + r")", rest):
            # The unit-less time ran into the amount ('1' + '20 VNĐ' -> '120 VNĐ'). Take the first
            # digit as the time when the remainder is a well-formed amount.
            if len(digits) > 1 and _VALID_AMOUNT_RE.fullmatch(digits[1:]):
                return digits[0], digits[1:] + rest, [
                    _problem("time_fee_split_guessed", f"{digits}{rest[:12]}"),
                    _problem("time_without_unit", digits[0])]
            return None
        time = digits.rstrip(".,")
        return time, rest, [_problem("time_without_unit", time)]
    # Time written as words ('Không quy định', 'Không phải trả kết quả…') up to the fee cell.
    marker = re.search(r"Miễn phí|Không có thông tin|" + _AMOUNT_RE.pattern, row)
    if not marker or not marker.start():
        return None
    return clean_inline(row[:marker.start()]), row[marker.start():], []


def _split_time_and_fee(row: str) -> tuple[str, str, str, list[Problem]]:
    """Row text after the channel -> (processing_time, fee_cell, remainder, problems)."""
    parsed = _split_time(row)
    if parsed is None:
        return "", "", row, [_problem("time_unparsed", row[:60])]
    time, rest, problems = parsed
    rest = rest.lstrip()
    if rest.startswith("Miễn phí"):
        return time, "Miễn phí", rest[len("Miễn phí"):], problems
    if rest.startswith(UNKNOWN):
        return time, "", rest[len(UNKNOWN):], problems
    m = _AMOUNT_RE.match(rest)
    if m:
        return time, m.group(0), rest[m.end():], problems
    problems.append(_problem("fee_unparsed", rest[:60]))
    return time, "", rest, problems


def split_methods(text: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """'Cách thức thực hiện' table -> [{channel, processing_time, fee, note}].

    Rows start at a channel name glued to the time cell (a digit or 'Không có thông tin'). The
    fee's parenthesised explanation and the row's free-text description both go to ``note``
    (explanation first, separated by a newline).
    """
    text = nfc(text)
    problems: list[Problem] = []
    header = "Hình thức nộpThời gianPhí, lệ phíMô tả"
    pos = text.find(header)
    body = text[pos + len(header):] if pos >= 0 else text
    if not clean_inline(body):
        return [], [_problem("methods_empty")]
    starts = list(_ROW_START_RE.finditer(body))
    if not starts:
        # Time cells written as words ('Trực tuyếnKhông quy địnhMiễn phí…').
        starts = list(_LOOSE_ROW_START_RE.finditer(body))
        if starts:
            problems.append(_problem("time_as_text", clean_inline(body[starts[0].end():])[:60]))
    if not starts:
        return [], [_problem("methods_unparsed", clean_inline(body)[:80])]
    lead = clean_inline(body[:starts[0].start()])
    if lead:
        problems.append(_problem("methods_leading_text", lead))
    methods = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        channel = start.group(0)
        time, fee_cell, rest, row_problems = _split_time_and_fee(body[start.end():end])
        problems.extend(row_problems)
        fee, fee_problems = normalize_fee(fee_cell)
        problems.extend(fee_problems)
        fee_note = ""
        if rest.startswith("("):
            inner, rest, closed = _balanced_prefix(rest)
            fee_note = clean_block(_strip_outer_parens(inner))
            if not closed and fee_note:
                problems.append(_problem("fee_note_unbalanced", fee_note[:60]))
        if fee_note.casefold().rstrip(".") in _EMPTY_NOTES:
            fee_note = ""
        description = clean_block(scrub_unknown(rest))
        note = "\n".join(p for p in (fee_note, description) if p)
        methods.append({"channel": channel, "processing_time": time, "fee": fee, "note": note})
    return methods, problems


# ---------------------------------------------------------------------------------------------
# Documents

_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COPIES_RE = re.compile(r"(\d) bản (chính|sao)(?:, ?(\d) bản (chính|sao))?")
_FORM_EXT_RE = re.compile(r"\.(?i:docx|doc|pdf|xlsx|xls|rar|zip|odt|rtf)(?![" + _LOWER + "])")
# Words a form file name usually starts with ("Mẫu số 01.docx", "Phụ lục II.docx", "TK01.doc").
_FORM_START_RE = re.compile(
    r"(?:Mẫu|MẪU|mẫu|Mau|MAU|mau|Phụ lục|PHỤ LỤC|Phụ Lục|Phu luc|Phu Luc|PL|Phlc|PHLC|Phuluc|TK|Tờ khai|"
    r"To khai|Biểu mẫu|Bieu mau|BM|Đơn|đơn|Don|Văn bản|văn bản|Van ban|Giấy đề nghị|Ms|TTHC|Form|"
    r"Tờ trình|tờ trình|To trinh|Báo cáo|báo cáo|Bao cao|Mu\d)")
_BULLET_RE = re.compile(r"^[\s\-+*•–·]+")


def _copies_matches(segment: str) -> list[re.Match]:
    """Copy-count cells ('1 bản chính', '0 bản chính,1 bản sao') that end a table row.

    The count cell is a single digit glued to the end of the row. Mentions inside a document's
    own text are skipped: they are written '01 bản chính' (leading zero), sit in parentheses, or
    run on into a lowercase word ('02 bản chính tờ khai ...').
    """
    found = []
    for m in _COPIES_RE.finditer(segment):
        i = m.start()
        prev = segment[i - 1] if i > 0 else ""
        prev2 = segment[i - 2] if i > 1 else ""
        if prev == "0" and not prev2.isdigit():
            continue
        if prev == "(":
            continue
        if re.match(r"[ \t]+[" + _LOWER + "]", segment[m.end():m.end() + 3]):
            continue
        found.append(m)
    return found


def _format_copies(m: re.Match) -> str:
    first = f"{m.group(1)} bản {m.group(2)}"
    return f"{first}, {m.group(3)} bản {m.group(4)}" if m.group(3) else first


def _is_glue(text: str, i: int) -> bool:
    """True when text[i] starts a new cell glued onto the previous one (no separator between)."""
    if i <= 0:
        return False
    left, right = text[i - 1], text[i]
    if left.isspace() or right.isspace():
        return False
    if left in ";)]" or (left == "." and right.isalpha()):
        return True
    if left == "." and right.isdigit():
        return i > 1 and text[i - 2].isalpha()
    if left.isalpha() and left.islower() and (right.isupper() or right.isdigit()):
        return True
    if left.isdigit() and right.isalpha() and right.isupper():
        return True
    if left.isalpha() and left.isupper() and right.isupper() and i + 1 < len(text) \
            and text[i + 1].isalpha() and text[i + 1].islower():
        return True  # "…TT-BGTVTMẫu số 2.docx"
    return False


def _form_start(text: str, lo: int, hi: int) -> int:
    """Start of the form file name that ends at text[hi] (extension start); lo bounds the search.

    Preferred: the rightmost point where a usual form-name word ('Mẫu', 'Phụ lục', 'văn bản'…)
    is glued onto the text before it. Otherwise: going back token by token from the extension,
    the leftmost glue point of the first token that has one. Otherwise lo.
    """
    best = -1
    for m in _FORM_START_RE.finditer(text, lo, hi):
        i = m.start()
        if i == lo:
            if lo > 0:
                best = i  # right after the previous form's extension
        elif text[i - 1] in "-_" or text[i - 1].isdigit():
            # '…(mẫu 9B).47-Mẫu 8A-Công văn….doc': the file name starts at its number prefix.
            j = i
            while j > lo and (text[j - 1].isdigit() or text[j - 1] in "-_."
                              or ("A" <= text[j - 1] <= "Z")):
                j -= 1
            if j < i and (j == lo or not text[j - 1].isspace()) and text[j - 1:j] != "/":
                best = j
            elif text[i - 1].isdigit():
                best = i  # '…ngày 05/5/2025PL 01 Bao cao.docx': a date, not part of the name
        elif not text[i - 1].isspace() and text[i - 1] not in "(/":
            best = i
    if best >= 0:
        return best
    token_end = hi
    while token_end > lo:
        token_start = max(text.rfind(" ", lo, token_end) + 1, lo)
        glue = [i for i in range(token_start + 1, token_end) if _is_glue(text, i)]
        if glue:
            if token_start == lo == 0 and not text[:hi].strip().count(" "):
                return lo  # the whole cell is one file name ('MauBankhaichung.docx')
            return glue[0]
        token_end = token_start - 1
    return lo


def split_form(cell: str) -> tuple[str, str]:
    """Separate trailing form file names ('Mẫu CT01.doc') from a document-name cell.

    Form names are recognised by their file extension; where a name starts is a heuristic (see
    _form_start). Several forms in one row are joined with '; '.
    """
    forms: list[str] = []
    text = cell.rstrip()
    while True:
        exts = list(_FORM_EXT_RE.finditer(text))
        if not exts or exts[-1].end() != len(text):
            break
        while len(exts) > 1 and exts[-2].end() == exts[-1].start():
            del exts[-2]  # 'Báo cáo (1).docx.docx' is one file name
        prev_ext_end = exts[-2].end() if len(exts) > 1 else 0
        start = _form_start(text, prev_ext_end, exts[-1].start())
        form = clean_inline(text[start:]).lstrip(".;,-_ ")
        if not form:
            break
        forms.insert(0, form)
        text = text[:start].rstrip()
        if start == 0:
            break
    return text, "; ".join(forms)


def _clean_doc_text(text: str) -> str:
    return _BULLET_RE.sub("", clean_inline(text)).strip()


def split_documents(text: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """'Thành phần hồ sơ' tables -> [{name, copies, form, group}].

    Each table is '<optional group heading>Tên giấy tờMẫu đơn, tờ khaiSố lượng<rows>'; a row is
    '<document name><optional form file name><copies>'. Rows listed with '0 bản chính' are the
    portal's way of writing a note inside the table; they are kept as listed.
    """
    text = nfc(text)
    problems: list[Problem] = []
    if not clean_inline(text):
        return [], []
    if not clean_inline(text).strip("-– "):
        return [], []  # '--': the portal's empty heading, no table
    parts = text.split(_DOC_HEADER)
    if len(parts) == 1:
        matches = _copies_matches(text)
        if not matches:
            problem = _problem("documents_not_a_table", clean_inline(text)[:80])
            if " " not in clean_inline(text):
                return [], [problem]  # a stray code, not a document list
            return [{"name": clean_block(text), "copies": "", "form": "", "group": ""}], [problem]
        parts = ["", text]
        problems.append(_problem("documents_header_missing"))
    documents: list[dict[str, str]] = []
    group = parts[0]
    for index, segment in enumerate(parts[1:], start=1):
        heading = clean_inline(group)
        heading = "" if heading.strip("-– ") == "" else _BULLET_RE.sub("", heading).strip()
        cursor = 0
        for m in _copies_matches(segment):
            cell = segment[cursor:m.start()]
            cursor = m.end()
            name, form = split_form(clean_inline(cell))
            name = _clean_doc_text(name)
            if not name:
                if form:
                    name = form
                else:
                    problems.append(_problem("document_row_empty", _format_copies(m)))
                    continue
            documents.append({"name": name, "copies": _format_copies(m), "form": form,
                              "group": heading})
        tail = segment[cursor:]
        if index < len(parts) - 1:
            group = tail  # heading of the next table
        elif clean_inline(tail).strip("-– "):
            # Text after the last copy count: a row the portal lists without a count.
            name, form = split_form(clean_inline(tail))
            name = _clean_doc_text(name) or form
            problems.append(_problem("document_without_copies", clean_inline(tail)[:80]))
            documents.append({"name": name, "copies": "", "form": form, "group": heading})
    return documents, problems


# ---------------------------------------------------------------------------------------------
# Legal basis

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# A document number: '68/2020/QH14', '123/2015/NĐ-CP', '66.7/2025/NQ-CP', '1523/QĐ-BCA-C06',
# '15/2015/TTLT-BGTVT-BQP-BCA-BNG', '21/2014/L-CTN', '999/2016/TT/BTC'. Issuer codes use A-Z, Đ
# and Ư only, so the run stops at the first other Vietnamese capital of a glued next title
# ('…BCAS' + 'ỬA ĐỔI'); _number_end() trims what the run swallowed.
_SEG = r"(?:TTg|(?:UBTVQH|QH)\d{2}|[A-Z]\d{2}(?![\d/])|[A-ZĐƯ]+)"
_NUMBER_RE = re.compile(
    r"(?:(?<![\d/.])|(?<=QH\d\d)|(?<=[^\W\d_]\.)|(?<=/\d{4}\.)|(?<=QH\d\d\.)|(?<=\D[12]\d{3}))"
    r"(?:\d+[a-zA-Z]?(?:\.\d+)?(?:/\d{2,4})?/" + _SEG + r"(?:(?:[-/_]|- (?=TTg|CP\b|[A-ZĐ]{2,}-))" + _SEG + r")*"
    r"|\d+-(?:CP|HĐBT|TTg)\b)"
)
# A number cell without issuer code ('46/2020'): only accepted at the end of the table or with a
# title glued straight after it.
_SHORT_NUMBER_RE = re.compile(r"(?<![\d/.])\d{1,4}/\d{4}(?![\d/])")
# Issuer / type codes that end a document number; used to tell '…NĐ-CP' + 'Nghị định…' apart
# from '…TT-NHNN' + 'số …' when the next title is glued on.
_KNOWN_CODES = frozenset("""
    CP TTg BTC BCA BTP BXD BNNMT BNNPTNT NHNN BGTVT BTNMT BLĐTBXH BHXH BKHĐT BKHCN BNG BNV BQP BYT
    BCT BTTTT BGDĐT BVHTTDL BTNN VPQH UBND HĐND CTN KTNN TANDTC VKSNDTC BNTMT TTLT NĐ TT NQ QĐ PL
    L HĐTP UBTVQH VBHN BTCTW UBTƯMTTQVN MTTQVN
""".split())
_ALLCAPS_STARTS_TUPLE = ("SỬA ĐỔI", "BỘ LUẬT", "LUẬT", "NGHỊ ĐỊNH", "NGHỊ QUYẾT", "THÔNG TƯ",
                         "QUYẾT ĐỊNH", "PHÁP LỆNH", "QUY ĐỊNH", "HƯỚNG DẪN", "VĂN BẢN")
_ALLCAPS_STARTS = _ALLCAPS_STARTS_TUPLE
_TITLE_WORDS = (r"Luật|Bộ luật|Nghị định|Nghị quyết|Thông tư|Quyết định|Pháp lệnh|Lệnh|Chỉ thị|"
                r"Văn bản|Hiến pháp|Sửa đổi|sửa đổi|Quy định|Hướng dẫn|Công văn|Điều ước|"
                r"Hiệp định|Công ước")
_TITLE_START_RE = re.compile(r"\s?(?:" + _TITLE_WORDS + r")\b")
_SPACED_TITLE_RE = re.compile(r"[ \n]+(?:" + _TITLE_WORDS.replace("sửa đổi|", "") + r"|"
                              + "|".join(_ALLCAPS_STARTS_TUPLE) + r")\b")
_CELL_PREFIX_RE = re.compile(
    r"^(?P<title>.*?[^\s])(?P<prefix>(?:Thông tư|Nghị định|Luật|Quyết định|Nghị quyết|Pháp lệnh|"
    r"NĐ|TT|QĐ|NQ)(?: số)?:?)\s*$"
)
_SUSPECT_TITLE_RE = re.compile(
    r"^\d|/\d{4}\d|\d(?:Luật|Nghị định|Thông tư|Quyết định)|"
    r"[" + _LOWER + r")](?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết) "
)


def _title_starts_at(body: str, k: int) -> bool:
    if body[k:].startswith(_ALLCAPS_STARTS) or _TITLE_START_RE.match(body, k):
        return True
    return body[k:k + 1].isupper() and body[k + 1:k + 2].islower()


def _number_end(body: str, m: re.Match) -> int:
    """Where the document number matched at m really ends: the uppercase run of its last code
    may have swallowed the first capital(s) of a glued next title ('…NĐ-CPN' + 'ghị định')."""
    end = m.end()
    seg_start = max(body.rfind("-", m.start(), end), body.rfind("/", m.start(), end),
                    body.rfind("_", m.start(), end)) + 1
    seg = body[seg_start:end]
    if seg in _KNOWN_CODES or re.fullmatch(r"(?:UBTVQH|QH)\d\d|[A-Z]\d\d|TTg", seg):
        return end
    if end >= len(body) or not body[end].isalpha():
        # Nothing glued on: an unknown code ('TNDN') ends here unless it hides an all-caps title.
        for k in range(seg_start + 1, end):
            if body[seg_start:k] in _KNOWN_CODES and (
                    body[k:].startswith(_ALLCAPS_STARTS)
                    or re.match(r"[A-ZĐ]{2,} [" + _UPPER + "]{2,}", body[k:])):
                return k
        return end
    for k in range(end - 1, seg_start, -1):
        if body[seg_start:k] in _KNOWN_CODES and _title_starts_at(body, k):
            return k
    after = body[end]
    if not after.isascii() and after.isupper():
        for k in range(seg_start + 1, end):
            if body[k:].startswith(_ALLCAPS_STARTS):
                return k
        return end - 1 if end - 1 > seg_start else end
    if after.islower() and body[end - 1].isupper() and end - 1 > seg_start:
        return end - 1
    return end


_BARE_PREFIX_RE = re.compile(
    r"(?:(?:Luật|Thông tư|Nghị định|Quyết định|Nghị quyết|Pháp lệnh)(?: số)?|[Ss]ố)?:?")
# Words that continue a title after a quoted number and never start one.
_IN_TITLE_WORD_RE = re.compile(r"(?:ngày|của|năm|tháng|về|do|tại|và|được)\b")
_GLUED_CELL_PREFIX_RE = re.compile(
    r"[" + _LOWER + r".;:)](?:Luật|Thông tư|Nghị định|Quyết định|Nghị quyết|Pháp lệnh|NĐ|TT|QĐ|NQ)(?: số)?:? ?$")


def _glued_to_title(body: str, start: int) -> bool:
    """A number cell is glued straight onto its title ('…Luật Hộ tịch60/2014/QH13'), possibly
    with the cell written as 'Luật số 32/2024/QH15' ('…tín dụngLuật số 32/2024/QH15')."""
    if start == 0:
        return True
    if not body[start - 1].isspace():
        return True
    return bool(_GLUED_CELL_PREFIX_RE.search(body, max(0, start - 40), start))


def _ends_cell(body: str, start: int, end: int, strict: bool = False) -> bool:
    """Is the number at body[start:end] a row's number cell (rather than quoted in a title)?"""
    rest = body[end:]
    if not rest.strip(" \t\n.;,"):
        return True
    first = rest[:1]
    if strict:
        return _title_starts_at(body, end)
    if first.isdigit():
        # Another number glued on: either this one closes its title's text ('Luật 60/2014/QH13'
        # + '60/2014/QH13', '…Nghị quyết số 193/2025/QH15' + '88/2025/NĐ-CP') or it is the cell
        # and the next title is a bare number ('…Khoáng sản54/2024/QH15' + '193/2025/NĐ-CP…').
        nxt = _NUMBER_RE.match(body, end)
        if nxt and body[end:_number_end(body, nxt)] == body[start:end]:
            return False
        return _glued_to_title(body, start)
    if _IN_TITLE_WORD_RE.match(rest):
        return False  # '…53/2025/TT-BCAngày 01/7/2025…': still inside the title
    if first.isalpha() or first in "(“\"'-–+*\t":
        return True
    if first in ".;" and (_TITLE_START_RE.match(rest, 1) or rest[1:2].isalnum()):
        return True
    # '…Bộ Tư pháp.18/2026/NĐ-CP Thông tư 05/2020…': a title after a space only counts when the
    # number is glued to the text before it (not '…Thông tư số 40/2025/TT-BTC Sửa đổi…').
    return bool(_SPACED_TITLE_RE.match(rest)) and _glued_to_title(body, start)


def split_legal_basis(text: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """'Căn cứ pháp lý' table -> [{title, number}].

    Rows are '<title><number>'. A number is a row's number cell when it ends the text or the next
    title is glued straight onto it (or follows after a space and starts like a legal title);
    numbers quoted inside a title are followed by ' ngày', ', ' etc. A row left without a title
    (the title itself ended in the same number: 'Luật 60/2014/QH1360/2014/QH13') is merged into
    the row before it.
    """
    text = nfc(text)
    problems: list[Problem] = []
    pos = text.find(_LEGAL_HEADER)
    body = text[pos + len(_LEGAL_HEADER):] if pos >= 0 else text
    body = re.sub(r"[ \t]*Trang chủ[ \t]*\n", "\n", body)  # the page's menu crept in
    if not clean_inline(body):
        return [], []
    if pos < 0:
        problems.append(_problem("legal_header_missing", clean_inline(body)[:60]))
    candidates: list[tuple[int, int]] = []
    numbers: set[str] = set()
    for m in _NUMBER_RE.finditer(body):
        start, end = m.start(), _number_end(body, m)
        digits = re.match(r"\d+", body[start:end]).group(0)
        if len(digits) >= 5 and re.match(r"(?:19|20)\d\d", digits):
            start += 4  # '…năm 2024' + '37/2024/QH15'
        elif re.match(r"(?:19|20)\d\d\.\d+/", body[start:end]):
            start += 5  # '…năm 2021.' + '53/2025/TT-BCA'
        numbers.add(body[start:end])
        if _ends_cell(body, start, end):
            candidates.append((start, end))
    for m in _SHORT_NUMBER_RE.finditer(body):
        if _ends_cell(body, m.start(), m.end(), strict=True):
            candidates.append((m.start(), m.end()))
    # A number cell glued onto a date or another number ('…ngày 29/11/200678/2006/QH10'): found
    # as a repeat of a number already quoted in the same table.
    for number in numbers:
        for m in re.finditer(re.escape(number), body):
            if m.start() > 0 and body[m.start() - 1].isdigit() \
                    and _ends_cell(body, m.start(), m.end()):
                candidates.append((m.start(), m.end()))
    cells: list[tuple[int, int]] = []
    for start, end in sorted(set(candidates), key=lambda c: (c[1], c[0])):
        if cells and start < cells[-1][1]:
            continue
        cells.append((start, end))
    raw_rows: list[tuple[str, str, int, int]] = []  # (title, number, row start, number start)
    cursor = 0
    for start, end in cells:
        title = re.sub(r"^Trang chủ\s+", "", clean_inline(body[cursor:start]))  # page breadcrumb
        raw_rows.append((title, clean_inline(body[start:end]), cursor, start))
        cursor = end
        trail = re.match(r"[.;]+", body[cursor:])
        if trail:
            cursor += trail.end()
    rows: list[dict[str, str]] = []
    i = 0
    while i < len(raw_rows):
        title, number, _row_start, number_start = raw_rows[i]
        nxt = raw_rows[i + 1] if i + 1 < len(raw_rows) else None
        if not re.search(r"[^\W\d_]", title):
            if rows and rows[-1]["number"] == number:
                # 'Luật 60/2014/QH13' + '60/2014/QH13': the title ended with the number.
                rows[-1]["title"] = clean_inline(body[raw_rows[i - 1][2]:number_start])
                i += 1
                continue
            if nxt and nxt[1] == number and _BARE_PREFIX_RE.fullmatch(nxt[0].strip(" .;,")):
                # Columns swapped: title cell is the bare number, the number cell carries the
                # words ('47/2019/TT-BTC' + 'Thông tư 47/2019/TT-BTC').
                prefix = "" if nxt[0].strip(" .;,:").casefold() == "số" else nxt[0]
                rows.append({"title": f"{prefix} {number}".strip(), "number": number})
                i += 2
                continue
        pm = _CELL_PREFIX_RE.match(title)
        if pm and (pm.group("title")[-1].islower() or pm.group("title")[-1] in ".;)"
                   or pm.group("title")[-1].isdigit()):
            title = pm.group("title").strip()  # number cell written 'Thông tư số 03/2023/TT-BTP'
        rows.append({"title": title, "number": number})
        i += 1
    tail = clean_inline(body[cursor:])
    if tail.strip(".;, "):
        rows.append({"title": tail, "number": ""})
        problems.append(_problem("legal_row_without_number", tail[:80]))
    for row in rows:
        row["title"] = row["title"].strip(" .;,")
        row["number"] = row["number"].strip(" .;,")
        if not row["title"]:
            problems.append(_problem("legal_row_without_title", row["number"]))
        elif not row["title"].startswith(row["number"] or "\0") \
                and _SUSPECT_TITLE_RE.search(row["title"]):
            problems.append(_problem("legal_row_suspect", f"{row['title'][:60]} | {row['number']}"))
    return rows, problems


# ---------------------------------------------------------------------------------------------
# Result, steps

# The portal's internal result codes: 'KQ.G01.000064', '000.00.00.G04-KQ3019', 'TP-G01.0000001'.
_RESULT_CODE_RE = re.compile(
    r"Mã:\s*(?:[A-Za-z0-9.\-]*\d|[A-Z]{2,}(?=[A-ZĐ][" + _LOWER + r"]|\s|$))")


def clean_result(text: str) -> tuple[str, list[Problem]]:
    """'Kết quả xử lý' -> one result per line (duplicates dropped), without the portal's internal
    'Mã: KQ.G01.000064' codes and without the trailing page-interface text."""
    text = strip_page_interface(text)
    problems: list[Problem] = []
    if _RESULT_CODE_RE.search(text):
        parts = [clean_inline(p) for p in _RESULT_CODE_RE.split(text)]
        items = []
        for part in parts:
            if part and part not in items:
                items.append(part)
        return "\n".join(items), problems
    return clean_block(text), problems


_STEP_RE = re.compile(r"Bước\s*(?:\d+|[IVX]+)\b")
_STEP_PREFIX_RE = re.compile(r"[ \t]*(?:[-+*•]+|[a-zđ]\)|\(\d+\)|\d+(?:\.\d+)*\.?)?[ \t]*")


def _is_step_boundary(text: str, m: re.Match) -> bool:
    before = text[:m.start()]
    stripped = before.rstrip(" \t")
    if not stripped:
        return True
    last = stripped[-1]
    glued = len(stripped) == len(before)
    after = text[m.end():m.end() + 2]
    if last in "\n-+*•.;:)":
        return True
    if last.isalpha():
        if glued:
            return True  # '…để xử lýBước 10 …'
        return after[:1] == ":" and last.isupper()  # '… Hệ thống ACTS Bước 1: …'
    return False


def split_steps(text: str) -> tuple[list[str], list[Problem]]:
    """'Trình tự thực hiện' -> one string per 'Bước N' (sub-bullets stay with their step).

    Text before the first step is kept as its own first element. Without any 'Bước N' marker the
    whole text is one element. A list marker in front of the step ('- Bước 2', 'a) Bước 1',
    '6.1.1. Bước 1') is dropped.
    """
    text = nfc(text)
    if not clean_block(text):
        return [], []
    cuts = []
    for m in _STEP_RE.finditer(text):
        if not _is_step_boundary(text, m):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        cut = line_start if _STEP_PREFIX_RE.fullmatch(text, line_start, m.start()) else m.start()
        cuts.append((cut, m.start()))
    if not cuts:
        return [clean_block(text)], []
    steps = []
    lead = clean_block(text[:cuts[0][0]])
    if lead:
        steps.append(lead)
    for i, (_cut, step_start) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        step = clean_block(text[step_start:end])
        if step:
            steps.append(step)
    return steps, []


# ---------------------------------------------------------------------------------------------
# Record

def _levels(text: str) -> list[str]:
    out = []
    for part in clean_inline(text).split(","):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def _scrub_record(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_unknown(value)
    if isinstance(value, list):
        return [_scrub_record(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_record(v) for k, v in value.items()}
    return value


def to_record(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """One crawled procedure -> (catalog record, problems).

    Sections are cut from raw_text (see split_sections); when that fails for a section the
    crawler's own field is used instead.
    """
    problems: list[Problem] = []
    code = clean_inline(raw.get("ma_thu_tuc"))
    if not code:
        problems.append(_problem("code_missing"))
    sections, section_problems = split_sections(raw.get("raw_text") or "")
    problems.extend(section_problems)
    fallbacks = {"steps": "trinh_tu_thuc_hien", "methods": "cach_thuc_thuc_hien",
                 "documents": "thanh_phan_ho_so", "legal_basis": "can_cu_phap_ly",
                 "agency": "co_quan_thuc_hien", "conditions": "yeu_cau_dieu_kien",
                 "result": "ket_qua_xu_ly"}
    for key, field in fallbacks.items():
        if key not in sections:
            sections[key] = nfc(raw.get(field) or "")
            problems.append(_problem("section_from_field", key))

    methods, p = split_methods(sections["methods"])
    problems.extend(p)
    documents, p = split_documents(sections["documents"])
    problems.extend(p)
    legal, p = split_legal_basis(sections["legal_basis"])
    problems.extend(p)
    result, p = clean_result(sections["result"])
    problems.extend(p)
    steps, p = split_steps(sections["steps"])
    problems.extend(p)

    record = {
        "code": code,
        "name": clean_inline(raw.get("ten_thu_tuc")),
        "field": clean_inline(raw.get("linh_vuc")),
        "levels": _levels(raw.get("cap_thuc_hien") or ""),
        "agency": clean_inline(strip_page_interface(sections["agency"])),
        "authority": clean_inline(raw.get("co_quan_co_tham_quyen")),
        "audience": clean_inline(raw.get("doi_tuong_thuc_hien")),
        "methods": methods,
        "documents": documents,
        "steps": steps,
        "conditions": clean_block(strip_page_interface(sections["conditions"])),
        "result": result,
        "legal_basis": legal,
        "decision": clean_inline(raw.get("so_quyet_dinh")),
        "url": clean_inline(raw.get("detail_url")),
        "aliases": [],
        "source": dict(SOURCE),
    }
    if not record["name"]:
        problems.append(_problem("name_missing"))
    scrubbed = _scrub_record(record)
    if scrubbed != record:
        problems.append(_problem("unknown_marker_in_text"))
    return scrubbed, problems
