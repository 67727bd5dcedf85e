"""The fusion fit keeps its weights unless a change wins enough tuning questions."""

import numpy as np

from knowledge_base import calibrate


def question(right_feature: float, wrong_feature: float, right_other: float, wrong_other: float):
    """One tuning question: two candidates, the second is right (ties go to the wrong one); features [a, b]."""
    X = np.array([[wrong_feature, wrong_other], [right_feature, right_other]])
    return X, np.array([False, True])


def test_a_change_must_win_the_minimum_number_of_questions():
    # Feature a ranks 9 questions right; on the 10th both candidates tie on a and b decides.
    groups = [question(1.0, 0.0, 0.0, 1.0) for _ in range(9)] + [question(1.0, 1.0, 1.0, 0.0)]
    incumbent = np.array([1.0, 0.0])
    gained = calibrate._coordinate_search(incumbent.copy(), groups)  # any gain: b is switched on
    assert gained[1] > 0 and calibrate._objective(gained, groups) > calibrate._objective(incumbent, groups)
    # One question is below the two-question minimum: the incumbent is kept as it is.
    kept = calibrate._coordinate_search(incumbent.copy(), groups, min_gain=2 / len(groups))
    assert np.array_equal(kept, incumbent)


def test_fit_fusion_keeps_the_incumbent_unless_another_start_is_clearly_better():
    groups = [question(1.0, 0.0, 0.0, 1.0) for _ in range(9)] + [question(0.0, 1.0, 1.0, 0.0)]
    kept = calibrate.fit_fusion(groups, np.array([1.0, 0.0]))
    assert calibrate._objective(kept, groups) == calibrate._objective(np.array([1.0, 0.0]), groups)


def test_threshold_keeps_the_reject_budget_but_not_below_the_oos_floor():
    # 100 in-scope questions scored 0.50..0.99 and 50 out-of-scope ones scored 0.00..0.49.
    in_probs = np.linspace(0.50, 0.99, 100)
    oos_probs = np.linspace(0.00, 0.49, 50)
    probs = np.concatenate([in_probs, oos_probs])
    in_scope = np.concatenate([np.ones(100, bool), np.zeros(50, bool)])
    tuning = np.ones(150, bool)
    threshold = calibrate.choose_threshold(probs, in_scope, tuning)
    assert np.mean(in_probs < threshold) <= calibrate.REJECT_BUDGET  # separable: the budget decides
    assert np.mean(oos_probs < threshold) == 1.0

    # Harder in-scope messages (a training fold) overlap the out-of-scope ones: the budget alone
    # would accept most of them; the floor keeps OOS_FLOOR of the tuning set's rejected.
    hard = np.linspace(0.05, 0.60, 100)
    probs = np.concatenate([in_probs, oos_probs, hard])
    in_scope = np.concatenate([np.ones(100, bool), np.zeros(50, bool), np.ones(100, bool)])
    tuning = np.concatenate([np.ones(150, bool), np.zeros(100, bool)])
    threshold = calibrate.choose_threshold(probs, in_scope, tuning)
    assert np.mean(oos_probs < threshold) >= calibrate.OOS_FLOOR
    assert np.mean(oos_probs < threshold - 0.011) < calibrate.OOS_FLOOR  # and no higher than needed
    assert calibrate.choose_threshold(np.array([0.3]), np.array([False]), np.array([True])) == 0.5


def test_a_better_match_never_lowers_the_confidence():
    from knowledge_base.scoring import CONFIDENCE_FEATURES

    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.6
    X = rng.normal(size=(400, len(CONFIDENCE_FEATURES)))
    dense, score = CONFIDENCE_FEATURES.index("top_dense"), CONFIDENCE_FEATURES.index("top_score")
    X[:, dense] += 2.0 * y    # the dense similarity separates in-scope messages
    X[:, score] -= 1.0 * y    # a score that, in this sample, leans the other way
    unconstrained, _ = calibrate.fit_logistic(X, y)
    assert unconstrained[score] < 0
    coef, _ = calibrate.fit_confidence(X, y)
    assert coef[score] == 0.0 and coef[dense] > 0
    assert all(coef[CONFIDENCE_FEATURES.index(n)] >= 0 for n in calibrate.MONOTONE_CONFIDENCE)
