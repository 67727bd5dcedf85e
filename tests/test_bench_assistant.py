"""How the end-to-end benchmark reads what the citizen was shown."""

import json

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


INTENT_REPORT = {"greet": {"f1-score": 1.0, "support": 3}, "ask_fee": {"f1-score": 0.9, "support": 2},
                 "accuracy": 0.96, "macro avg": {"f1-score": 0.95, "support": 5}}


def write_reports(cv_dir, report=INTENT_REPORT):
    cv_dir.mkdir(parents=True, exist_ok=True)
    (cv_dir / "intent_report.json").write_text(json.dumps(report))


def test_nlu_fingerprint_follows_the_training_data(tmp_path):
    (tmp_path / "bot" / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text("pipeline: []")
    data = tmp_path / "bot" / "data" / "nlu" / "chitchat.yml"
    data.write_text("nlu: []")
    before = bench.nlu_fingerprint(tmp_path)
    assert bench.nlu_fingerprint(tmp_path) == before
    data.write_text("nlu: [{intent: greet}]")
    assert bench.nlu_fingerprint(tmp_path) != before


def test_cross_validation_is_reused_only_for_the_same_inputs(tmp_path, monkeypatch):
    cv_dir = tmp_path / "cv"
    write_reports(cv_dir)
    (cv_dir / "fingerprint.json").write_text(json.dumps(
        {"fingerprint": bench.nlu_fingerprint(), "folds": 5, "measured": "2026-12-01"}))

    def must_not_train(out, folds):
        raise AssertionError("the inputs did not change: no new cross-validation")

    monkeypatch.setattr(bench, "nlu_cross_validation", must_not_train)
    result = bench.cached_cross_validation(cv_dir=cv_dir)
    assert (result["intent_macro_f1"], result["measured"]) == (0.95, "2026-12-01")
    assert result["weakest_intents"][0] == ("ask_fee", 0.9)

    # Another fingerprint (the data changed since): measured again, and the new stamp is kept.
    (cv_dir / "fingerprint.json").write_text(json.dumps({"fingerprint": "old", "folds": 5, "measured": "2026-11-01"}))
    runs = []

    def train(out, folds):
        runs.append(folds)
        write_reports(out, dict(INTENT_REPORT, **{"macro avg": {"f1-score": 0.97, "support": 5}}))
        return bench.read_cv_reports(out, folds)

    monkeypatch.setattr(bench, "nlu_cross_validation", train)
    assert bench.cached_cross_validation(cv_dir=cv_dir)["intent_macro_f1"] == 0.97
    assert runs == [5]
    assert json.loads((cv_dir / "fingerprint.json").read_text())["fingerprint"] == bench.nlu_fingerprint()
