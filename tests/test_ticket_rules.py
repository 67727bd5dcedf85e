"""What a ticket takes from a conversation (actions/ticket_rules.py)."""

import pytest

from actions import ticket_rules as rules


@pytest.mark.parametrize("text, place", [
    ("Đèn đường ở ngõ 5 Trần Phú, phường Hòa An bị hỏng 3 hôm nay", "ngõ 5 Trần Phú, phường Hòa An"),
    ("rac thai o thon Dong xa Hoa An boc mui", "thon Dong xa Hoa An"),
    ("o ngo 5 tran phu bi ngap", "ngo 5"),
    ("ổ gà trên đường ĐT 741 km 12 rất nguy hiểm", "đường ĐT 741 km 12"),
    ("ngập nước tại Khu dân cư số 3 sau mưa", "Khu dân cư số 3"),
    # A place word without a name is no place: "trước ngõ hỏng", "hàng xóm hát".
    ("đèn đường trước ngõ hỏng cả tuần nay không ai sửa", ""),
    ("karaoke hàng xóm hát tới 1h sáng, ồn quá không ngủ được", ""),
    ("", ""),
])
def test_the_place_a_report_names(text, place):
    assert rules.place_in(text) == place


@pytest.mark.parametrize("text, phone", [
    ("sđt của em 0912 345 678 ạ", "0912345678"),
    ("+84 912.345.678", "0912345678"),
    ("goi 0243.826.1234 nhe", "02438261234"),
    ("em không có số", None),
    ("0123456789", None),  # the old 11-digit era prefix 01x is not a number any more
])
def test_phone_numbers_in_messages(text, phone):
    assert rules.phone_in(text) == phone


def test_masked_phone_hides_the_middle():
    assert rules.masked_phone("0912345678") == "0912***678"
    assert rules.masked_phone("") == "***"


@pytest.mark.parametrize("text, expected", [("em tên Lan", "Lan"), ("Tôi là Nguyễn Văn An", "Nguyễn Văn An"),
                                            ("bỏ qua", ""), ("khong", ""), ("Trần Thị B.", "Trần Thị B")])
def test_names_and_skipping(text, expected):
    assert rules.clean_name(text) == expected


def test_cancel_is_not_skip():
    assert rules.is_cancel("Hủy") and rules.is_cancel("thoi khong gui nua")
    assert not rules.is_cancel("không") and rules.is_skip("không")


@pytest.mark.parametrize("text, rating", [("5", 5), ("4 sao", 4), ("cho 3 điểm", 3), ("năm sao", 5),
                                          ("rất hài lòng", 5), ("không hài lòng", 2), ("hài lòng ạ", 4),
                                          ("6", None), ("tuyệt vời ông mặt trời", None)])
def test_ratings(text, rating):
    assert rules.parse_rating(text) == rating


def test_channels_map_to_the_backend_s():
    assert rules.backend_channel("socketio") == "web"
    assert rules.backend_channel("facebook") == "messenger"
    assert rules.backend_channel("zalo") == "zalo"
    assert rules.backend_channel(None) == "web"


def test_enough_description_and_summary():
    assert not rules.enough_description("đèn hỏng")
    assert rules.enough_description("đèn đường ngõ 5 hỏng ba hôm")
    assert not rules.enough_description("/report_problem")
    long = "đèn " * 100
    assert len(rules.summary_of(long)) <= rules.MAX_SUMMARY + 1 and rules.summary_of(long).endswith("…")


EVENTS = [
    {"event": "user", "text": "cũ", "timestamp": 1.0, "parse_data": {"intent": {"name": "greet"}}},
    {"event": "session_started", "timestamp": 2.0},
    {"event": "user", "text": "làm sổ đỏ cho đất ông bà để lại", "timestamp": 3.0, "message_id": "m1",
     "parse_data": {"intent": {"name": "ask_procedure"}}},
    {"event": "bot", "text": "Anh/Chị muốn hỏi thủ tục nào?", "timestamp": 4.0},
    {"event": "action", "name": "action_listen", "timestamp": 4.5},
    {"event": "user", "text": "có", "timestamp": 5.0, "message_id": "m2", "parse_data": {"intent": {"name": "affirm"}}},
]


def test_transcript_of_the_current_session():
    lines = rules.transcript(EVENTS)
    assert [(l["sender"], l["text"]) for l in lines] == [("user", "làm sổ đỏ cho đất ông bà để lại"),
                                                         ("bot", "Anh/Chị muốn hỏi thủ tục nào?"), ("user", "có")]
    assert lines[0]["at"].startswith("1970-01-01T00:00:03")


def test_last_question_skips_yes_and_no():
    assert rules.last_question(EVENTS) == "làm sổ đỏ cho đất ông bà để lại"


def test_idempotency_key_is_stable_per_confirmation():
    key = rules.idempotency_key("citizen-1", EVENTS)
    assert key == rules.idempotency_key("citizen-1", list(EVENTS))
    assert key != rules.idempotency_key("citizen-2", EVENTS)
    later = EVENTS + [{"event": "user", "text": "có", "timestamp": 9.0, "message_id": "m3"}]
    assert key != rules.idempotency_key("citizen-1", later)


def test_due_dates_in_vietnam_time():
    assert rules.due_date_text("2026-12-10T17:30:00+00:00") == "11/12/2026"
    assert rules.due_date_text("2026-12-10T10:00:00Z") == "10/12/2026"
    assert rules.due_date_text("not a date") == "" and rules.due_date_text(None) == ""
