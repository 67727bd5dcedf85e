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


def _dense_reference(bm: BM25, terms: list[str], rows: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Scores and their upper bound computed from the whole matrix, the plain way."""
    matrix = bm.weights.toarray()
    ids = sorted({bm.vocabulary[t] for t in terms if t in bm.vocabulary})
    scores = matrix[:, ids].sum(axis=1)
    kept = matrix[rows] if rows is not None else matrix
    return scores, float(kept[:, ids].max(axis=0, initial=0.0).sum()) if ids else 0.0


def test_gathered_scores_and_bounds_equal_the_whole_matrix_computation():
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(40)]
    docs = [list(rng.choice(vocab, size=int(rng.integers(1, 12)))) for _ in range(200)]
    bm = BM25.build(docs)
    rows = rng.random(200) < 0.5
    for _ in range(30):
        terms = list(rng.choice(vocab + ["unknown", "other"], size=int(rng.integers(1, 15))))
        expected_scores, expected_bound = _dense_reference(bm, terms)
        assert np.allclose(bm.score(terms), expected_scores, atol=1e-5)
        assert abs(bm.max_score(terms) - expected_bound) < 1e-5
        # Among some documents only: a term found only outside them adds nothing to the bound.
        assert abs(bm.max_score(terms, rows=rows) - _dense_reference(bm, terms, rows)[1]) < 1e-5
        # Scores and bound from one gather are the same as asked apart.
        together, bound = bm.score_and_bound(terms, rows=rows)
        assert np.array_equal(together, bm.score(terms)) and bound == bm.max_score(terms, rows=rows)
    assert bm.max_score(["w1"], rows=np.zeros(200, dtype=bool)) == 0.0
    assert bm.score([]).shape == (200,) and not bm.score([]).any()
