"""Benchmark the assistant: NLU cross-validation, and reply latency under concurrent conversations.

    make bench      (runs the retrieval benchmark first, then this)

1. `rasa test nlu --cross-validation --folds 5` on bot/data/nlu: intent macro-F1, entity F1.
2. The real processes (action server, Rasa, backend) on free ports; CONVERSATIONS (default 20)
   simulated citizens hold multi-turn conversations over the REST channel for DURATION_S
   (default 60) seconds: questions with and without diacritics, follow-ups, a complaint. Like
   people, they read the answer and type the next message: THINK_S (default "3,8") seconds,
   uniformly drawn, between two messages ("0,0" measures saturation instead). Reported:
   throughput, p50/p95/p99 reply latency, errors, memory of every process.
3. End to end over REST, one fresh conversation per question, on the questions the project never
   fits (the held-out most-asked part) and the shared development set: what the
   citizen is shown. "Answered right" means the answer names an expected procedure code; "asked,
   right among choices" means the bot asked which procedure and one button is right; a wrong
   answer names another procedure; out-of-scope questions must not be answered with a procedure.

Results go to docs/benchmarks.md between the assistant markers; the last line printed is JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.bench import machine  # noqa: E402
from scripts.bench_load import rss_mb, run_load  # noqa: E402
from tests.stack import (MODEL, RASA_PY, action_server, backend_server, free_port, rasa_server,  # noqa: E402
                         say, warm_up)

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- assistant:start -->", "<!-- assistant:end -->"

# Conversations as citizens hold them: first question, then follow-ups.
SCRIPTS = [
    ["chào ad", "đăng ký thường trú hết bao nhiêu tiền", "còn thời gian giải quyết thì sao?", "cảm ơn"],
    ["dang ky thuong tru can giay to gi", "le phi bao nhieu", "lam online dc ko"],
    ["làm hộ chiếu mất bao lâu", "nộp ở đâu ạ", "cần mang gì"],
    ["lam ho chieu o dau", "bao lau thi co", "thanks ad"],
    ["cho e hỏi làm khai sinh cho con cần giấy tờ j ạ", "có mất phí không", "xem đầy đủ"],
    ["cấp đổi cccd hết hạn làm ở đâu", "mất bao lâu", "cảm ơn ad nhiều"],
    ["đăng ký kết hôn cần gì", "chồng em người Hàn thì sao", "tạm biệt"],
    ["gplx bi mat lam lai the nao", "phi bao nhieu"],
    # A report goes through the ticket form (where, phone, name), is confirmed and becomes a ticket.
    ["đèn đường trước ngõ 12 Lê Lợi hỏng cả tuần nay", "0912345678", "bỏ qua", "đồng ý"],
    ["sổ đỏ lần đầu cần những gì", "nộp ở xã được không"],
    ["thủ tục thành lập hộ kinh doanh", "bao lâu có giấy", "ok cảm ơn"],
    ["rut bhxh 1 lan can gi", "nop o dau"],
]


# Cross-validation trains five models (half an hour on 2 cores): its reports are kept with a
# fingerprint of everything that shapes NLU, and reused while that fingerprint holds.
CV_DIR = ROOT / "var" / "nlu-cv"
NLU_INPUTS = ["config.yml", "bot/data/nlu/*.yml", "nlu/*.py", "procedures_data/catalog.jsonl"] + \
    [f"knowledge_base/{name}.py" for name in ("normalize", "abbreviations", "diacritics", "encoders", "catalog")]


def nlu_fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for pattern in NLU_INPUTS:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cached_cross_validation(folds: int = 5, cv_dir: Path = CV_DIR) -> dict:
    """The CV result for the current NLU inputs: from cv_dir when measured on the same inputs,
    otherwise measured now (and kept)."""
    stamp, fingerprint = cv_dir / "fingerprint.json", nlu_fingerprint()
    if stamp.exists():
        kept = json.loads(stamp.read_text())
        if kept.get("fingerprint") == fingerprint and kept.get("folds") == folds \
                and (cv_dir / "intent_report.json").exists():
            print(f">> NLU inputs unchanged since the cross-validation of {kept['measured']}: reusing it",
                  file=sys.stderr)
            return dict(read_cv_reports(cv_dir, folds), measured=kept["measured"])
    print(f">> NLU cross-validation ({folds} folds, trains {folds} models: up to half an hour)", file=sys.stderr)
    if stamp.exists():
        stamp.unlink()
    result = nlu_cross_validation(cv_dir, folds)
    measured = time.strftime("%Y-%m-%d")
    stamp.write_text(json.dumps({"fingerprint": fingerprint, "folds": folds, "measured": measured}))
    return dict(result, measured=measured)


def nlu_cross_validation(out: Path, folds: int = 5) -> dict:
    run = subprocess.run(
        [str(RASA_PY), "-m", "rasa", "test", "nlu", "--nlu", "bot/data/nlu", "--config", "config.yml",
         "--cross-validation", "--folds", str(folds), "--out", str(out)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false"),
        capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stdout[-2000:] + run.stderr[-2000:])
    return read_cv_reports(out, folds)


def read_cv_reports(out: Path, folds: int) -> dict:
    intents = json.loads((out / "intent_report.json").read_text())
    # The learned extractor's report (CRF, or DIET in older configurations), not the regexes'.
    entity_files = [out / f"{name}_report.json" for name in ("CRFEntityExtractor", "DIETClassifier")]
    entities = next((json.loads(f.read_text()) for f in entity_files if f.exists()), {})
    per_intent = {k: v["f1-score"] for k, v in intents.items() if isinstance(v, dict) and "f1-score" in v
                  and k not in ("macro avg", "weighted avg", "micro avg")}
    return {
        "folds": folds,
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "intent_accuracy": intents.get("accuracy"),
        "entity_macro_f1": entities.get("macro avg", {}).get("f1-score"),
        "examples": intents["macro avg"]["support"],
        "weakest_intents": sorted(per_intent.items(), key=lambda kv: kv[1])[:3],
    }


E2E_SETS = {
    "held-out, most-asked part (project)": (ROOT / "knowledge_base" / "eval" / "questions_holdout.jsonl",
                                            lambda q: not q.get("id", "").startswith("hc")),
    "development (shared)": (ROOT.parent / "shared" / "eval" / "dev_questions.jsonl", lambda q: True),
}
CODE = re.compile(r"\(mã (\d\.\d{6})\)")
PICK = re.compile(r'"procedure_code"\s*:\s*"(\d\.\d{6})"')


def classify_reply(replies: list[dict], expected: list[str]) -> str:
    """What a citizen was shown for one question: answered_right, answered_wrong, asked_right,
    asked_wrong, or declined (said it is unsure or out of scope, offered a human)."""
    answered = [m.group(1) for r in replies for m in CODE.finditer(r.get("text") or "")]
    choices = [m.group(1) for r in replies for b in (r.get("buttons") or []) for m in PICK.finditer(b.get("payload", ""))]
    if answered:
        return "answered_right" if answered[0] in expected else "answered_wrong"
    if choices:
        return "asked_right" if set(choices) & set(expected) else "asked_wrong"
    return "declined"


def end_to_end(rasa_port: int) -> dict:
    results = {}
    for label, (path, keep) in E2E_SETS.items():
        if not path.exists():
            continue
        questions = [q for q in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                                 if line.strip()) if keep(q)]
        counts = {"in_scope": 0, "out_of_scope": 0, "answered_right": 0, "answered_wrong": 0,
                  "asked_right": 0, "asked_wrong": 0, "declined": 0, "oos_answered": 0}
        for n, q in enumerate(questions):
            replies = say(rasa_port, f"e2e-{n}-{random.randrange(10**9)}", q["question"], timeout=30)
            outcome = classify_reply(replies, q["expected"])
            if q["expected"]:
                counts["in_scope"] += 1
                counts[outcome] += 1
            else:
                counts["out_of_scope"] += 1
                counts["oos_answered"] += outcome.startswith("answered")
        results[label] = counts
    return results


def main() -> int:
    if not MODEL.exists():
        print("no trained model: run `make model` first", file=sys.stderr)
        return 2
    conversations = int(os.environ.get("CONVERSATIONS", "20"))
    duration_s = float(os.environ.get("DURATION_S", "60"))
    think = tuple(float(x) for x in os.environ.get("THINK_S", "3,8").split(","))
    skip_cv = os.environ.get("SKIP_NLU_CV") == "1"
    tmp = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    cv = None
    if not skip_cv:
        cv = cached_cross_validation()
        print(f">> intent macro-F1 {cv['intent_macro_f1']:.3f}", file=sys.stderr)

    action_port, rasa_port, backend_port = free_port(), free_port(), free_port()
    with contextlib.ExitStack() as running:
        backend = running.enter_context(backend_server(backend_port, tmp / "backend.db", tmp / "backend.log"))
        actions = running.enter_context(action_server(action_port, tmp / "actions.log", backend_port=backend_port,
                                                      rasa_port=rasa_port))
        # Rasa is the slowest of the three to start (`make run` starts them side by side).
        started = time.monotonic()
        rasa = running.enter_context(rasa_server(rasa_port, action_port, tmp, tmp / "rasa.log"))
        startup = {"rasa_up_s": round(time.monotonic() - started, 1)}
        warm_up(rasa_port)
        startup["first_reply_s"] = round(time.monotonic() - started, 1)
        print(">> end to end: one conversation per held-out question", file=sys.stderr)
        e2e = end_to_end(rasa_port)
        print(f">> {conversations} concurrent conversations for {duration_s:.0f} s over REST", file=sys.stderr)
        load, _ = run_load(f"http://127.0.0.1:{rasa_port}", conversations, duration_s, think, scripts=SCRIPTS)
        load["think_s"] = list(think)
        memory = {"rasa": rss_mb(rasa.pid), "actions": rss_mb(actions.pid), "backend": rss_mb(backend.pid)}
    memory["total"] = sum(memory.values())

    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    # Skipping the (long) cross-validation keeps the last measured line, which carries its own date.
    previous = re.search(r"^NLU, .*$", text[text.index(START):] if START in text else "", re.M)
    nlu_line = previous.group(0) if previous else "NLU cross-validation skipped (SKIP_NLU_CV=1)."
    if cv:
        nlu_line = (f"NLU, {cv['folds']}-fold cross-validation (measured {cv['measured']}) on {cv['examples']} examples (`rasa test nlu "
                    f"--cross-validation`): intent macro-F1 **{cv['intent_macro_f1']:.3f}**"
                    + (f", accuracy {cv['intent_accuracy']:.3f}" if cv["intent_accuracy"] is not None else "")
                    + (f", entity macro-F1 {cv['entity_macro_f1']:.3f}" if cv["entity_macro_f1"] is not None else "")
                    + ". Weakest intents: " + ", ".join(f"{k} {v:.2f}" for k, v in cv["weakest_intents"]) + "."
                    + " Intents come from `nlu.intent_classifier.VietnameseIntentClassifier` (a logistic regression"
                    " over the word and character counts, TF-IDF weighted, and the sentence embedding), entities"
                    " from a CRF; DIET's intents scored a macro-F1 of 0.903 on the data of 2026-12-02, its entities"
                    " 0.950 on 2026-12-03, and it took about a minute to load at every start.")
    lines = [START, "## Assistant (`make bench`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.", "", nlu_line, "",
             f"Replies over the REST channel: {load['conversations']} concurrent simulated citizens for "
             f"{load['duration_s']} s, multi-turn (with and without diacritics, follow-ups, a complaint), each "
             f"pausing {think[0]:g}–{think[1]:g} s between messages to read and type:", "",
             "| messages | errors | throughput | p50 | p95 | p99 | memory: Rasa | action server | backend | total |",
             "|---|---|---|---|---|---|---|---|---|---|",
             f"| {load['messages']} | {load['errors']} | {load['throughput_msg_s']} msg/s | {load['p50_ms']} ms | "
             f"{load['p95_ms']} ms | {load['p99_ms']} ms | {memory['rasa']:.0f} MB | {memory['actions']:.0f} MB | "
             f"{memory['backend']:.0f} MB | {memory['total']:.0f} MB |", "",
             f"Start-up with the trained model and the built index: Rasa answered its health check "
             f"{startup['rasa_up_s']} s after it was started, and the first reply (NLU, dialogue, an action "
             f"searching the catalog) came {startup['first_reply_s']} s after the start (target for a second "
             f"`make run`: under 90 s).", "",
             "End to end over REST, one new conversation per question (what the citizen is shown: the "
             "answered procedure's code, or the buttons when the bot asks which one):", "",
             "| questions | in scope | answered right | asked, right among choices | answered wrong | asked, none right "
             "| declined, human offered | out of scope | out of scope answered |",
             "|---|---|---|---|---|---|---|---|---|",
             *[f"| {label} | {c['in_scope']} | {c['answered_right'] / max(c['in_scope'], 1):.3f} | "
               f"{c['asked_right'] / max(c['in_scope'], 1):.3f} | {c['answered_wrong'] / max(c['in_scope'], 1):.3f} | "
               f"{c['asked_wrong'] / max(c['in_scope'], 1):.3f} | {c['declined'] / max(c['in_scope'], 1):.3f} | "
               f"{c['out_of_scope']} | {c['oos_answered']} |" for label, c in e2e.items()], "",
             "Targets (issue 3): intent macro-F1 ≥ 0.95; with 20 concurrent conversations p50 ≤ 300 ms, "
             "p95 ≤ 800 ms, no errors; all processes together ≤ 3 GB.", END]
    section = "\n".join(lines)
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(section)
    print(json.dumps({"nlu": cv, "end_to_end": e2e, "load": load, "startup": startup,
                      "memory_mb": {k: round(v) for k, v in memory.items()}},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
