"""A search engine that moves to a new index while it keeps answering.

The action servers and the backend hold one loaded ProcedureSearch each. After the catalog is
re-imported and its index built (`python -m knowledge_base.reimport`), they should answer from the
new one without a restart and without a moment of downtime: every KB_RELOAD_CHECK_S seconds (30)
a caller looks whether the catalog file changed; if the index for the changed catalog is built, it
is loaded in a background thread while the old one keeps serving, and then swapped in. An index
that is not built yet is waited for, never built here (that would take minutes of a busy server's
CPU); one that fails to load leaves the old one in place.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from knowledge_base import index as kb_index
from knowledge_base.config import KBSettings
from knowledge_base.search import ProcedureSearch

logger = logging.getLogger(__name__)
DEFAULT_CHECK_S = 30.0


def reload_check_seconds() -> float:
    return float(os.environ.get("KB_RELOAD_CHECK_S") or DEFAULT_CHECK_S)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class ReloadingSearch:
    def __init__(self, settings: KBSettings | None = None, check_every_s: float | None = None,
                 loader: Callable[[KBSettings], ProcedureSearch] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.settings = settings or KBSettings.from_env()
        self.check_every_s = check_every_s if check_every_s is not None else reload_check_seconds()
        self._loader = loader or (lambda s: ProcedureSearch.load(s, progress=False))
        self._clock = clock
        self._lock = threading.Lock()
        self._engine: ProcedureSearch | None = None
        self._catalog_stamp: tuple[int, int] | None = None
        self._next_check = 0.0
        self._loading: threading.Thread | None = None
        self.reloads = 0

    def current(self) -> ProcedureSearch:
        """The current engine (loaded on first use); starts a switch to a newer index when one is ready."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._catalog_stamp = _stamp(self.settings.catalog_path)
                    self._engine = self._loader(self.settings)
                    self._next_check = self._clock() + self.check_every_s
            return self._engine
        if self.check_every_s > 0 and self._clock() >= self._next_check:
            self._maybe_reload()
        return self._engine

    def _maybe_reload(self) -> None:
        with self._lock:
            if self._clock() < self._next_check or (self._loading and self._loading.is_alive()):
                return
            self._next_check = self._clock() + self.check_every_s
            stamp = _stamp(self.settings.catalog_path)
            if stamp is None or stamp == self._catalog_stamp:
                return
            wanted = kb_index.fingerprint(self.settings)
            if wanted == self._engine.index.fingerprint:
                self._catalog_stamp = stamp  # touched, same content
                return
            if not (self.settings.index_dir / wanted / "meta.json").exists():
                logger.info("catalog changed; waiting for its index %s to be built", wanted)
                return
            self._loading = threading.Thread(target=self._load, args=(stamp, wanted), name="kb-reload", daemon=True)
            self._loading.start()

    def _load(self, stamp: tuple[int, int], wanted: str) -> None:
        try:
            engine = self._loader(self.settings)
        except Exception as exc:  # keep serving the old index
            logger.error("loading the new index %s failed (%s); the previous one stays", wanted, type(exc).__name__)
            return
        with self._lock:
            self._engine, self._catalog_stamp = engine, stamp
            self.reloads += 1
        logger.warning("search index switched to %s (%d procedures)", engine.index.fingerprint,
                       len(engine.index.procedures))

    def wait_for_reload(self, timeout: float) -> bool:
        """Wait until a switch that has started is over (for tests)."""
        thread = self._loading
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
