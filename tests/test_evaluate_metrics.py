import json

import pytest

from knowledge_base.evaluate import describe_misses, metrics, read_questions


def outcome(expected, codes, confident=True, ms=10.0):
    return {"id": "x", "question": "q", "expected": expected, "codes": codes, "names": codes,
            "confident": confident, "confidence": 0.9 if confident else 0.1, "ms": ms}


def test_metrics_follow_the_definitions():
    outcomes = [
        outcome(["a"], ["a", "b"]),                      # right at 1
        outcome(["b", "c"], ["x", "y", "c"]),            # right at 3
        outcome(["z"], ["x", "y"], confident=False),     # miss, rejected
        outcome([], ["x"], confident=False),             # out of scope, rejected
        outcome([], ["x"], confident=True),              # out of scope, accepted
    ]
    m = metrics(outcomes)
    assert m["n_in_scope"] == 3 and m["n_out_of_scope"] == 2
    assert m["acc_at_1"] == round(1 / 3, 4)
    assert m["recall_at_5"] == round(2 / 3, 4)
    assert m["mrr_at_10"] == round((1 + 1 / 3) / 3, 4)
    assert m["oos_rejected_rate"] == 0.5
    assert m["in_scope_rejected_rate"] == round(1 / 3, 4)
    assert set(m) == {"n_in_scope", "acc_at_1", "recall_at_5", "mrr_at_10", "n_out_of_scope",
                      "oos_rejected_rate", "in_scope_rejected_rate", "p50_ms", "p95_ms"}
    lines = describe_misses(outcomes)
    assert any(line.startswith("MISS") for line in lines)
    assert any(line.startswith("ACCEPTED-OOS") for line in lines)


def test_read_questions_rejects_bad_lines(tmp_path):
    good = tmp_path / "q.jsonl"
    good.write_text(json.dumps({"question": "a", "expected": []}) + "\n\n", encoding="utf-8")
    assert read_questions(good)[0]["expected"] == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        read_questions(bad)
