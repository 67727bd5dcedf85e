"""Switching to a new index while serving (knowledge_base/reloading.py), with a stand-in loader so
that no real index is built: the rules of when to switch are what is tested here."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge_base import index as kb_index
from knowledge_base.config import KBSettings
from knowledge_base.reloading import ReloadingSearch


@dataclass
class FakeIndex:
    fingerprint: str
    procedures: tuple = ()


@dataclass
class FakeEngine:
    index: FakeIndex


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def setup(tmp_path: Path, fail: threading.Event | None = None, gate: threading.Event | None = None):
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text('{"code": "1.000001"}\n', encoding="utf-8")
    settings = KBSettings(catalog_path=catalog, index_dir=tmp_path / "index")
    loads: list[str] = []

    def loader(s: KBSettings) -> FakeEngine:
        if gate is not None:
            gate.wait(10)
        if fail is not None and fail.is_set():
            raise RuntimeError("damaged index")
        fingerprint = kb_index.fingerprint(s)
        loads.append(fingerprint)
        return FakeEngine(FakeIndex(fingerprint))

    clock = Clock()
    return ReloadingSearch(settings, check_every_s=30, loader=loader, clock=clock), settings, clock, loads


def built(settings: KBSettings) -> str:
    wanted = kb_index.fingerprint(settings)
    (settings.index_dir / wanted).mkdir(parents=True, exist_ok=True)
    (settings.index_dir / wanted / "meta.json").write_text("{}")
    return wanted


def change_catalog(settings: KBSettings, text: str) -> None:
    settings.catalog_path.write_text(text, encoding="utf-8")


def test_switches_only_to_a_built_index_after_the_check_interval(tmp_path):
    search, settings, clock, loads = setup(tmp_path)
    first = search.current()
    assert loads == [first.index.fingerprint]

    change_catalog(settings, '{"code": "1.000001"}\n{"code": "1.000002"}\n')
    assert search.current() is first  # not yet time to look
    clock.now += 31
    assert search.current() is first  # changed, but its index is not built: keep serving the old one
    wanted = built(settings)
    clock.now += 31
    assert search.current() is first  # the new one loads in the background; the old one answers
    assert search.wait_for_reload(10)
    assert search.current().index.fingerprint == wanted and search.reloads == 1


def test_an_unchanged_or_touched_catalog_loads_nothing(tmp_path):
    search, settings, clock, loads = setup(tmp_path)
    search.current()
    change_catalog(settings, settings.catalog_path.read_text(encoding="utf-8"))  # same content, new mtime
    clock.now += 31
    search.current()
    assert search.wait_for_reload(10) and loads == loads[:1] and search.reloads == 0


def test_a_failed_load_keeps_the_old_index(tmp_path):
    fail = threading.Event()
    search, settings, clock, _ = setup(tmp_path, fail=fail)
    first = search.current()
    change_catalog(settings, '{"code": "9.999999"}\n')
    built(settings)
    fail.set()
    clock.now += 31
    search.current()
    assert search.wait_for_reload(10)
    assert search.current() is first and search.reloads == 0


def test_answers_keep_coming_while_the_new_index_loads(tmp_path):
    gate = threading.Event()
    gate.set()
    search, settings, clock, _ = setup(tmp_path, gate=gate)
    first = search.current()
    gate.clear()  # the next load blocks until released
    change_catalog(settings, '{"code": "1.000003"}\n')
    built(settings)
    clock.now += 31
    answers = [search.current() for _ in range(100)]
    assert all(a is first for a in answers)
    gate.set()
    assert search.wait_for_reload(10) and search.current() is not first


def test_reimport_command_imports_and_builds_beside_the_current_index(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from tests.stack import ROOT

    crawl = ROOT.parent / "shared" / "data" / "dvc_tthc_chatbot_tthc" / "procedures.jsonl"
    lines = crawl.read_text(encoding="utf-8").splitlines()[:6]
    small = tmp_path / "crawl.jsonl"
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), KB_CATALOG=str(tmp_path / "catalog.jsonl"),
               KB_INDEX_DIR=str(tmp_path / "index"), KB_ENCODER="none")
    run = subprocess.run([sys.executable, "-m", "knowledge_base.reimport", "--source", str(small)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    codes = [json.loads(line)["code"] for line in (tmp_path / "catalog.jsonl").read_text().splitlines()]
    assert len(codes) == 6 and all(codes)
    assert list((tmp_path / "index").glob("*/meta.json")) and "switch to it" in run.stderr
    assert (tmp_path / "import_report.json").exists()
    again = subprocess.run([sys.executable, "-m", "knowledge_base.reimport", "--source", str(small)], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "did not change" in again.stderr
