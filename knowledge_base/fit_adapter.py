"""Fit the learned query map on the training questions: `make adapter`.

    python -m knowledge_base.fit_adapter [--questions FILE ...] [--check FILE ...]

Training questions (`knowledge_base/train/*.jsonl`, same format as the evaluation sets) are
never used for evaluation or calibration; every evaluation set stays unseen by the map. The map is
written to `query_adapter.npz` (KB_QUERY_ADAPTER). Re-run `python -m knowledge_base.calibrate`
afterwards: the fusion weights and the confidence model read the dense similarity it changes.
`--check` prints dense-alone top-1 before and after on other question files, for information.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from knowledge_base.config import REPO_ROOT, KBSettings
from knowledge_base.evaluate import read_questions
from knowledge_base.normalize import normalize_query
from knowledge_base.query_adapter import QueryAdapter, fit, top_k_accuracy

TRAIN_DIR = REPO_ROOT / "knowledge_base" / "train"
# Chosen on 600 training questions held out of the fit (and the tuning and held-out sets), with
# 6,000 training questions. Dense-alone top-1 on the held-out questions: no map 0.635, the old
# setting (0.05, 1.0, 100 epochs) 0.622, 0.05 at 30 epochs 0.667, this one 0.752 (the sweep is in
# knowledge_base/README.md).
TEMPERATURE = 0.02
TO_IDENTITY = 0.25
EPOCHS = 30


def encode_questions(search, questions: list[dict], progress: bool = True) -> tuple[np.ndarray, list[list[int]]]:
    """Raw (unadapted) query vectors of the in-scope questions whose codes are in the catalog,
    with the procedure rows each one counts as right."""
    from tqdm import tqdm

    kept = [(q, [row for row in map(search.row_of, q["expected"]) if row is not None]) for q in questions]
    kept = [(q, rows) for q, rows in kept if rows]
    texts = [search.dense_text(normalize_query(q["question"])) for q, _ in kept]
    vectors = [search.index.encoder.encode_queries([t]) for t in
               tqdm(texts, desc="encoding training questions", unit="q", disable=not progress)]
    matrix = np.vstack(vectors) if vectors else np.zeros((0, search.index.encoder.dim), np.float32)
    return matrix, [rows for _, rows in kept]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, nargs="*", default=sorted(TRAIN_DIR.glob("*.jsonl")))
    parser.add_argument("--check", type=Path, nargs="*", default=[])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--to-identity", type=float, default=TO_IDENTITY)
    parser.add_argument("--temperature", type=float, default=TEMPERATURE)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    from knowledge_base.search import ProcedureSearch

    settings = KBSettings.from_env()
    out = args.out or settings.query_adapter_path
    if out is None:
        raise SystemExit("KB_QUERY_ADAPTER is 'none': nowhere to write the map")
    search = ProcedureSearch.load(settings, adapter=None)
    if search.index.encoder is None or search.index.vectors is None:
        raise SystemExit("the query map needs a dense encoder (KB_ENCODER is 'none')")
    start = time.time()
    questions = [q for path in args.questions for q in read_questions(path)]
    train_q, train_rows = encode_questions(search, questions)
    if not len(train_rows):
        raise SystemExit("no training question names a procedure of the catalog")
    passages, owner = search.index.vectors, np.asarray(search.index.vector_owner)
    n_proc = len(search.index.procedures)
    print(f"fitting the query map on {len(train_rows)} questions ({len(questions) - len(train_rows)} "
          f"out of scope or unknown skipped), {passages.shape[0]} passages", flush=True)

    def report(epoch: int, loss: float) -> None:
        if epoch % 10 == 0 or epoch == args.epochs - 1:
            print(f"  epoch {epoch + 1}/{args.epochs}: loss {loss:.4f}", flush=True)

    matrix = fit(train_q, train_rows, passages, owner, n_proc, temperature=args.temperature,
                 to_identity=args.to_identity, epochs=args.epochs, progress=report)
    print(f"dense-alone top-1 on the training questions: {top_k_accuracy(train_q, train_rows, passages, owner, n_proc):.3f}"
          f" -> {top_k_accuracy(train_q, train_rows, passages, owner, n_proc, matrix):.3f}")
    for path in args.check:
        check_q, check_rows = encode_questions(search, read_questions(path), progress=False)
        print(f"dense-alone top-1 on {path.name}: {top_k_accuracy(check_q, check_rows, passages, owner, n_proc):.3f}"
              f" -> {top_k_accuracy(check_q, check_rows, passages, owner, n_proc, matrix):.3f}")
    adapter = QueryAdapter(matrix=matrix, encoder=search.index.encoder.name, meta={
        "fitted_on": [str(p.relative_to(REPO_ROOT)) if p.is_relative_to(REPO_ROOT) else str(p) for p in args.questions],
        "n_questions": len(train_rows), "temperature": args.temperature, "to_identity": args.to_identity,
        "epochs": args.epochs, "index": search.index.fingerprint, "fitted_at": time.strftime("%Y-%m-%d"),
    })
    adapter.save(out)
    print(f"query map written to {out} in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
