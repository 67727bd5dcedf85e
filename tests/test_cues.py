import json

import pytest

from knowledge_base.config import REPO_ROOT
from knowledge_base.cues import _COMPLAINT_RE, message_cues
from knowledge_base.normalize import normalize_query


@pytest.mark.parametrize("text", [
    "Đường trước nhà bị ngập sâu mỗi khi mưa",
    "karaoke on den khuya khong ngu duoc",
    "xe rac chay luc nua dem boc mui ca xom",
    "cán bộ địa chính đòi thêm tiền mới chịu làm",
    "hồ sơ sổ đỏ của tôi trễ hẹn 2 tháng rồi",
    "Đèn đường bị hỏng cả tuần nay",
    "khu e cup nuoc tu sang toi gio",
])
def test_complaints_are_flagged(text):
    assert message_cues(text)["complaint"] == 1.0


@pytest.mark.parametrize("text", [
    "làm lại sổ đỏ bị mất cần gì",
    "mất điện thoại muốn khóa căn cước điện tử",
    "đổi tiền rách ở ngân hàng nào",
    "xin giấy phép xả nước thải vào nguồn nước",
    "cấp phép sử dụng tạm thời lòng đường vỉa hè",
    "mở quán karaoke cần giấy phép gì",
])
def test_questions_about_procedures_are_not_complaints(text):
    assert message_cues(text)["complaint"] == 0.0


def test_no_procedure_name_looks_like_a_complaint():
    # Words that name procedures must stay out of the complaint lexicon.
    flagged = []
    with open(REPO_ROOT / "procedures_data" / "catalog.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if _COMPLAINT_RE.search(" ".join(normalize_query(record["name"]).folded_tokens)):
                flagged.append(record["code"])
    assert flagged == []


@pytest.mark.parametrize("text,expected", [
    ("chào ad", 1.0), ("Bạn là người thật hay máy vậy", 1.0), ("ok cam on nhe", 1.0), ("👍👍", 1.0),
    ("???", 1.0), ("chào ad, làm cccd ở đâu", 0.0), ("đăng ký kết hôn", 0.0), ("", 0.0),
])
def test_smalltalk(text, expected):
    assert message_cues(text)["smalltalk"] == expected


def test_aspect_cue_and_safety_on_odd_input():
    assert message_cues("lam ho chieu mat bao lau")["asks_aspect"] == 1.0
    assert message_cues("hộ chiếu")["asks_aspect"] == 0.0
    for text in ("\x00\x01", "a" * 10000, "🙂" * 50, None):
        cues = message_cues(text)
        assert set(cues) == {"complaint", "smalltalk", "asks_aspect"}


def test_question_phrases_are_left_out_of_lexical_matching():
    from knowledge_base.cues import without_question_phrases

    def kept(text):
        folded = normalize_query(text).folded_tokens
        return " ".join(t for t, k in zip(folded, without_question_phrases(folded)) if k)

    assert kept("ho chieu lam mat bao lau") == "ho chieu lam"
    assert kept("lam khai sinh cho be can giay to j") == "lam khai sinh cho be"
    assert kept("làm thẻ căn cước như thế nào") == "lam the can cuoc"
    assert kept("sổ đỏ bị mất làm lại ở đâu").startswith("so do")
    assert "mat" in kept("so do bi mat")  # "mất" as in lost stays: it is the topic
    assert kept("") == ""
