"""Retrieval evaluation: `make eval QUESTIONS=FILE` / `python -m knowledge_base.evaluate FILE`.

Reads JSONL lines {"question": str, "expected": [codes]} (an empty list means out of scope),
prints each miss, and prints as its last line one JSON object:
n_in_scope, acc_at_1, recall_at_5, mrr_at_10, n_out_of_scope, oos_rejected_rate,
in_scope_rejected_rate, p50_ms, p95_ms.
A question is right at rank k when the procedure at rank k is any of its expected codes; an
in-scope question whose top result is not confident counts as rejected.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def read_questions(path: Path) -> list[dict]:
    questions = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                questions.append({"question": str(item["question"]), "expected": list(item.get("expected") or []),
                                  "id": item.get("id", f"line{lineno}")})
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{lineno}: not a question line ({exc})")
    return questions


def metrics(outcomes: list[dict]) -> dict:
    """Aggregate per-question outcomes ({expected, codes, confident, ms}) into the report."""
    in_scope = [o for o in outcomes if o["expected"]]
    oos = [o for o in outcomes if not o["expected"]]

    def first_rank(o):
        for rank, code in enumerate(o["codes"][:10], 1):
            if code in o["expected"]:
                return rank
        return None

    ranks = [first_rank(o) for o in in_scope]
    lat = np.array([o["ms"] for o in outcomes]) if outcomes else np.zeros(1)
    n_in = len(in_scope)
    return {
        "n_in_scope": n_in,
        "acc_at_1": round(sum(1 for r in ranks if r == 1) / n_in, 4) if n_in else 0.0,
        "recall_at_5": round(sum(1 for r in ranks if r and r <= 5) / n_in, 4) if n_in else 0.0,
        "mrr_at_10": round(sum(1.0 / r for r in ranks if r) / n_in, 4) if n_in else 0.0,
        "n_out_of_scope": len(oos),
        "oos_rejected_rate": round(sum(1 for o in oos if not o["confident"]) / len(oos), 4) if oos else 0.0,
        "in_scope_rejected_rate": round(sum(1 for o in in_scope if not o["confident"]) / n_in, 4) if n_in else 0.0,
        "p50_ms": round(float(np.percentile(lat, 50)), 1),
        "p95_ms": round(float(np.percentile(lat, 95)), 1),
    }


def run(search, questions: list[dict]) -> list[dict]:
    outcomes = []
    for q in questions:
        res = search.search(q["question"], k=10)
        outcomes.append({
            "id": q["id"], "question": q["question"], "expected": q["expected"],
            "codes": [h.code for h in res.hits], "names": [h.name for h in res.hits],
            "confident": res.confident, "confidence": res.confidence, "ms": res.elapsed_ms,
        })
    return outcomes


def describe_misses(outcomes: list[dict]) -> list[str]:
    lines = []
    for o in outcomes:
        top = o["codes"][0] if o["codes"] else "-"
        name = o["names"][0] if o["names"] else ""
        if o["expected"] and top not in o["expected"]:
            lines.append(f"MISS {o['id']}: {o['question']!r} expected {o['expected']} got {top} {name!r}"
                         f" (conf {o['confidence']:.2f})")
        elif o["expected"] and not o["confident"]:
            lines.append(f"REJECTED {o['id']}: {o['question']!r} right answer {top} not confident"
                         f" ({o['confidence']:.2f})")
        elif not o["expected"] and o["confident"]:
            lines.append(f"ACCEPTED-OOS {o['id']}: {o['question']!r} answered with {top} {name!r}"
                         f" (conf {o['confidence']:.2f})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid")
    args = parser.parse_args(argv)
    from knowledge_base.search import ProcedureSearch

    questions = read_questions(args.questions)
    search = ProcedureSearch.load(use_dense=args.mode != "bm25", use_lexical=args.mode != "dense")
    search.search("khởi động")  # warm-up: first call loads lazy pieces
    outcomes = run(search, questions)
    for line in describe_misses(outcomes):
        print(line)
    print(json.dumps(metrics(outcomes), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
