"""Build the search index if the catalog (or the code shaping the index) changed; else reuse it.

    python -m knowledge_base.build_index [--force]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from knowledge_base import index as kb_index
from knowledge_base.config import KBSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if a cached index exists")
    args = parser.parse_args(argv)
    settings = KBSettings.from_env()
    folder = settings.index_dir / kb_index.fingerprint(settings)
    if args.force and folder.exists():
        shutil.rmtree(folder)
    cached = (folder / "meta.json").exists()
    start = time.perf_counter()
    index = kb_index.load_or_build(settings, progress=True)
    took = time.perf_counter() - start
    state = "loaded from cache" if cached else "built"
    print(f">> index {index.fingerprint} {state} in {took:.1f} s: {len(index.procedures)} procedures, "
          f"encoder {index.encoder.name if index.encoder else 'none'}, at {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
