"""The backend benchmark (scripts/bench_backend.py), run small: real backend processes, real
databases (SQLite, and PostgreSQL when reachable), the section written into a copy of the doc."""

from __future__ import annotations

import json

from scripts import bench_backend as bench
from tests.stack import free_port

OTHER = "<!-- assistant:start -->\n## Assistant\n\nnumbers someone else measured: 42\n<!-- assistant:end -->"
SMALL = ["--tickets", "40", "--clients", "5", "--inbox-tickets", "500", "--inbox-requests", "3",
         "--postgres-workers", "2"]


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_small_run_measures_both_parts_and_writes_its_section(tmp_path, capsys):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{OTHER}\n\nclosing words\n", encoding="utf-8")
    assert bench.main(SMALL + ["--doc", str(doc)]) == 0
    result = last_json(capsys)

    measured = [r for r in result["ticket_creation"] if "unavailable" not in r]
    assert [r["database"] for r in measured][:1] == ["SQLite"]
    for r in measured:
        assert r["errors"] == 0, r["statuses"]
        # One stored ticket per 201, each with its own code: none lost, none twice.
        assert r["created"] == r["stored"] == r["stored_codes"] == r["unique_codes"] == 40
        assert r["consistent"] is True
        assert r["throughput_per_s"] > 0 and 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"]
    for r in result["ticket_creation"]:
        if "unavailable" in r:
            assert r["database"] == "PostgreSQL" and "not reachable" in r["unavailable"]

    inbox = [r for r in result["inbox"] if "unavailable" not in r]
    assert inbox and inbox[0]["database"] == "SQLite"
    for r in inbox:
        assert r["stored"] == 500 and r["fill_s"] > 0
        by_label = {q["request"]: q for q in r["requests"]}
        assert by_label["queue page `/inbox`, first page"]["matches"] == 500
        assert by_label["JSON `GET /api/tickets`, first page"]["matches"] == 500
        assert 0 < by_label[f"queue page, search “{bench.SEARCH_WORDS}”"]["matches"] < 500
        assert by_label["queue page, search a phone number"]["matches"] >= 1
        for q in r["requests"]:
            assert q["errors"] == 0 and q["count"] == 3, q
            assert 0 < q["p50_ms"] <= q["p95_ms"], q

    text = doc.read_text(encoding="utf-8")
    assert text.count(bench.START) == 1 and text.count(bench.END) == 1
    assert OTHER in text and text.rstrip().endswith("closing words")
    # The backend section follows the assistant section.
    assert text.index("<!-- assistant:end -->") < text.index(bench.START) < text.index(bench.END)
    section = text[text.index(bench.START):text.index(bench.END)]
    assert "| SQLite | 1 | 40 | 40 | 0 | 40 (40) |" in section
    assert "| SQLite | " in section and "queue page, search a phone number" in section
    assert "Targets:" in section and "p95 ≤ 500 ms" in section


def test_unreachable_postgresql_is_a_row_not_a_crash(tmp_path, capsys):
    doc = tmp_path / "benchmarks.md"
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    assert bench.main(SMALL + ["--databases", "postgresql", "--postgres-url", closed, "--doc", str(doc)]) == 0
    result = last_json(capsys)
    assert all("not reachable" in r["unavailable"] for r in result["ticket_creation"] + result["inbox"])
    assert not any(result["targets_met"].values())
    assert "not reachable at 127.0.0.1:" in doc.read_text(encoding="utf-8")


def test_the_section_is_replaced_in_place(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{OTHER}\n\n{bench.START}\nold numbers\n{bench.END}\n\nafter\n", encoding="utf-8")
    bench.write_section(doc, f"{bench.START}\nnew numbers\n{bench.END}")
    text = doc.read_text(encoding="utf-8")
    assert "new numbers" in text and "old numbers" not in text
    assert OTHER in text and text.rstrip().endswith("after") and text.count(bench.START) == 1
    missing = tmp_path / "none.md"
    bench.write_section(missing, f"{bench.START}\nx\n{bench.END}")
    assert missing.read_text(encoding="utf-8").startswith("# Benchmarks")


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert bench.latency_summary(values) == {"p50_ms": 51.0, "p95_ms": 96.0, "p99_ms": 100.0}
    assert bench.percentile([], 0.5) == 0.0
