"""What a procedure does to a paper: issue it, reissue it, exchange, extend, amend, revoke...

Most confusions between sibling procedures are about the operation, not the paper: "cấp giấy phép
xây dựng" vs "cấp lại" vs "gia hạn" vs "điều chỉnh" the same permit. Names state the operation in a
few fixed words; citizens state it by the situation ("bị mất" means reissue, "hết hạn" means
extend or exchange, "bị sai" means amend). Both sides are mapped to the same small vocabulary, on
accent-folded text, so the ranking can reward a candidate whose operation matches the message.
"""

from __future__ import annotations

import re

from knowledge_base.facets import MESSAGE_NEGATION

REISSUE, EXCHANGE, EXTEND, AMEND, REVOKE, CANCEL, SUSPEND, REREGISTER, REVIEW, RELAPSE, RECUR = (
    "reissue", "exchange", "extend", "amend", "revoke", "cancel", "suspend", "reregister", "review",
    "relapse", "recur")
LOCK, UNLOCK, CERTIFY, RESTORE, FOUND, REPAIR, COPY = (
    "lock", "unlock", "certify", "restore", "found", "repair", "copy")

# How procedure names state an operation.
_NAME_PATTERNS = {
    # A lost civil status paper is replaced by a copy of the register's extract.
    REISSUE: r"cap lai|phuc hoi|khoi phuc|cap ban sao trich luc",
    EXCHANGE: r"cap doi|doi (?:giay|the|bang|so|chung|ho chieu|tem)|chuyen doi",
    EXTEND: r"gia han",
    AMEND: r"dieu chinh|thay doi|sua doi|sua loi|bo sung|cai chinh|cap nhat|dinh chinh",
    REVOKE: r"thu hoi|tuoc",
    CANCEL: r"xoa|cham dut|huy bo|huy (?:giay|ket qua|dang ky|viec|bo)|giai the|thoi quoc tich|(?<!tam )ngung|"
            r"dung thuc hien|dong tai khoan",
    # A pause is not an end: "tạm ngừng kinh doanh" has siblings "chấm dứt" and "giải thể".
    SUSPEND: r"tam ngung|tam dung|tam dinh chi",
    REREGISTER: r"dang ky lai",
    REVIEW: r"phuc khao|khieu nai|phuc tra",
    # An injury or illness again: the old one comes back, or a new one on top (TNLĐ, BNN).
    RELAPSE: r"tai phat",
    RECUR: r"tiep tuc bi",
    # An electronic identity or account is locked (lost phone, hacked) or unlocked again.
    LOCK: r"(?<!mo )khoa (?:can cuoc|tai khoan)",
    UNLOCK: r"mo khoa (?:can cuoc|tai khoan)|kich hoat tai khoan \(?da khoa",
    # Only names that begin with it certify; "cấp bản sao có chứng thực" issues a copy.
    CERTIFY: r"^chung thuc",
    # Nationality given up earlier and taken back; a passport reported lost and found again.
    RESTORE: r"tro lai quoc tich|khoi phuc gia tri",
    # A company, branch or cooperative set up ("Đăng ký thành lập công ty TNHH ...").
    FOUND: r"thanh lap",
    # Building permits for repairs and alterations, beside those for new works.
    REPAIR: r"sua chua,? cai tao",
    # A copy of a paper issued already ("Cấp bản sao Giấy phép từ sổ gốc", "... văn bản chứng nhận
    # đăng ký biện pháp bảo đảm"), beside the procedure that issues or registers it. The civil
    # status extract replaces a lost paper (REISSUE above).
    COPY: r"cap (?:lai )?ban sao (?:giay phep|van ban|tu so goc)",
}

# "mat bang" is "mất bằng" (a lost licence) or "mặt bằng" (a site, a floor plan): not the plan of a
# drawing, a site cleared, rented or built on.
_LOST_LICENCE = (r"(?<!ve )(?<!ban )(?<!phong )(?<!thue )(?<!tren )mat bang"
                 r"(?! (?:xay dung|thi cong|san xuat|kinh doanh|nha|dat|tong the|to chuc|tang|cong trinh))")

# How citizens state it; situations count as much as verbs.
_MESSAGE_PATTERNS = {
    REISSUE: r"cap lai|lam lai|xin lai|bi mat|danh mat|mat (?:giay|the|so|ho chieu|ca vet|cavet)|" + _LOST_LICENCE + "|"
             r"that lac|bi chay|bi trom|khoi phuc",
    EXCHANGE: r"cap doi|doi (?:sang|qua|tu|lai|giay|the|bang|so|cccd|can cuoc|ho chieu|gplx|dang ky|ca vet|cavet|bien so)|"
              # one kind of company into another: "chuyển DNTN thành công ty cổ phần"
              r"chuyen (?:\w+ ){1,6}(?:thanh|sang) (?:cong ty|cty|doanh nghiep|hop tac xa|loai hinh)|"
              r"chuyen doi|bi rach|rach nat|rach|hu hong|bi hong|mo chu|bi mo|bong troc|bi gay|gay doi|bi nut|"
              r"het han|sap het han|du tuoi|du (?:25|40|60) tuoi",
    EXTEND: r"gia han|het han|sap het han|keo dai",
    # "(xin giấy) để bổ sung hồ sơ" says what the paper is for, it asks to change nothing.
    AMEND: r"dieu chinh|thay doi|sua doi|sua lai|sua (?:ten|ngay|thong tin|sai)|bi sai|ghi sai|sai (?:ten|ngay|thong tin)|"
           r"(?<!de )bo sung|cai chinh|cap nhat|doi ten|doi ho|doi ngay|dinh chinh|tang von|giam von|"
           # another address, person or seat: "đổi địa chỉ văn phòng", "xin đổi người khác", "chuyển trụ sở"
           r"doi (?:dia chi|nguoi|tru so|chu)|thay (?:nguoi|chu)|chuyen (?:tru so|dia chi|dia diem)|"
           r"doi (?:\w+ ){1,5}khac",
    REVOKE: r"thu hoi|bi tuoc|tuoc",
    CANCEL: r"xoa|cham dut|huy (?:bo|dang ky|giay|viec)|giai the|(?<!da )(?<!tung )thoi (?:quoc tich|lam|kinh doanh)|dong cua|(?<!tam )ngung|"
            r"(?<!tam )dung (?:kinh doanh|hoat dong|thu tuc|ho so|thuc hien|xu ly)|(?<!tam )nghi (?:kinh doanh|ban)(?: han)?(?! (?:vai|may|mot thoi gian|\d))|"
            r"khong (?:kinh doanh|ban|lam) nua|nghi han|dep (?:tiem|quan|cua hang|shop)|"
            # a holder's own words for ending it: "báo hủy mã số", "bỏ quốc tịch", "gỡ thế chấp",
            # "đóng tài khoản", "dừng hẳn", "bỏ tên nó khỏi (sổ) tạm trú"
            r"bao huy|huy (?:ma|tai khoan|tk|to khai|du an)|bo quoc tich|go (?:the chap|dang ky)|"
            r"dong (?:tai khoan|tk)|dung han|bo ten (?:\w+ ){0,3}khoi|xoa ten",
    SUSPEND: r"tam ngung|tam dung|tam nghi|nghi (?:ban|kinh doanh) (?:vai|may|mot thoi gian|\d+)|tam dinh chi",
    REREGISTER: r"dang ky lai|lam lai (?:khai sinh|giay khai sinh|ket hon|khai tu)|so goc bi mat|"
                r"(?:so|ban chinh) (?:ho tich |ho tich luu |luu |goc )(?:\w+ ){0,3}(?:mat|chay|hu|khong con)",
    REVIEW: r"phuc khao|cham lai|khieu nai",
    RELAPSE: r"tai phat",
    RECUR: r"tiep tuc bi|lan nua|lan thu (?:hai|2)|them lan",
    # Locked already ("đã khóa căn cước điện tử, giờ muốn mở lại"): the question is unlocking.
    LOCK: r"(?<!mo )(?<!bi )(?<!da )khoa (?:tam thoi |ngay |gap |lai )?(?:can cuoc|cccd|tai khoan|tk|vneid|dinh danh)|"
          r"tam khoa",
    UNLOCK: r"mo khoa|(?:tai khoan|tk|vneid|can cuoc|dinh danh)(?: dien tu)? (?:bi|da bi) khoa|mo lai (?:tai khoan|tk|vneid)|"
            r"da khoa (?:can cuoc|cccd|tai khoan|tk|vneid|dinh danh)",
    RESTORE: r"(?:tro lai|xin lai|lay lai|nhap lai|khoi phuc|co lai) quoc tich|khoi phuc gia tri",
    # Set up already ("công ty mới thành lập") is the company's age, not the request.
    FOUND: r"(?<!moi )(?<!vua )(?<!da )(?<!duoc )(?<!duoc cho phep )thanh lap",
    REPAIR: r"sua chua|cai tao|nang tang|coi noi|sua lai nha|sua nha",
    # A copy asked for by name; "(hồ sơ cần) bản sao căn cước" is a document, not the request.
    COPY: r"(?:xin|cap|lay|can|muon|de nghi) (?:cap )?(?:lai )?ban sao (?:giay phep|van ban|giay chung nhan)|"
          r"ban sao (?:\w+ ){0,4}tu so goc",
    # Citizens say "công chứng" for the chứng thực done at the commune. Not when it is done
    # already ("đã công chứng hợp đồng"), a copy that has it ("bản sao có chứng thực") or the
    # notary's office and trade ("văn phòng công chứng", "hành nghề công chứng", "công chứng viên").
    CERTIFY: r"(?<!da )(?<!duoc )(?<!co )(?<!phong )(?<!nghe )(?:photo cong chung|cong chung|chung thuc|sao y)(?! vien)",
}

_NAME_RE = {op: re.compile(rf"\b(?:{p})\b") for op, p in _NAME_PATTERNS.items()}
_LOSS_RE = re.compile(rf"\b(?:cap lai|bi mat|danh mat|mat (?:giay|the|so|ho chieu|ca vet|cavet)|{_LOST_LICENCE}|that lac|bi trom)\b")
_FOUND_AGAIN_RE = re.compile(r"\b(?:tim thay|tim lai duoc|tim duoc)\b")
_NEW_ONE_RE = re.compile(r"\b(?:lam moi|cap moi|xin moi|lam cai moi|lam quyen moi|doi moi)\b")
_MESSAGE_RE = {op: re.compile(rf"\b(?:{p})\b") for op, p in _MESSAGE_PATTERNS.items()}
# "lần đầu trình duyệt chứ không phải điều chỉnh": an operation the message says it is not.
_NEGATED_RE = re.compile(rf"{MESSAGE_NEGATION} (?:la )?\w+(?: \w+)?")
# A decision or licence to set up obtained already ("vừa có quyết định cho phép thành lập", "đã
# được Bộ cấp giấy phép thành lập"): the message asks the step after it (registering the office's
# activity), not the setting up. The clause needs its "có", "được" or "nhận": "dạ" folds to "da"
# too ("Dạ em xin giấy phép thành lập").
_FOUNDED_ALREADY_RE = re.compile(
    r"\b(?:vua|da) (?:co|duoc|nhan)(?: \w+){0,5}? (?:quyet dinh|giay phep) (?:cho phep )?thanh lap\b")


def without_operation_words(folded_name: str) -> str:
    """The name with the words that state its operations taken out."""
    for rx in _NAME_RE.values():
        folded_name = rx.sub(" ", folded_name)
    return " ".join(folded_name.split())


def name_operations(folded_name: str) -> frozenset[str]:
    """Operations a procedure's name states (empty for a plain issue or registration)."""
    return frozenset(op for op, rx in _NAME_RE.items() if rx.search(folded_name))


# Where a name turns from what the procedure does to the situations it covers.
_CASE_CLAUSE = re.compile(r"\b(?:trong|doi voi) (?:cac |mot so )?truong hop\b")


def head_operations(folded_name: str) -> frozenset[str]:
    """Operations that make a procedure other than the plain one, as the name states them before
    its list of situations: "Đăng ký biến động ... trong các trường hợp chuyển đổi ..., chuyển
    nhượng, thừa kế" does no "chuyển đổi" to a plain asker. Setting up ("thành lập") is the plain
    first registration of a company, not another operation on it."""
    return name_operations(_CASE_CLAUSE.split(folded_name, maxsplit=1)[0]) - {FOUND}


def message_operations(folded_message: str) -> frozenset[str]:
    """Operations a citizen's message asks for (empty when it only asks how to get something)."""
    folded_message = _FOUNDED_ALREADY_RE.sub(" ", _NEGATED_RE.sub(" ", folded_message))
    ops = {op for op, rx in _MESSAGE_RE.items() if rx.search(folded_message)}
    if _FOUND_AGAIN_RE.search(folded_message) and _LOSS_RE.search(folded_message):
        # "mất hộ chiếu ... giờ lại tìm thấy": the lost paper is back; it is not replaced.
        ops.add(RESTORE)
        ops.discard(REISSUE)
    if EXTEND in ops and _NEW_ONE_RE.search(folded_message):
        # "hộ chiếu hết hạn, làm mới": an expired paper is replaced by a new one, not extended.
        ops.discard(EXTEND)
    if REREGISTER in ops:
        # The register itself is gone: no copy can be issued from it, the event is registered again.
        ops.discard(REISSUE)
    if REISSUE in ops and EXCHANGE in ops and not _LOSS_RE.search(folded_message):
        # "thẻ bị gãy, làm lại ở đâu": a damaged paper is exchanged, "làm lại" only says "again"
        # (unless the citizen names the reissue itself: "giấy phép bị rách, xin cấp lại").
        ops.discard(REISSUE)
    return frozenset(ops)


# Operations a name may state for what the message asks: a holder who stops using a licence or
# code ("ngừng sử dụng", "chấm dứt") asks the catalog's "thu hồi" where no other sibling is named
# for it ("Thu hồi mã số định danh cơ sở chăn nuôi").
_ALSO_SERVED_BY = {CANCEL: frozenset({REVOKE})}


def served_operations(message_ops: frozenset[str]) -> frozenset[str]:
    """The operations a name may state and still serve what the message asks."""
    served = set(message_ops)
    for op in message_ops:
        served |= _ALSO_SERVED_BY.get(op, frozenset())
    return frozenset(served)


def operation_features(message_ops: frozenset[str], name_ops: frozenset[str],
                       head_ops: frozenset[str] | None = None) -> tuple[float, float]:
    """(match, plain): match = the message asks for an operation the name states; plain = the
    message asks for none and the procedure is the plain one (first issue, registration), judged
    on the name's head (`head_ops`, default: the whole name)."""
    if message_ops:
        return (1.0 if message_ops & name_ops else 0.0), 0.0
    return 0.0, (1.0 if not (name_ops if head_ops is None else head_ops) else 0.0)
