from knowledge_base.scoring import (CONFIDENCE_FEATURES, Calibration, confidence_features, content_words,
                                    phrase_score, unmatched_rarity, weighted_overlap,
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


def test_weighted_overlap_counts_rare_words_more():
    idf = {"dang": 0.1, "ky": 0.1, "luu": 3.0, "dong": 2.0}
    # The rare qualifier "lưu động" decides: a name without it covers little of the message.
    with_qualifier = weighted_overlap(["dang", "ky", "luu", "dong"], {"dang", "ky", "luu", "dong"}, idf, 5.0)
    without = weighted_overlap(["dang", "ky", "luu", "dong"], {"dang", "ky"}, idf, 5.0)
    assert with_qualifier == 1.0
    assert round(without, 3) == round(0.2 / 5.2, 3)
    # Unknown words get the default (high) weight; repeated words count once.
    assert weighted_overlap(["abc", "abc", "dang"], {"dang"}, idf, 5.0) == 0.1 / 5.1
    assert weighted_overlap([], {"dang"}, idf, 5.0) == 0.0


def test_content_words_drop_function_words_letters_and_numbers():
    assert content_words(["em", "muon", "lam", "phep", "xay", "dung", "cap", "i", "2", "a"]) == [
        "phep", "xay", "dung", "cap"]


def test_confidence_features_carry_message_cues():
    out = confidence_features([{"name_precision": 0.4}], [3.0], ["g"], 1.0,
                              cues={"complaint": 1.0, "smalltalk": 0.0, "asks_aspect": 1.0})
    assert out["complaint"] == 1.0 and out["asks_aspect"] == 1.0 and out["top_name_precision"] == 0.4
    empty = confidence_features([], [], [], 0.0, cues={"smalltalk": 1.0})
    assert empty["smalltalk"] == 1.0 and empty["top_score"] == 0.0


def test_unmatched_rarity_is_the_rarest_missing_word():
    idf = {"cap": 0.2, "lai": 0.3, "the": 1.0, "sinh": 2.0, "vien": 3.0}
    assert unmatched_rarity(["cap", "lai", "the", "sinh", "vien"], {"cap", "lai", "the"}, idf, 4.0) == 0.75
    assert unmatched_rarity(["cap", "the"], {"cap", "the"}, idf, 4.0) == 0.0
    assert unmatched_rarity(["xoso"], set(), idf, 4.0) == 1.0  # unknown words are the rarest
