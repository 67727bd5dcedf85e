"""The assistant as citizens meet it: the real Rasa server, action server and knowledge base.

`rasa test` checks the conversation test stories (bot/tests); the REST tests check that replies
carry the right facts of the right procedure, with and without diacritics, over follow-ups, and
that a citizen still gets a polite reply when the action server is down.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from tests.stack import (MODEL, RASA_PY, ROOT, action_server, free_port, process, rasa_server, say, texts,
                         warm_up)

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make model`")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stack")
    action_port, rasa_port = free_port(), free_port()
    with action_server(action_port, tmp / "actions.log"):
        with rasa_server(rasa_port, action_port, tmp, tmp / "rasa.log"):
            warm_up(rasa_port)
            yield {"rasa": rasa_port, "actions": action_port, "tmp": tmp}


def new_sender() -> str:
    return "test-" + uuid.uuid4().hex[:10]


def test_test_stories_pass(stack):
    endpoints = stack["tmp"] / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{stack['actions']}/webhook\n")
    out = stack["tmp"] / "results"
    run = subprocess.run(
        [str(RASA_PY), "-m", "rasa", "test", "core", "--model", str(MODEL), "--stories", "bot/tests",
         "--endpoints", str(endpoints), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((out / "story_report.json").read_text())
    failed = (out / "failed_test_stories.yml").read_text()
    assert report["conversation_accuracy"]["accuracy"] == 1.0, failed


@pytest.mark.parametrize("message", ["đăng ký thường trú hết bao nhiêu tiền", "dang ky thuong tru het bao nhieu tien",
                                     "đk thường trú lệ phí bn vậy ad"])
def test_fee_of_permanent_residence(stack, message):
    reply = texts(say(stack["rasa"], new_sender(), message))
    assert "1.004222" in reply and "20.000 đồng" in reply and "10.000 đồng" in reply


@pytest.mark.parametrize("message", ["làm hộ chiếu mất bao lâu", "lam ho chieu mat bao lau"])
def test_time_of_passport(stack, message):
    reply = texts(say(stack["rasa"], new_sender(), message))
    assert "hộ chiếu" in reply.lower() and "8 Ngày làm việc" in reply


@pytest.mark.parametrize("message", ["làm giấy khai sinh cho con cần giấy tờ gì", "lam khai sinh cho be can giay to j"])
def test_documents_of_birth_registration(stack, message):
    reply = texts(say(stack["rasa"], new_sender(), message))
    assert "1.001193" in reply and "Giấy chứng sinh" in reply


def test_follow_ups_keep_the_procedure_and_a_new_one_switches(stack):
    sender = new_sender()
    first = texts(say(stack["rasa"], sender, "dang ky thuong tru can giay to gi"))
    assert "1.004222" in first
    fee = texts(say(stack["rasa"], sender, "còn lệ phí thì sao?"))
    assert "1.004222" in fee and "20.000 đồng" in fee
    online = texts(say(stack["rasa"], sender, "làm online được không?"))
    assert "1.004222" in online and "trực tuyến" in online
    passport = texts(say(stack["rasa"], sender, "còn làm hộ chiếu thì mất bao lâu"))
    assert "8 Ngày làm việc" in passport and "1.004222" not in passport
    again = texts(say(stack["rasa"], sender, "lệ phí bao nhiêu"))
    assert "hộ chiếu" in again.lower() and "1.004222" not in again


def test_clarification_buttons_answer_the_chosen_procedure(stack):
    sender = new_sender()
    replies = say(stack["rasa"], sender, "làm hộ chiếu mất bao lâu")
    buttons = [b for r in replies for b in r.get("buttons") or []]
    level_button = next(b for b in buttons if b["payload"].startswith("/ask_procedure{"))
    chosen = json.loads(level_button["payload"][len("/ask_procedure"):])["procedure_code"]
    answer = texts(say(stack["rasa"], sender, level_button["payload"]))
    # The earlier aspect (time) is not lost when a button is chosen after a clarification.
    assert f"mã {chosen}" in answer


# Bare catalog names the NLU training data does not contain (procedure_names.yml leaves out every
# procedure an evaluation set expects): some used to be read as "goodbye", "ask for a human" or
# out of scope by a stray word ("tạm" as in tạm biệt, "viên" as in tổng đài viên).
@pytest.mark.parametrize("message, codes", [("Bổ nhiệm công chứng viên", ["1.013803"]),
                                            ("Đăng ký xe tạm thời", ["1.013083", "1.013086"]),
                                            ("Hưởng chế độ tai nạn lao động lần đầu", ["1.001632"])])
def test_a_bare_procedure_name_is_answered(stack, message, codes):
    reply = texts(say(stack["rasa"], new_sender(), message))
    assert any(f"(mã {code})" in reply for code in codes), reply


def test_a_situation_that_reads_like_a_report_but_needs_a_procedure_is_answered(stack):
    # "bị mất" reads like a report to the classifier; the knowledge base finds the reissue. Since
    # the confidence learnt from everyday messages (session 17) this phrasing sits just under the
    # threshold: the bot may answer, or ask "which of these?" with the reissue first. Either way it
    # is a procedure, never the report form.
    replies = say(stack["rasa"], new_sender(), "cà vẹt xe máy của em bị mất rồi, giờ xin cấp lại")
    reply = texts(replies)
    offered = [json.loads(b["payload"][len("/ask_procedure"):])["procedure_code"]
               for r in replies for b in r.get("buttons") or [] if b["payload"].startswith("/ask_procedure{")]
    answered = "(mã 1.013082)" in reply or "(mã 1.013080)" in reply
    assert answered or offered[:1] in (["1.013082"], ["1.013080"]), (reply, offered)
    assert "phản ánh" not in reply.lower(), reply


def test_unsure_and_out_of_scope_offer_a_human_and_never_answer(stack):
    for message in ("hôm nay trời có mưa không", "kể chuyện cười đi"):
        replies = say(stack["rasa"], new_sender(), message)
        reply = texts(replies)
        assert "mã 1." not in reply and "mã 2." not in reply
        payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
        assert "/request_human" in payloads or "/affirm" in payloads


def test_complaint_starts_the_ticket_form_which_asks_only_what_is_missing_and_can_be_cancelled(stack):
    sender = new_sender()
    first = texts(say(stack["rasa"], sender, "karaoke hàng xóm hát tới 1h sáng, ồn quá không ngủ được"))
    assert "phản ánh" in first and "ở đâu" in first, first  # the message said what, not where
    assert "số điện thoại" in texts(say(stack["rasa"], sender, "xóm 3 thôn Đông"))
    assert "chưa đúng" in texts(say(stack["rasa"], sender, "12345"))  # not a Vietnamese number
    assert "đã hủy" in texts(say(stack["rasa"], sender, "hủy"))
    # The bot is itself again.
    assert "1.004222" in texts(say(stack["rasa"], sender, "đăng ký thường trú hết bao nhiêu tiền"))


def test_asking_for_a_person_asks_what_it_is_about(stack):
    sender = new_sender()
    reply = texts(say(stack["rasa"], sender, "cho gặp tổng đài viên"))
    assert "tổng đài viên" in reply and "nội dung" in reply, reply


def test_an_accepted_offer_keeps_the_unanswered_question(stack):
    sender = new_sender()
    offer = say(stack["rasa"], sender, "hôm nay trời có mưa không")
    assert "/affirm" in [b["payload"] for r in offer for b in r.get("buttons") or []]
    reply = texts(say(stack["rasa"], sender, "có"))
    assert "số điện thoại" in reply and "nội dung" not in reply, reply  # the question is the description


def test_action_server_down_gives_a_polite_reply(tmp_path):
    dead_port, rasa_port = free_port(), free_port()  # nothing listens on dead_port
    with rasa_server(rasa_port, dead_port, tmp_path, tmp_path / "rasa.log"):
        reply = texts(say(rasa_port, new_sender(), "đăng ký thường trú hết bao nhiêu tiền"))
    assert "hệ thống đang bận" in reply
    assert "Traceback" not in reply and "Exception" not in reply


def test_restart_forgets_the_procedure_and_greets(stack):
    sender = new_sender()
    assert "1.004222" in texts(say(stack["rasa"], sender, "đăng ký thường trú"))
    assert say(stack["rasa"], sender, "/restart") == []  # the widget shows its own note, then greets
    assert "Tổng đài 1022" in texts(say(stack["rasa"], sender, "/greet"))
    assert "thủ tục nào" in texts(say(stack["rasa"], sender, "lệ phí bao nhiêu?"))
