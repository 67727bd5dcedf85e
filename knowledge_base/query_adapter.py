"""A learned linear map on query vectors: how citizens' messages sit against catalog names.

The bundled encoder places "thế chấp xe ô tô" far from "Đăng ký thế chấp động sản", and a
message's chat style ("cho em hỏi ... hồ sơ gồm gì") pulls it towards no name in particular.
A square matrix W, applied to the encoded message before the nearest names are looked up,
is fitted on annotated training questions (message -> procedure codes) so that a message lands
near the names of its procedures. Passage vectors are left as they are, so the index does not
change; W starts at the identity and is held near it, so an unfamiliar message is encoded
almost as before.

Fitting is plain numpy (softmax over all procedures, a procedure scored by its best passage,
Adam); applying it is one matrix product. The fitted matrix lives in `query_adapter.npz` with
the encoder it was fitted for: another encoder ignores it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class QueryAdapter:
    matrix: np.ndarray
    encoder: str
    meta: dict = field(default_factory=dict)

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Adapted, unit-length query vectors (rows)."""
        mapped = np.asarray(vectors, dtype=np.float32) @ self.matrix
        norms = np.linalg.norm(mapped, axis=1, keepdims=True)
        return mapped / np.maximum(norms, 1e-12)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # float16 halves the committed file; the map's entries are small offsets from the
        # identity, well within its precision.
        with open(path, "wb") as fh:
            np.savez_compressed(fh, matrix=self.matrix.astype(np.float16), encoder=np.array(self.encoder),
                                meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path, encoder: str, dim: int) -> "QueryAdapter | None":
        """The adapter at `path` if it was fitted for this encoder; None otherwise (logged)."""
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                matrix = data["matrix"].astype(np.float32)
                fitted_for = str(data["encoder"])
                meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError) as exc:
            log.warning("query adapter %s unreadable, not used: %s", path, exc)
            return None
        if fitted_for != encoder or matrix.shape != (dim, dim):
            log.info("query adapter %s was fitted for %s %s, not %s (%d): not used",
                     path, fitted_for, matrix.shape, encoder, dim)
            return None
        return cls(matrix=matrix, encoder=fitted_for, meta=meta)


def group_by_procedure(passages: np.ndarray, passage_owner: np.ndarray, n_procedures: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Passages sorted by owning procedure, their owners, and where each procedure's run starts.
    Every procedure must own at least one passage."""
    order = np.argsort(passage_owner, kind="stable")
    owner = np.asarray(passage_owner)[order]
    if set(np.unique(owner)) != set(range(n_procedures)):
        raise ValueError("every procedure needs at least one passage")
    return np.asarray(passages)[order], owner, np.searchsorted(owner, np.arange(n_procedures))


def procedure_scores(queries: np.ndarray, passages: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each procedure's score (its best passage's cosine) for each query, and the passage
    similarities. `passages` are grouped by procedure; procedure j owns rows starts[j]:starts[j+1]."""
    sims = queries @ passages.T
    return np.maximum.reduceat(sims, starts, axis=1), sims


def fit(queries: np.ndarray, positives: Sequence[Sequence[int]], passages: np.ndarray,
        passage_owner: np.ndarray, n_procedures: int, *, temperature: float = 0.05,
        to_identity: float = 1.0, epochs: int = 100, batch_size: int = 256, learning_rate: float = 0.002,
        seed: int = 0, progress: Callable[[int, float], None] | None = None) -> np.ndarray:
    """Fit W (dim x dim) so that normalize(q @ W) scores a query's own procedures highest.

    queries: unit query vectors (n x dim); positives[i]: procedure rows right for query i;
    passages: unit passage vectors, passage_owner[v] the procedure row of passage v (every
    procedure must own at least one). Loss: cross-entropy of the softmax over procedures
    (temperature `temperature`) against all of a query's right procedures, plus
    to_identity * |W - I|^2 / dim.
    """
    queries = np.asarray(queries, dtype=np.float64)
    n, dim = queries.shape
    passages, owner, starts = group_by_procedure(passages, passage_owner, n_procedures)
    passages = passages.astype(np.float64)
    positive_mask = np.zeros((n, n_procedures), dtype=bool)
    for i, rows in enumerate(positives):
        if not len(rows):
            raise ValueError(f"training question {i} has no procedure")
        positive_mask[i, list(rows)] = True

    identity = np.eye(dim)
    weights = identity.copy()
    m = np.zeros_like(weights)
    v = np.zeros_like(weights)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    rng = np.random.default_rng(seed)
    step = 0
    for epoch in range(epochs):
        total = 0.0
        shuffled = rng.permutation(n)
        for begin in range(0, n, batch_size):
            batch = shuffled[begin:begin + batch_size]
            q_in, pos = queries[batch], positive_mask[batch]
            raw = q_in @ weights
            norm = np.linalg.norm(raw, axis=1, keepdims=True)
            q = raw / norm
            proc, sims = procedure_scores(q, passages, starts)
            logits = proc / temperature
            logits -= logits.max(axis=1, keepdims=True)
            expd = np.exp(logits)
            p_all = expd / expd.sum(axis=1, keepdims=True)
            pos_exp = np.where(pos, expd, 0.0)
            p_pos = pos_exp / pos_exp.sum(axis=1, keepdims=True)
            loss = float(np.mean(np.log(expd.sum(axis=1)) - np.log(pos_exp.sum(axis=1))))
            total += loss * len(batch)
            grad_proc = (p_all - p_pos) / temperature / len(batch)
            # Only each procedure's best passage carries its gradient.
            best = sims == proc[:, owner]
            grad_sims = np.where(best, grad_proc[:, owner], 0.0)
            grad_q = grad_sims @ passages
            grad_raw = (grad_q - q * np.sum(q * grad_q, axis=1, keepdims=True)) / norm
            grad = q_in.T @ grad_raw + 2.0 * to_identity * (weights - identity) / dim
            step += 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            weights -= learning_rate * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)
        if progress is not None:
            progress(epoch, total / n)
    return weights.astype(np.float32)


def top_k_accuracy(queries: np.ndarray, positives: Sequence[Sequence[int]], passages: np.ndarray,
                   passage_owner: np.ndarray, n_procedures: int, matrix: np.ndarray | None = None) -> float:
    """Share of queries whose best-scoring procedure is one of theirs (dense alone)."""
    grouped, _, starts = group_by_procedure(passages, passage_owner, n_procedures)
    q = np.asarray(queries, dtype=np.float32)
    if matrix is not None:
        q = QueryAdapter(matrix=matrix, encoder="").apply(q)
    proc, _ = procedure_scores(q, grouped.astype(np.float32), starts)
    top = proc.argmax(axis=1)
    return float(np.mean([top[i] in set(rows) for i, rows in enumerate(positives)])) if len(positives) else 0.0
