"""Tests for knowledge_base.aspects."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_base.aspects import ASPECT_LABELS_VI, ASPECTS, detect_aspects
from knowledge_base.normalize import fold_accents

# (citizen message, expected aspects in ASPECTS order)
CASES = [
    # --- documents ---
    ("Làm căn cước công dân cần những giấy tờ gì?", ["documents"]),
    ("lam cccd can giay to gi", ["documents"]),
    ("Hồ sơ đăng ký tạm trú gồm những gì ạ", ["documents"]),
    ("hs dang ky thuong tru gom j vay ad", ["documents"]),
    ("Đăng ký khai sinh cho con cần mang theo gì?", ["documents"]),
    ("đăng ký xe máy mới cần những gì", ["documents"]),
    ("làm hc cần j", ["documents"]),
    ("ho so xin cap ho chieu gom nhung giay to nao", ["documents"]),
    ("Thành phần hồ sơ cấp giấy phép xây dựng", ["documents"]),
    ("cần chuẩn bị gì để đăng ký kết hôn", ["documents"]),
    ("tờ khai đăng ký thường trú lấy ở đâu", ["documents", "agency"]),
    # --- fee ---
    ("Lệ phí cấp hộ chiếu là bao nhiêu?", ["fee"]),
    ("le phi cap ho chieu bao nhieu", ["fee"]),
    ("làm hộ chiếu mất bao nhiêu tiền", ["fee"]),
    ("đổi bằng lái xe tốn bao nhiêu", ["fee"]),
    ("cấp lại cccd có mất tiền không ạ", ["fee"]),
    ("phí trước bạ xe máy là bao nhiêu", ["fee"]),
    ("đăng ký kết hôn có mất phí không", ["fee"]),
    ("làm cccd bao nhiêu", ["fee"]),
    ("lam cccd het bn tien vay ad", ["fee"]),
    ("đăng ký khai sinh có miễn phí không", ["fee"]),
    # --- time ---
    ("Làm sổ đỏ mất bao nhiêu ngày?", ["time"]),
    ("lam so do mat bao nhieu ngay", ["time"]),
    ("bao nhiêu ngày thì có sổ đỏ", ["time"]),
    ("Bao lâu thì có hộ chiếu?", ["time"]),
    ("bao lau thi nhan dc cccd", ["time"]),
    ("mấy ngày thì có kết quả đăng ký kinh doanh", ["time"]),
    ("Thời hạn giải quyết cấp giấy phép xây dựng là bao lâu?", ["time"]),
    ("khi nào có kết quả ly hôn", ["time"]),
    ("bao giờ nhận được thẻ bhyt", ["time"]),
    ("dkx o to mat bao lau", ["time"]),
    ("đổi gplx mất bao nhiêu thời gian", ["time"]),
    # --- agency ---
    ("Nộp hồ sơ đăng ký kết hôn ở đâu?", ["agency"]),
    ("nop ho so dang ky ket hon o dau", ["agency"]),
    ("làm cccd ở đâu ad", ["agency"]),
    ("Cơ quan nào cấp giấy phép lái xe?", ["agency"]),
    ("đăng ký hộ kinh doanh làm ở đâu", ["agency"]),
    ("làm ở đâu vậy ạ", ["agency"]),
    ("ở đâu làm lý lịch tư pháp", ["agency"]),
    ("xin giấy xác nhận độc thân ở xã hay huyện", ["agency"]),
    ("hồ sơ nộp ở đâu", ["agency"]),
    ("cấp lại giấy khai sinh bản sao ở đâu", ["agency"]),
    # --- steps ---
    ("Các bước đăng ký thường trú như thế nào?", ["steps"]),
    ("trình tự cấp đổi giấy phép lái xe", ["steps"]),
    ("quy trinh lam ho chieu", ["steps"]),
    ("Làm thế nào để đăng ký tạm trú?", ["steps"]),
    ("lam sao de cap lai so ho khau", ["steps"]),
    ("thủ tục ly hôn ra sao", ["steps"]),
    ("hướng dẫn em cách đăng ký khai tử với", ["steps"]),
    ("Tôi bị mất cccd thì phải làm gì", ["steps"]),
    ("dang ky khai sinh ntn ad", ["steps"]),
    # --- online ---
    ("Có thể đăng ký tạm trú online không?", ["online"]),
    ("co the nop ho so qua mang duoc ko", ["online"]),
    ("làm hộ chiếu trên dịch vụ công được không", ["online"]),
    ("đăng ký khai sinh trực tuyến được ko", ["online"]),
    ("kích hoạt tài khoản vneid như thế nào", ["steps", "online"]),
    ("nộp qua dvc đc k ạ", ["online"]),
    # --- conditions ---
    ("Điều kiện để được cấp giấy phép kinh doanh là gì?", ["conditions"]),
    ("dieu kien dang ky ket hon voi nguoi nuoc ngoai", ["conditions"]),
    ("Đối tượng nào được hưởng bảo hiểm thất nghiệp", ["conditions"]),
    ("trẻ em bao nhiêu tuổi thì phải làm căn cước", ["conditions"]),
    ("ai được đăng ký thường trú ở nhà thuê", ["conditions"]),
    ("tôi có đủ đk tách thửa không", ["conditions"]),
    # --- result ---
    ("Đăng ký kết hôn xong thì nhận được gì?", ["result"]),
    ("kết quả của thủ tục cấp phiếu lý lịch tư pháp là gì", ["result"]),
    ("làm xong thủ tục này thì được cấp giấy gì", ["result"]),
    # --- legal basis ---
    ("Căn cứ pháp lý của thủ tục đăng ký khai sinh", ["legal_basis"]),
    ("cấp hộ chiếu theo luật nào", ["legal_basis"]),
    ("thủ tục này theo nghị định nào vậy", ["legal_basis"]),
    ("quy định về tạm trú ở văn bản nào", ["legal_basis"]),
    ("thủ tục này được quy định ở đâu", ["legal_basis"]),
    # --- multi-aspect ---
    ("Làm cccd cần giấy tờ gì, phí bao nhiêu và mấy ngày có?", ["documents", "fee", "time"]),
    ("lam cccd can giay to gi, le phi bao nhieu, nop o dau", ["documents", "fee", "agency"]),
    (
        "Cho mình hỏi đăng ký kinh doanh hộ cá thể cần hs gì, nộp ở đâu và bao lâu có kq",
        ["documents", "time", "agency"],
    ),
    ("đổi bằng lái online được không, phí bn ạ", ["fee", "online"]),
    ("xin giấy phép xây dựng mất bao lâu, phí bao nhiêu", ["fee", "time"]),
    ("tách thửa đất cần điều kiện gì và hồ sơ gồm những gì", ["documents", "conditions"]),
    ("cấp mã số thuế cá nhân ở đâu và có online được không", ["agency", "online"]),
    ("đk kết hôn cần j, làm ở đâu, bao lâu có, mất phí ko", ["documents", "fee", "time", "agency"]),
    (
        "ĐĂNG KÝ THƯỜNG TRÚ CẦN GIẤY TỜ GÌ VÀ THEO LUẬT NÀO",
        ["documents", "legal_basis"],
    ),
    ("giay to lam giay khai sinh cho con", ["documents"]),
    ("Giấy tờ để đăng ký kết hôn ạ", ["documents"]),
    ("hồ sơ xin cấp hộ chiếu", ["documents"]),
    # --- nothing ---
    ("hồ sơ làm sổ đỏ của tôi nộp từ tháng 3 chưa có", []),  # the citizen's own file, not the papers
    ("tra cứu hồ sơ đăng ký kinh doanh", []),
    ("Tôi muốn hỏi về thủ tục đăng ký kết hôn", []),
    ("xin chào", []),
    ("cảm ơn ad nhiều", []),
    ("đăng ký tạm trú cho người nước ngoài", []),
    ("", []),
    ("😀😀", []),
]


@pytest.mark.parametrize("message, expected", CASES)
def test_detect_aspects(message, expected):
    assert detect_aspects(message) == expected


def test_enough_realistic_cases():
    assert len(CASES) >= 60
    covered = {aspect for _, expected in CASES for aspect in expected}
    assert covered == set(ASPECTS)


@pytest.mark.parametrize(
    "message, absent",
    [
        ("bao nhiêu ngày thì có", "fee"),
        ("mất bao nhiêu ngày", "fee"),
        ("mất bao nhiêu thời gian", "fee"),
        ("cần bao nhiêu bộ hồ sơ", "fee"),
        ("làm ở đâu", "steps"),
        ("nộp ở đâu", "steps"),
        ("chuyển mục đích sử dụng đất phi nông nghiệp", "fee"),
        ("bao giờ có kết quả", "result"),
        ("nhận kết quả ở đâu", "result"),
        ("nộp hồ sơ như thế nào", "documents"),
        ("hồ sơ nộp ở đâu", "documents"),
        ("quy định ở đâu", "agency"),
        ("ưu tiên người cao tuổi", "fee"),
        ("đất mặt tiền", "fee"),
    ],
)
def test_false_positives(message, absent):
    assert absent not in detect_aspects(message)


@pytest.mark.parametrize(
    "accented",
    [
        "Làm căn cước công dân cần giấy tờ gì, lệ phí bao nhiêu?",
        "Đăng ký thường trú mất bao lâu và nộp ở đâu?",
        "Các bước đăng ký kết hôn trực tuyến như thế nào?",
        "Điều kiện cấp hộ chiếu theo luật nào?",
    ],
)
def test_accented_and_unaccented_agree(accented):
    assert detect_aspects(accented) == detect_aspects(fold_accents(accented))
    assert detect_aspects(accented) == detect_aspects(accented.upper())
    assert detect_aspects(accented)


def test_output_is_in_vocabulary_order():
    result = detect_aspects("căn cứ pháp lý, kết quả, điều kiện, online, các bước, ở đâu, bao lâu, phí, giấy tờ gì")
    assert result == list(ASPECTS)


def test_labels():
    assert ASPECTS == (
        "documents", "fee", "time", "agency", "steps", "online", "conditions", "result", "legal_basis",
    )
    assert set(ASPECT_LABELS_VI) == set(ASPECTS)
    assert ASPECT_LABELS_VI["documents"] == "Thành phần hồ sơ"
    assert ASPECT_LABELS_VI["fee"] == "Phí, lệ phí"
    assert ASPECT_LABELS_VI["time"] == "Thời hạn giải quyết"
    assert ASPECT_LABELS_VI["agency"] == "Cơ quan thực hiện"
    assert ASPECT_LABELS_VI["steps"] == "Trình tự thực hiện"
    assert ASPECT_LABELS_VI["online"] == "Nộp trực tuyến"
    assert ASPECT_LABELS_VI["conditions"] == "Điều kiện"
    assert ASPECT_LABELS_VI["result"] == "Kết quả"
    assert ASPECT_LABELS_VI["legal_basis"] == "Căn cứ pháp lý"
    for label in ASPECT_LABELS_VI.values():
        assert label[0].isupper()
        assert fold_accents(label) != label  # labels carry diacritics


@pytest.mark.parametrize("value", [None, 42, "", "   ", "\u200b\u202e", "a" * 20_000, ["phí"]])
def test_odd_inputs(value):
    assert isinstance(detect_aspects(value), list)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=200)))
def test_prop_detect_aspects_never_raises(value):
    result = detect_aspects(value)
    assert all(a in ASPECTS for a in result)
    assert result == [a for a in ASPECTS if a in result]
    assert len(set(result)) == len(result)
