"""How the end-to-end benchmark reads what the citizen was shown."""

from scripts import bench_assistant as bench

ANSWER = {"text": "Thủ tục: Đăng ký thường trú (mã 1.004222)\nLệ phí: 20.000 đồng. Xem thêm mã 1.001456."}
CHOICE = {"text": "Anh/Chị hỏi thủ tục nào ạ?",
          "buttons": [{"title": "Khai sinh", "payload": '/ask_procedure{"procedure_code":"1.001193"}'},
                      {"title": "Khai sinh có yếu tố nước ngoài",
                       "payload": '/ask_procedure{"procedure_code": "2.000528"}'}]}
DECLINE = {"text": "Em chưa chắc chắn. Anh/Chị có muốn gặp tổng đài viên không?",
           "buttons": [{"title": "Gặp tổng đài viên", "payload": "/request_human"}]}


def test_the_answered_procedure_is_the_first_code_named_as_the_answer():
    assert bench.classify_reply([ANSWER], ["1.004222"]) == "answered_right"
    # A code merely mentioned later in the text is not the answer.
    assert bench.classify_reply([ANSWER], ["1.001456"]) == "answered_wrong"


def test_a_question_back_counts_by_its_buttons():
    assert bench.classify_reply([CHOICE], ["2.000528"]) == "asked_right"
    assert bench.classify_reply([CHOICE], ["1.004222"]) == "asked_wrong"


def test_no_procedure_shown_is_a_decline():
    assert bench.classify_reply([DECLINE], ["1.004222"]) == "declined"
    assert bench.classify_reply([], []) == "declined"
