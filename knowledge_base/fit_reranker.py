"""Fit the re-ranker of the leading candidates on the training questions: part of `make adapter`.

    python -m knowledge_base.fit_reranker [--questions FILE ...] [--out FILE]

The re-ranker must learn from rankings like those it will see: for a message it has never met, the
query map has never met it either. The training questions are split in RERANK_FOLDS folds by id;
each fold is ranked with a query map fitted on the other folds (same settings as the served one),
so every question's dense similarity is as honest as an unseen message's; the question memory
hides the fold's questions likewise. Gradient-boosted trees
are then fitted on every fold's leading candidates (the served model, `reranker.json`, KB_RERANKER),
and once more without fold 0, which holds the calibration fold of `fit_adapter`
(`calibrate --training-fold` scores that fold with this second model). The cross-validated top-1
on the training questions, before and after re-ranking, is printed. Needs the query vectors
cached by `fit_adapter`; encodes what is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from knowledge_base.config import KBSettings, repo_relative
from knowledge_base.evaluate import read_questions
from knowledge_base.fit_adapter import QUERY_VECTOR_CACHE, TRAIN_DIR, answerable, encode_questions, fit_query_map
from knowledge_base.normalize import normalize_query
from knowledge_base.query_adapter import QueryAdapter
from knowledge_base.question_memory import question_key
from knowledge_base.rerank import RERANK_DEPTH, RERANK_FEATURES, TreeEnsemble

RERANK_FOLDS = 5  # fold 0 holds fit_adapter's calibration fold (id crc32 % 10 == 0)
FOLD_RERANKER = "reranker_without_fold.json"  # in the index directory
# Trees: 800 rounds at 0.05 of up to 63 leaves of at least 40 rows, each split choosing among half of
# the features. Chosen by 5-fold top-1 on the 18,545 training questions (session 23): 300 rounds of 15
# leaves (the setting fitted on 9,249 questions in session 18) 0.8354; 600 of 15 0.8375; 300 of 31
# 0.8368; 600 of 31 0.8383, with half the features and 40-row leaves 0.8384; 1,000 of 31 with 40-row
# leaves 0.8390; this one 0.8399; 1,500 of 31 at 0.03 0.8393. Averaging three seeds of it: 0.8386.
TREE_SETTINGS = {"max_iter": 800, "learning_rate": 0.05, "max_leaf_nodes": 63, "min_samples_leaf": 40,
                 "max_features": 0.5, "l2_regularization": 1.0}


def rerank_fold(question: dict) -> int:
    """The question's fold (stable: by its id)."""
    return zlib.crc32(str(question.get("id") or question.get("question", "")).encode()) % RERANK_FOLDS


def leading_candidates(search, question: dict) -> tuple[np.ndarray, np.ndarray]:
    """Re-ranking features of a question's leading candidates (fused order) and which are right."""
    rows, feats, ctx = search.candidate_features(question["question"])
    leaders = [group[0] for group in search.leading_groups(search.fused_ranking(rows, feats, ctx))[:RERANK_DEPTH]]
    if not leaders:
        return np.zeros((0, len(RERANK_FEATURES))), np.zeros(0, dtype=bool)
    expected = set(question["expected"])
    labels = np.array([search.index.procedures[row].code in expected for row, _, _ in leaders], dtype=bool)
    return search.rerank_matrix(leaders, ctx), labels


def fit_trees(X: np.ndarray, y: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(early_stopping=False, random_state=0, **TREE_SETTINGS).fit(X, y)


def to_ensemble(model, meta: dict) -> TreeEnsemble:
    """The fitted sklearn model as flat node arrays. It reads the fitted trees sklearn keeps
    (`_predictors`, scikit-learn pinned in requirements/app.lock); tests/test_rerank.py checks the
    probabilities against sklearn's own, so an upgrade that changes them fails there."""
    feature, threshold, left, right, missing_left, leaf, value, roots = [], [], [], [], [], [], [], []
    depth = 0
    for (predictor,) in model._predictors:  # one tree per round for a binary label
        nodes, offset = predictor.nodes, len(feature)
        roots.append(offset)
        feature += nodes["feature_idx"].astype(int).tolist()
        threshold += nodes["num_threshold"].astype(float).tolist()
        left += (nodes["left"].astype(int) + offset).tolist()
        right += (nodes["right"].astype(int) + offset).tolist()
        missing_left += nodes["missing_go_to_left"].astype(bool).tolist()
        leaf += nodes["is_leaf"].astype(bool).tolist()
        value += np.where(nodes["is_leaf"], nodes["value"], 0.0).astype(float).tolist()
        depth = max(depth, int(nodes["depth"].max()))
    return TreeEnsemble(
        features=RERANK_FEATURES, baseline=float(np.ravel(model._baseline_prediction)[0]),
        roots=np.array(roots), feature=np.array(feature), threshold=np.array(threshold), left=np.array(left),
        right=np.array(right), missing_left=np.array(missing_left), leaf=np.array(leaf), value=np.array(value),
        depth=depth + 1, meta=meta)


def cross_validated_top1(groups: list[tuple[np.ndarray, np.ndarray]], folds: np.ndarray) -> tuple[float, float]:
    """Top-1 of the fused order and of re-ranking, each fold re-ranked by trees fitted on the others."""
    fused = float(np.mean([bool(len(y)) and bool(y[0]) for _, y in groups]))
    right = 0
    for fold in range(RERANK_FOLDS):
        model = fit_trees(*stack([g for g, f in zip(groups, folds) if f != fold]))
        for (X, y), f in zip(groups, folds):
            if f == fold and len(y):
                right += bool(y[int(np.argmax(model.predict_proba(X)[:, 1]))])
    return fused, right / len(groups)


def stack(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the questions whose right procedure is among the leaders (the others teach nothing)."""
    kept = [(X, y) for X, y in groups if y.any()]
    if not kept:
        raise SystemExit("no training question has its procedure among the leading candidates")
    return np.vstack([X for X, _ in kept]), np.concatenate([y for _, y in kept])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, nargs="*", default=sorted(TRAIN_DIR.glob("*.jsonl")))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-cross-validation", action="store_true", help="skip the printed top-1 estimate")
    args = parser.parse_args(argv)
    from knowledge_base.search import ProcedureSearch

    settings = KBSettings.from_env()
    out = args.out or settings.reranker_path
    if out is None:
        raise SystemExit("KB_RERANKER is 'none': nowhere to write the re-ranker")
    search = ProcedureSearch.load(settings, adapter=None, reranker=None)
    if search.index.encoder is None or search.index.vectors is None:
        raise SystemExit("the re-ranker is fitted on rankings with the dense encoder (KB_ENCODER is 'none')")
    start = time.time()
    questions = [q for path in args.questions for q in read_questions(path)]
    vectors, positives = encode_questions(search, questions, cache_path=settings.index_dir / QUERY_VECTOR_CACHE)
    kept = [q for q, _ in answerable(search, questions)]
    if not kept:
        raise SystemExit("no training question names a procedure of the catalog")
    search.known_vectors = {search.dense_text(normalize_query(q["question"])): v for q, v in zip(kept, vectors)}
    folds = np.array([rerank_fold(q) for q in kept])
    memory = search.memory
    groups: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(kept)
    for fold in range(RERANK_FOLDS):
        others = folds != fold
        matrix = fit_query_map(search, vectors[others], [p for p, keep in zip(positives, others) if keep])
        search.adapter = QueryAdapter(matrix=matrix, encoder=search.index.encoder.name)
        if memory is not None:  # nor does the question memory hold the fold's questions
            search.memory = memory.without({question_key(q) for q, f in zip(kept, folds) if f == fold})
        members = np.nonzero(folds == fold)[0]
        for i in members:
            groups[i] = leading_candidates(search, kept[i])
        print(f"fold {fold + 1}/{RERANK_FOLDS}: {len(members)} questions ranked with a map fitted on the "
              f"{int(others.sum())} others ({time.time() - start:.0f} s)", flush=True)
    if not args.no_cross_validation:
        fused, reranked = cross_validated_top1(groups, folds)
        print(f"top-1 on the training questions ({RERANK_FOLDS}-fold): fused {fused:.4f}, re-ranked {reranked:.4f}",
              flush=True)

    def meta(n_questions: int, **extra) -> dict:
        return {"fitted_on": [repo_relative(p) for p in args.questions],
                "n_questions": n_questions, "depth": RERANK_DEPTH, "trees": TREE_SETTINGS,
                "index": search.index.fingerprint, "fitted_at": time.strftime("%Y-%m-%d"), **extra}

    to_ensemble(fit_trees(*stack(groups)), meta(len(kept))).save(out)
    without = [g for g, f in zip(groups, folds) if f != 0]
    fold_out = settings.index_dir / FOLD_RERANKER
    to_ensemble(fit_trees(*stack(without)), meta(len(without), without="fold 0")).save(fold_out)
    print(f"re-ranker written to {out}, the one without fold 0 to {fold_out} in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
