"""Re-ranking of the leading candidates: its features, the tree ensemble it is served as, and its
place in the search."""

import json

import numpy as np
import pytest

from knowledge_base.fit_reranker import RERANK_FOLDS, fit_trees, rerank_fold, to_ensemble
from knowledge_base.rerank import (RERANK_FEATURES, TreeEnsemble, candidate_matrix, negated_scopes, polarity_versus,
                                   rerank_order)
from knowledge_base.search import ProcedureSearch
from knowledge_base.scoring import Calibration

COLUMN = {name: i for i, name in enumerate(RERANK_FEATURES)}
IDF = {"cap": 0.5, "lai": 2.0, "giay": 0.5, "phep": 1.0, "lan": 3.0, "dau": 3.0, "xe": 1.5}


def matrix(names, message, scores=None, features=None):
    tokens = message.split()
    names = [name.split() for name in names]
    scores = scores or [10.0 - i for i in range(len(names))]
    features = features or [{"dense": 0.8 - 0.1 * i} for i in range(len(names))]
    topic = [t for t in tokens if t not in {"xin", "toi"}]
    return candidate_matrix(names, features, scores, tokens, topic, IDF, 4.0)


GUARANTEED = "dang ky khoan vay nuoc ngoai cua doanh nghiep duoc chinh phu bao lanh".split()
NOT_GUARANTEED = "dang ky khoan vay nuoc ngoai cua doanh nghiep khong duoc chinh phu bao lanh".split()


@pytest.mark.parametrize("message, agrees_with_negated", [
    ("cong ty vay nuoc ngoai khong co chinh phu bao lanh thi dang ky the nao", True),
    ("khoan vay tu vay, chua duoc bao lanh chinh phu".replace(",", ""), True),
    ("khoan vay nuoc ngoai co chinh phu bao lanh dang ky o dau", False),
    # A question tag is not a negation of what follows it.
    ("vay nuoc ngoai duoc chinh phu bao lanh thi dang ky duoc khong", False),
    # Not knowing whether negates nothing.
    ("khong biet chinh phu co bao lanh khoan vay khong", False),
])
def test_a_message_sides_with_the_name_that_negates_as_it_does(message, agrees_with_negated):
    tokens = message.split()
    expected = 1.0 if agrees_with_negated else -1.0
    assert polarity_versus(NOT_GUARANTEED, GUARANTEED, tokens) == expected
    assert polarity_versus(GUARANTEED, NOT_GUARANTEED, tokens) == -expected


def test_polarity_says_nothing_when_it_cannot_tell():
    message = "dang ky khoan vay nuoc ngoai cua doanh nghiep".split()  # the phrase is not named
    assert polarity_versus(NOT_GUARANTEED, GUARANTEED, message) == 0.0
    changed = "dang ky thay doi khoan vay nuoc ngoai khong duoc chinh phu bao lanh".split()
    asked = "vay khong co chinh phu bao lanh".split()
    assert polarity_versus(NOT_GUARANTEED, changed, asked) == 0.0  # both names negate it
    other = "cap giay phep kinh doanh cang hang khong".split()
    assert polarity_versus(other, "cap lai giay phep kinh doanh cang hang khong".split(), asked) == 0.0


def test_aviation_and_air_are_not_negations():
    assert negated_scopes("cap giay phep kinh doanh cang hang khong san bay".split()) == []
    assert negated_scopes("anh chup khong anh tu may bay".split()) == []
    assert negated_scopes("dich vu tru cung cap dich vu an ninh".split()) == [frozenset({"cung", "cap", "dich", "vu"})]


def test_polarity_is_a_column_of_the_matrix():
    X = matrix([" ".join(GUARANTEED), " ".join(NOT_GUARANTEED)], "vay nuoc ngoai khong co chinh phu bao lanh")
    assert X[0, COLUMN["polarity_versus"]] == -1.0 and X[1, COLUMN["polarity_versus"]] == 1.0


def test_what_sets_a_name_apart_is_read_against_the_message():
    X = matrix(["cap giay phep", "cap lai giay phep"], "toi xin cap lai giay phep")
    assert X.shape == (2, len(RERANK_FEATURES))
    leader, reissue = X
    assert leader[COLUMN["own_words_matched"]] == -1.0  # "cap giay phep" has no word of its own
    assert reissue[COLUMN["own_words_matched"]] == 1.0  # "lai" is the reissue's, and was asked
    assert reissue[COLUMN["versus_gain"]] > 0 and leader[COLUMN["versus_loss"]] > 0
    assert reissue[COLUMN["pairs_gain"]] == 2.0  # ("cap", "lai") and ("lai", "giay")
    assert reissue[COLUMN["pairs_advantage"]] == 2.0  # 3 of its word pairs in the message, 1 of the leader's
    assert leader[COLUMN["score_below_top"]] == 0.0 and reissue[COLUMN["score_below_top"]] == -1.0
    assert leader[COLUMN["rank_inverse"]] == 1.0 and reissue[COLUMN["rank_inverse"]] == 0.5
    assert reissue[COLUMN["dense_below_best"]] == pytest.approx(-0.1)


def test_a_message_without_the_distinguishing_words_does_not_favour_the_sibling():
    X = matrix(["cap giay phep", "cap lai giay phep"], "xin giay phep xe")
    assert X[1, COLUMN["own_words_matched"]] == 0.0
    assert X[1, COLUMN["versus_gain"]] == 0.0 and X[1, COLUMN["pairs_gain"]] == 0.0


def test_a_single_candidate_and_odd_input_still_give_a_row():
    assert matrix(["cap giay phep"], "cap giay phep").shape == (1, len(RERANK_FEATURES))
    assert matrix([], "x").shape == (0, len(RERANK_FEATURES))
    assert np.isfinite(matrix(["a", "a"], "")).all()


def test_the_served_trees_give_sklearn_s_probabilities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, len(RERANK_FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 3] * X[:, 5] + rng.normal(scale=0.5, size=600)) > 0
    model = fit_trees(X, y)
    ensemble = TreeEnsemble.from_dict(json.loads(json.dumps(to_ensemble(model, {}).to_dict())))
    test = rng.normal(size=(200, len(RERANK_FEATURES)))
    test[::7, 2] = np.nan  # missing values follow the trees' own rule
    assert np.allclose(ensemble.probability(test), model.predict_proba(test)[:, 1], atol=1e-6)
    assert ensemble.probability(np.zeros((0, len(RERANK_FEATURES)))).shape == (0,)


def test_a_reranker_for_other_features_or_a_damaged_file_is_not_used(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, len(RERANK_FEATURES)))
    ensemble = to_ensemble(fit_trees(X, X[:, 0] > 0), {"n": 1})
    ensemble.save(tmp_path / "ok.json")
    assert TreeEnsemble.load(tmp_path / "ok.json").meta == {"n": 1}
    data = ensemble.to_dict()
    data["features"] = data["features"][:-1]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    assert TreeEnsemble.load(tmp_path / "old.json") is None
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert TreeEnsemble.load(tmp_path / "bad.json") is None
    assert TreeEnsemble.load(tmp_path / "missing.json") is None


def test_order_is_by_probability_and_ties_keep_the_fused_order():
    assert rerank_order([0.2, 0.9, 0.2, 0.5]) == [1, 3, 0, 2]


def test_folds_are_stable_and_even():
    folds = [rerank_fold({"id": f"h{i:05d}"}) for i in range(5000)]
    assert folds == [rerank_fold({"id": f"h{i:05d}"}) for i in range(5000)]
    assert all(abs(folds.count(f) / 5000 - 1 / RERANK_FOLDS) < 0.02 for f in range(RERANK_FOLDS))


class PreferLast:
    """A stand-in model that finds the last leading candidate the most probable."""
    def probability(self, X):
        return np.linspace(0.1, 0.9, len(X))


def test_the_search_reorders_only_the_leading_groups_and_keeps_their_scores(tiny_settings):
    from knowledge_base.index import load_or_build

    index = load_or_build(tiny_settings, progress=False)
    plain = ProcedureSearch(index, Calibration.default(), reranker=None)
    reranked = ProcedureSearch(index, Calibration.default(), reranker=PreferLast())
    rows, feats, ctx = plain.candidate_features("đăng ký khai sinh cho con")
    before = plain.rank(rows, feats, ctx)
    after = reranked.rank(rows, feats, ctx)
    groups_before = plain.leading_groups(before)
    groups_after = reranked.leading_groups(after)
    lead = min(5, len(groups_before))
    assert lead >= 2
    # The same groups lead, the model's favourite first (it fits the message); the rest follow as
    # they were. A sibling that contradicts the message still yields to one that fits it (the
    # real model's case is in test_search_quality: "xin giấy phép hoạt động" is no reissue).
    assert groups_after[0][0][0] == groups_before[lead - 1][0][0]
    assert sorted(g[0][0] for g in groups_after[:lead]) == sorted(g[0][0] for g in groups_before[:lead])
    assert [[e[0] for e in g] for g in groups_after[lead:]] == [[e[0] for e in g] for g in groups_before[lead:]]
    # The fused scores are handed out again, best first; each carries the model's probability.
    assert [g[0][1] for g in groups_after[:lead]] == [g[0][1] for g in groups_before[:lead]]
    assert groups_after[0][0][2]["rerank"] == pytest.approx(0.9)
    assert sorted(e[0] for e in after) == sorted(e[0] for e in before)


def test_a_search_built_without_the_reranker_its_calibration_expects_says_so(tiny_settings, caplog):
    from knowledge_base.index import load_or_build

    index = load_or_build(tiny_settings, progress=False)
    calibration = Calibration.default()
    calibration.confidence_weights["rerank_top"] = 2.0
    with caplog.at_level("WARNING", logger="knowledge_base.search"):
        ProcedureSearch(index, calibration, reranker=PreferLast())
        assert "re-ranker" not in caplog.text
        ProcedureSearch(index, calibration, reranker=None)
    assert "no re-ranker" in caplog.text


def test_the_closest_training_question_is_read_against_the_other_leaders():
    features = [{"memory_dense": 0.80, "memory_lexical": 0.5}, {"memory_dense": 0.95, "memory_lexical": 0.9},
                {"memory_dense": 0.70, "memory_lexical": 0.0}]
    X = matrix(["cap giay phep", "cap lai giay phep", "gia han giay phep"], "xin cap lai giay phep",
               features=features)
    leader, reissue, extension = X
    assert reissue[COLUMN["memory_below_best"]] == 0.0 and leader[COLUMN["memory_below_best"]] == pytest.approx(-0.15)
    assert reissue[COLUMN["memory_versus_top"]] == pytest.approx(0.15)
    assert reissue[COLUMN["memory_words_versus_top"]] == pytest.approx(0.4)
    assert reissue[COLUMN["memory_above_rivals"]] == pytest.approx(0.15)
    assert leader[COLUMN["memory_above_rivals"]] == pytest.approx(-0.15)
    assert extension[COLUMN["memory_words_below_best"]] == pytest.approx(-0.9)
