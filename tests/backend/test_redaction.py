"""redact_personal_data: what a citizen typed loses phones, ID numbers, e-mails and house numbers."""

import pytest

from backend.app.services.redaction import REDACTED, redact_personal_data

CASES = [
    ("Tôi ở số 12 đường Trần Phú, phường Bắc Sơn, đèn đường hỏng 3 hôm nay",
     f"Tôi ở {REDACTED}, phường Bắc Sơn, đèn đường hỏng 3 hôm nay"),
    ("Nhà tôi số nhà 45, ngõ 12 phố Huế bị ngập", f"Nhà tôi {REDACTED} bị ngập"),
    ("Liên hệ 0912 345 678 hoặc +84 912.345.678 hoặc email lan.nguyen@gmail.com",
     f"Liên hệ {REDACTED} hoặc {REDACTED} hoặc email {REDACTED}"),
    ("CCCD 001095012345, CMND 123456789 bị mất", f"CCCD {REDACTED}, CMND {REDACTED} bị mất"),
    ("căn cước số 001 095 012 345 của tôi", f"căn cước số {REDACTED} của tôi"),
    ("Gia đình ở 12 Trần Phú phản ánh", f"Gia đình ở {REDACTED} phản ánh"),
    ("hẻm 32 Lê Lợi có rác", f"{REDACTED} có rác"),
    ("123/4 Nguyễn Trãi mất nước", f"{REDACTED} mất nước"),
    ("gọi số máy bàn 02363 822 123 giờ hành chính", f"gọi số máy bàn {REDACTED} giờ hành chính"),
    ("số 10 Ngô Quyền, quận Sơn Trà", f"{REDACTED}, quận Sơn Trà"),
    ("SĐT0912345678, CCCD001095012345, ĐT:+84-912-345-678", f"SĐT{REDACTED}, CCCD{REDACTED}, ĐT:{REDACTED}"),
    ("Ông Nguyễn Văn A (0987-654-321) ở số 3 đường Lê Duẩn",
     f"Ông Nguyễn Văn A ({REDACTED}) ở {REDACTED}"),
]

KEPT = [
    "Theo Nghị định số 145/2020/NĐ-CP và Quyết định số 1523/QĐ-BCA-C06, lệ phí 1.500.000 đồng",
    "Mã thủ tục 1.004222, phiếu PA-2612-483105 (đọc là PA2612483105), mã hồ sơ H22.39-260101-0001",
    "Hồ sơ đã chuyển 2 Sở Tư pháp và Xây dựng",
    "ngày 12/3/2025 tôi nộp hồ sơ, thời hạn 15 ngày làm việc",
    "tháng 11 năm 2026, số 5 tổ dân phố",
    "Kết quả số 12 Sở Xây dựng",
    "Đèn đường trên đường Trần Phú bị hỏng",
]


@pytest.mark.parametrize("text,expected", CASES)
def test_personal_data_is_replaced(text, expected):
    assert redact_personal_data(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_public_facts_are_kept(text):
    assert redact_personal_data(text) == text


def test_empty_and_idempotent():
    assert redact_personal_data("") == "" and redact_personal_data(None) == ""
    once = redact_personal_data(CASES[2][0])
    assert redact_personal_data(once) == once
