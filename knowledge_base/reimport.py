"""Re-import the catalog and build its index while everything keeps running.

    python -m knowledge_base.reimport [--source CRAWL.jsonl]      (make reimport)

1. the importer writes procedures_data/catalog.jsonl (atomically: readers see the old file or the
   new one, never half of it) and reports what it could not parse;
2. the index for the new catalog is built into a folder of its own beside the current one;
3. running action servers and backends switch to it by themselves within KB_RELOAD_CHECK_S
   seconds (knowledge_base/reloading.py), answering from the old index until then.
Nothing is restarted, so no question goes unanswered meanwhile.
"""

from __future__ import annotations

import argparse
import sys
import time

from knowledge_base import index as kb_index
from knowledge_base.config import KBSettings
from knowledge_base.reloading import reload_check_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="crawl JSONL (default: the importer's)")
    args = parser.parse_args(argv)
    from procedures_data import importer

    settings = KBSettings.from_env()
    before = kb_index.fingerprint(settings) if settings.catalog_path.exists() else None
    print(">> 1/2 importing the catalog", file=sys.stderr)
    code = importer.main((["--source", args.source] if args.source else [])
                         + ["--out", str(settings.catalog_path),
                            "--report", str(settings.catalog_path.parent / "import_report.json")])
    if code != 0:
        print(">> the import failed; the current catalog and index stay in use", file=sys.stderr)
        return code
    after = kb_index.fingerprint(settings)
    if after == before:
        print(">> the catalog did not change: nothing to rebuild", file=sys.stderr)
        return 0
    print(f">> 2/2 building the index {after} (the running servers keep the old one meanwhile)", file=sys.stderr)
    started = time.perf_counter()
    index = kb_index.load_or_build(settings, progress=True)
    print(f">> index {index.fingerprint} ready in {time.perf_counter() - started:.0f} s ({len(index.procedures)} "
          f"procedures); running servers switch to it within {reload_check_seconds():.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
