import numpy as np

from knowledge_base.bm25 import BM25, ngrams


def test_ngrams_adds_joined_bigrams():
    assert ngrams(["dang", "ky", "xe"]) == ["dang", "ky", "xe", "dang_ky", "ky_xe"]
    assert ngrams([]) == []


def test_rare_term_outweighs_common_term():
    docs = [["dang", "ky", "khai", "sinh"], ["dang", "ky", "ket", "hon"], ["dang", "ky", "xe"]]
    bm = BM25.build(docs)
    scores = bm.score(["dang", "ky", "hon"])
    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[0] > 0


def test_unknown_terms_score_zero_and_max_score_bounds_scores():
    bm = BM25.build([["a", "b"], ["b", "c"]])
    assert not bm.score(["zzz"]).any()
    assert bm.max_score(["zzz"]) == 0.0
    q = ["a", "b", "c"]
    assert bm.score(q).max() <= bm.max_score(q) + 1e-6


def test_round_trip_through_arrays():
    bm = BM25.build([["a", "b"], ["b", "c", "c"]])
    arrays = bm.to_arrays("x")
    again = BM25.from_arrays(arrays, "x")
    assert again.vocabulary == bm.vocabulary
    assert np.allclose(again.score(["c", "a"]), bm.score(["c", "a"]))


def test_idf_matches_document_frequency():
    bm = BM25.build([["khai", "sinh"], ["khai", "tu"], ["ket", "hon"]])
    idf = bm.idf()
    assert idf["sinh"] > idf["khai"] > 0  # "khai" is in two names, "sinh" in one
    assert set(idf) == set(bm.vocabulary)
