from knowledge_base.scoring import (CONFIDENCE_FEATURES, Calibration, confidence_features, phrase_score,
                                    title_recall)


def test_phrase_score_matches_whole_words_only():
    assert phrase_score("toi muon lam so do cho nha", ["so do"]) == 2 / 6
    assert phrase_score("toi muon lam so dor", ["so do"]) == 0.0
    assert phrase_score("a b c d e f g h", ["a b c d e f g h"]) == 1.0


def test_title_recall():
    assert title_recall({"dang", "ky", "xe"}, ["dang", "ky", "thuong", "tru"]) == 0.5
    assert title_recall(set(), []) == 0.0


def test_confidence_margin_ignores_level_variants_of_the_top_hit():
    feats = [{"dense": 0.9}, {"dense": 0.88}, {"dense": 0.5}]
    out = confidence_features(feats, [5.0, 4.9, 2.0], ["g1", "g1", "g2"], query_known=1.0)
    assert out["margin"] == 3.0
    assert set(out) == set(CONFIDENCE_FEATURES)


def test_confidence_is_monotonic_and_bounded(tmp_path):
    cal = Calibration.default()
    low = cal.confidence({"top_score": 0.0, "top_dense": 0.5})
    high = cal.confidence({"top_score": 10.0, "top_dense": 0.95, "query_known": 1.0})
    assert 0.0 <= low < high <= 1.0
    path = tmp_path / "cal.json"
    cal.save(path)
    again = Calibration.load(path)
    assert again.fusion_weights == cal.fusion_weights and again.threshold == cal.threshold
