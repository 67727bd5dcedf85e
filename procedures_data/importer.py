"""Build procedures_data/catalog.jsonl from the dichvucong.gov.vn crawl.

    python -m procedures_data.importer [--source PATH] [--out procedures_data/catalog.jsonl]
        [--aliases procedures_data/aliases.yml] [--report procedures_data/import_report.json]
        [--strict]

The source defaults to $CATALOG_SOURCE, else ../shared/data/dvc_tthc_chatbot_tthc/procedures.jsonl
next to the repository. Output is sorted by code and deterministic (same input, same bytes).
Parsing problems never stop the import; they are counted in the report. --strict makes the exit
status non-zero when the input has malformed lines or duplicate codes, or aliases.yml has errors
(e.g. a code that is not in the catalog); the files are written either way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

from procedures_data.parsing import NOTICE_KINDS, clean_inline, nfc, to_record

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "dvc_tthc_chatbot_tthc" / "procedures.jsonl"
DEFAULT_OUT = PACKAGE_DIR / "catalog.jsonl"
DEFAULT_ALIASES = PACKAGE_DIR / "aliases.yml"
DEFAULT_REPORT = PACKAGE_DIR / "import_report.json"


def default_source() -> Path:
    env = os.environ.get("CATALOG_SOURCE")
    return Path(env) if env else DEFAULT_SOURCE


def _display_path(path: Path) -> str:
    """Repository-relative where possible, so the report does not depend on the checkout path."""
    try:
        return os.path.relpath(Path(path).resolve(), REPO_ROOT)
    except ValueError:  # another drive (Windows)
        return str(path)


def _progress(items: list, desc: str) -> Iterable:
    """tqdm on stderr when it is installed, otherwise a plain counter every 500 items."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _plain_progress(items, desc)
    return tqdm(items, desc=desc, unit="rec", file=sys.stderr, leave=False,
                disable=None)  # disable=None: silent when stderr is not a terminal


def _plain_progress(items: list, desc: str) -> Iterator:
    total = len(items)
    for i, item in enumerate(items, start=1):
        if i % 500 == 0 or i == total:
            print(f"{desc}: {i}/{total}", file=sys.stderr)
        yield item


# ---------------------------------------------------------------------------------------------
# Aliases

def load_aliases(path: Path) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Read aliases.yml ({"<code>": [alias, ...]}). Returns (aliases by code, errors)."""
    errors: list[dict[str, str]] = []
    try:
        import yaml  # lazy: only needed when the file exists
    except ImportError:
        return {}, [{"kind": "aliases_unreadable", "detail": "PyYAML is not installed"}]
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        return {}, [{"kind": "aliases_unreadable", "detail": str(exc)[:200]}]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [{"kind": "aliases_not_a_mapping", "detail": type(data).__name__}]
    aliases: dict[str, list[str]] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            # An unquoted 1.001190 is read as the float 1.00119: the code cannot be trusted.
            errors.append({"kind": "alias_code_not_quoted", "code": str(key)})
            continue
        code = clean_inline(key)
        if value is None:
            value = []
        elif isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            errors.append({"kind": "alias_value_not_a_list", "code": code})
            continue
        seen = aliases.setdefault(code, [])
        for item in value:
            if not isinstance(item, str):
                errors.append({"kind": "alias_not_a_string", "code": code, "detail": repr(item)[:80]})
                continue
            alias = clean_inline(nfc(item))
            if alias and alias not in seen:
                seen.append(alias)
    return aliases, errors


# ---------------------------------------------------------------------------------------------
# Import

def read_source(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """JSON lines -> [(line number, object)], [malformed line reports]."""
    rows: list[tuple[int, dict[str, Any]]] = []
    malformed: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                malformed.append({"line": lineno, "error": f"invalid JSON: {exc.msg}"})
                continue
            if not isinstance(obj, dict):
                malformed.append({"line": lineno, "error": f"not an object: {type(obj).__name__}"})
                continue
            rows.append((lineno, obj))
    return rows, malformed


def build_catalog(rows: list[tuple[int, dict[str, Any]]], aliases: dict[str, list[str]] | None = None,
                  show_progress: bool = True) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Parse source objects into catalog records (sorted by code) plus the report's parse part."""
    records: dict[str, dict[str, Any]] = {}
    problems_by_code: dict[str, list[dict[str, str]]] = {}
    malformed: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    items = _progress(rows, "importing") if show_progress else rows
    for lineno, raw in items:
        try:
            record, problems = to_record(raw)
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop the import
            malformed.append({"line": lineno, "code": str(raw.get("ma_thu_tuc", ""))[:40],
                              "error": f"{type(exc).__name__}: {exc}"[:200]})
            continue
        code = record["code"]
        if not code:
            malformed.append({"line": lineno, "error": "no ma_thu_tuc"})
            continue
        if code in records:
            duplicates.append({"line": lineno, "code": code})
            continue
        records[code] = record
        if problems:
            problems_by_code[code] = problems
    for code, names in (aliases or {}).items():
        if code in records:
            records[code]["aliases"] = list(names)
    ordered = [records[code] for code in sorted(records)]

    occurrences: Counter = Counter()
    affected: Counter = Counter()
    for problems in problems_by_code.values():
        kinds = [p["kind"] for p in problems]
        occurrences.update(kinds)
        affected.update(set(kinds))
    with_errors = sum(1 for problems in problems_by_code.values()
                      if any(p["kind"] not in NOTICE_KINDS for p in problems))
    report = {
        "counts": {
            "records": len(ordered),
            "records_without_problems": len(ordered) - len(problems_by_code),
            "records_with_notices_only": len(problems_by_code) - with_errors,
            "records_with_parse_problems": with_errors,
            "malformed_lines": len(malformed),
            "duplicate_codes": len(duplicates),
        },
        "problem_kinds": {
            kind: {"occurrences": occurrences[kind], "records": affected[kind],
                   "type": "notice" if kind in NOTICE_KINDS else "parse_problem"}
            for kind in sorted(occurrences, key=lambda k: (-affected[k], k))
        },
        "malformed_lines": malformed,
        "duplicate_codes": duplicates,
        "records_with_problems": [
            {"code": code, "problems": problems_by_code[code]} for code in sorted(problems_by_code)
        ],
    }
    return ordered, report


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def serialize_catalog(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m procedures_data.importer",
                                     description="Import the procedure catalog (see procedures_data/README.md).")
    parser.add_argument("--source", type=Path, default=None,
                        help="crawl JSONL (default: $CATALOG_SOURCE or %(default)s)".replace(
                            "%(default)s", _display_path(DEFAULT_SOURCE)))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--aliases", type=Path, default=DEFAULT_ALIASES)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 on malformed input lines, duplicate codes or alias errors")
    args = parser.parse_args(argv)
    source = args.source or default_source()

    if not source.is_file():
        print(f"error: source not found: {source} (set --source or CATALOG_SOURCE)", file=sys.stderr)
        return 2
    rows, malformed_json = read_source(source)

    aliases: dict[str, list[str]] = {}
    alias_errors: list[dict[str, str]] = []
    aliases_present = args.aliases.is_file()
    if aliases_present:
        aliases, alias_errors = load_aliases(args.aliases)

    records, report = build_catalog(rows, aliases)
    report["malformed_lines"] = malformed_json + report["malformed_lines"]
    report["counts"]["malformed_lines"] = len(report["malformed_lines"])
    codes = {r["code"] for r in records}
    for code in sorted(set(aliases) - codes):
        alias_errors.append({"kind": "alias_code_not_in_catalog", "code": code})
    report = {
        "source": _display_path(source),
        "counts": report["counts"],
        "aliases": {
            "file": _display_path(args.aliases) if aliases_present else None,
            "codes": len(aliases),
            "records_with_aliases": sum(1 for r in records if r["aliases"]),
            "errors": alias_errors,
        },
        **{k: v for k, v in report.items() if k != "counts"},
    }

    _write_atomic(args.out, serialize_catalog(records))
    _write_atomic(args.report, json.dumps(report, ensure_ascii=False, indent=1) + "\n")

    counts = report["counts"]
    print(f"catalog: {counts['records']} procedures -> {_display_path(args.out)}")
    print(f"  clean: {counts['records_without_problems']}, notices only: "
          f"{counts['records_with_notices_only']}, parse problems: {counts['records_with_parse_problems']}")
    top = ", ".join(f"{k} {v['records']}" for k, v in list(report["problem_kinds"].items())[:6])
    if top:
        print(f"  most frequent (records): {top}")
    if counts["malformed_lines"] or counts["duplicate_codes"]:
        print(f"  malformed lines: {counts['malformed_lines']}, duplicate codes: {counts['duplicate_codes']}")
    if aliases_present:
        print(f"  aliases: {report['aliases']['records_with_aliases']} procedures, "
              f"{len(alias_errors)} error(s)")
        for err in alias_errors[:10]:
            print(f"    {err['kind']}: {err.get('code', '')} {err.get('detail', '')}".rstrip(),
                  file=sys.stderr)
    print(f"  report: {_display_path(args.report)}")

    failed = bool(alias_errors or counts["malformed_lines"] or counts["duplicate_codes"])
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
