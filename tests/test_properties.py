"""Property-based tests (hypothesis): the catalog parser and the ticket rules take any text without
crashing, and keep their promises on every input, not only on the examples the other tests pin."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions import ticket_rules
from backend.app.services.phones import normalize_vietnamese_phone
from backend.app.services.statuses import (ALLOWED_TRANSITIONS, OPEN_STATUSES, TicketStatus, TransitionNotAllowed,
                                           can_transition, check_transition, display_label, is_overdue)
from backend.app.services.ticket_codes import CODE_PATTERN, new_ticket_code
from procedures_data import parsing

# Text as the portal crawl and citizens produce it: Vietnamese letters, digits, the punctuation of
# table cells run together, stray control characters and emoji.
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
PIECES = st.sampled_from([
    "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính", "7 Ngày làm việc", "10,000 Việt Nam Đồng", "Lệ phí",
    "(", ")", ":", ";", "\n", "Bản chính: 1", "Bản sao: 0", "Mẫu đơn.docx", "Không có thông tin",
    "Luật 68/2020/QH14", "Nghị định 154/2024/NĐ-CP", "Bước 1:", "Bước 2.", "Cấp xã", "Cấp tỉnh", "Đồng",
    "Phí", "Miễn phí", "\u200b", "\x00", "\t", "🙂", " ", "  ", "-", "+", "…",
])
CATALOG_TEXT = st.one_of(
    st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789 .,;:()-/\n%", max_size=300),
    st.lists(PIECES, max_size=40).map("".join),
    st.text(max_size=200),
)
ANY_TEXT = st.text(max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CATALOG_TEXT)
def test_catalog_cell_parsers_accept_anything_and_return_nfc(cell):
    methods, _ = parsing.split_methods(cell)
    documents, _ = parsing.split_documents(cell)
    legal, _ = parsing.split_legal_basis(cell)
    steps, _ = parsing.split_steps(cell)
    fee, _ = parsing.normalize_fee(cell)
    result, _ = parsing.clean_result(cell)
    strings = [fee, result, *steps]
    for row in methods + documents + legal:
        assert isinstance(row, dict)
        strings += [v for v in row.values() if isinstance(v, str)]
    for text in strings:
        assert text == unicodedata.normalize("NFC", text)
        assert "\x00" not in text


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


RAW_FIELDS = ["ma_thu_tuc", "ten_thu_tuc", "linh_vuc", "cap_thuc_hien", "co_quan_co_tham_quyen", "raw_text",
              "doi_tuong_thuc_hien", "trinh_tu_thuc_hien", "cach_thuc_thuc_hien", "thanh_phan_ho_so",
              "can_cu_phap_ly", "co_quan_thuc_hien", "yeu_cau_dieu_kien", "ket_qua_xu_ly", "so_quyet_dinh"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={f: st.one_of(CATALOG_TEXT, st.none(), st.integers()) for f in RAW_FIELDS}))
def test_a_crawled_record_of_any_shape_becomes_a_clean_catalog_record(raw):
    record, _ = parsing.to_record(raw)
    assert {"code", "name", "methods", "documents", "legal_basis", "steps"} <= set(record)
    for text in _strings(record):
        assert text == unicodedata.normalize("NFC", text) and "\x00" not in text
        assert "Không có thông tin" not in text  # unknown stays unknown, never a value


@settings(max_examples=200, deadline=None)
@given(CATALOG_TEXT)
def test_split_sections_and_interface_stripping_never_crash(raw):
    sections, problems = parsing.split_sections(raw)
    assert isinstance(sections, dict) and isinstance(problems, list)
    assert isinstance(parsing.strip_page_interface(raw), str)


@given(ANY_TEXT)
def test_phone_in_finds_only_valid_normalized_numbers(text):
    phone = ticket_rules.phone_in(text)
    assert phone is None or re.fullmatch(r"0\d{9}", phone)
    if phone:
        assert normalize_vietnamese_phone(phone) == phone  # normalizing twice changes nothing
        masked = ticket_rules.masked_phone(phone)
        assert masked.startswith(phone[:4]) and "***" in masked and phone not in masked


@given(st.from_regex(r"(\+84|84|0)(3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}", fullmatch=True),
       st.sampled_from(["", " ", ".", "-"]), st.sampled_from(["sdt ", "số em là ", "", "đt: "]))
def test_phone_numbers_are_found_however_they_are_written(number, separator, lead):
    national = "0" + re.sub(r"^(\+84|84|0)", "", number)
    spaced = separator.join([national[:4], national[4:7], national[7:]])
    assert ticket_rules.phone_in(f"{lead}{spaced} ạ") == national


@given(ANY_TEXT)
def test_text_rules_are_total(text):
    assert isinstance(ticket_rules.is_cancel(text), bool) and isinstance(ticket_rules.is_skip(text), bool)
    assert isinstance(ticket_rules.place_in(text), str) and isinstance(ticket_rules.enough_description(text), bool)
    name = ticket_rules.clean_name(text)
    assert len(name) <= 200
    summary = ticket_rules.summary_of(text)
    assert len(summary) <= ticket_rules.MAX_SUMMARY + 1
    rating = ticket_rules.parse_rating(text)
    assert rating is None or 1 <= rating <= 5


@given(ANY_TEXT)
def test_a_place_is_words_of_the_message(text):
    place = ticket_rules.place_in(text)
    if place:
        assert all(word.strip(",") in text for word in place.split())


@given(st.text(max_size=40), st.lists(st.fixed_dictionaries(
    {"event": st.sampled_from(["user", "bot", "action", "session_started"]),
     "timestamp": st.floats(min_value=0, max_value=2e9), "message_id": st.text(max_size=8)}), max_size=12))
def test_idempotency_key_is_stable_and_safe(sender, events):
    key = ticket_rules.idempotency_key(sender, events)
    assert key == ticket_rules.idempotency_key(sender, list(events))  # a retry sends the same key
    assert re.fullmatch(r"bot-[0-9a-f]{32}", key)


@given(st.sampled_from(list(TicketStatus)), st.sampled_from(list(TicketStatus)))
def test_transitions_follow_the_table(current, target):
    allowed = target in ALLOWED_TRANSITIONS[current]
    assert can_transition(current, target) == allowed
    if allowed:
        assert check_transition(current, target) == target
    else:
        try:
            check_transition(current, target)
            raise AssertionError("a forbidden transition was allowed")
        except TransitionNotAllowed as e:
            assert e.current == current and e.target == target


@given(st.lists(st.sampled_from(list(TicketStatus)), max_size=12))
def test_a_closed_ticket_stays_closed(path):
    status = TicketStatus.RECEIVED
    for target in path:
        if can_transition(status, target):
            status = target
        if status == TicketStatus.CLOSED:
            assert not any(can_transition(status, t) for t in TicketStatus)


@given(st.sampled_from(list(TicketStatus)), st.datetimes(timezones=st.just(timezone.utc)),
       st.integers(min_value=-10**6, max_value=10**6))
def test_only_open_tickets_past_due_are_overdue(status, due_at, seconds):
    now = due_at + timedelta(seconds=seconds) if datetime.min.replace(tzinfo=timezone.utc) + timedelta(days=20) \
        < due_at < datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=20) else due_at
    overdue = is_overdue(status, due_at, now)
    assert overdue == (status in OPEN_STATUSES and now > due_at)
    assert (display_label(status, due_at, now) == "Quá hạn") == overdue


@given(st.sampled_from(["question", "complaint", "request"]),
       st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(timezone.utc)),
       st.integers(min_value=0, max_value=999_999))
def test_ticket_codes_are_readable_on_the_phone(kind, received_at, serial):
    code = new_ticket_code(kind, received_at, random_digits=lambda _: serial)
    assert CODE_PATTERN.match(code) and not set(code) & set("OIL")
