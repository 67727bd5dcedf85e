"""Answers are written from the catalog record only (real records of the committed catalog)."""

import dataclasses

import pytest

from actions import answers
from knowledge_base.catalog import load_catalog
from knowledge_base.config import KBSettings


@pytest.fixture(scope="module")
def catalog():
    return {p.code: p for p in load_catalog(KBSettings.from_env().catalog_path)}


def test_fee_of_permanent_residence_per_channel(catalog):
    text = answers.answer(catalog["1.004222"], ["fee"]).texts[0]
    assert "Đăng ký thường trú (mã 1.004222)" in text
    assert "Nộp trực tiếp: 20.000 đồng" in text
    assert "Nộp trực tuyến: 10.000 đồng" in text


def test_time_of_passport(catalog):
    text = answers.answer(catalog["1.001456"], ["time"]).texts[0]
    assert "8 Ngày làm việc" in text and "1.001456" in text


def test_documents_of_birth_registration_and_free(catalog):
    proc = catalog["1.001193"]
    docs = answers.answer(proc, ["documents"]).texts[0]
    assert "Giấy chứng sinh" in docs
    fee = answers.answer(proc, ["fee"]).texts[0]
    assert "Miễn" in fee or "miễn" in fee


def test_overview_offers_aspects_and_link(catalog):
    ans = answers.answer(catalog["1.004222"], [])
    assert ans.texts[0].startswith("Thủ tục: Đăng ký thường trú (mã 1.004222)")
    assert "dichvucong.gov.vn" in ans.texts[0]
    assert ("Lệ phí", "/ask_fee") in ans.buttons and answers.DETAILS_BUTTON in ans.buttons


def test_long_lists_are_cut_with_an_offer_and_details_show_everything(catalog):
    proc = max(catalog.values(), key=lambda p: len(p.documents))
    short = answers.answer(proc, ["documents"]).texts[0]
    assert "xem đầy đủ" in short
    full = "\n".join(answers.details(proc).texts)
    assert full.count("\n• ") >= len(proc.documents)


def test_missing_facts_are_said_to_be_missing_never_invented(catalog):
    no_fee = next(p for p in catalog.values() if any(not m.get("fee") for m in p.methods))
    assert answers.MISSING in answers.answer(no_fee, ["fee"]).texts[0]
    bare = dataclasses.replace(catalog["1.004222"], methods=(), documents=(), steps=(), legal_basis=())
    for aspect in ("fee", "time", "documents", "steps", "legal_basis", "online"):
        assert answers.MISSING in answers.answer(bare, [aspect]).texts[0]
    no_conditions = next(p for p in catalog.values() if not p.conditions)
    assert "không nêu" in answers.answer(no_conditions, ["conditions"]).texts[0]


def test_every_fee_and_time_shown_comes_from_the_record(catalog):
    for code in ("1.004222", "1.001456", "1.001193", "2.000528", "1.013225"):
        proc = catalog[code]
        text = answers.answer(proc, ["fee", "time"]).texts[0]
        for method in proc.methods:
            for key in ("fee", "processing_time"):
                if method.get(key):
                    assert method[key].strip() in text


def test_online_answer(catalog):
    online = next(p for p in catalog.values() if any(m.get("channel") == "Trực tuyến" for m in p.methods))
    assert "có thể nộp trực tuyến" in answers.answer(online, ["online"]).texts[0]
    offline = next(p for p in catalog.values()
                   if p.methods and all(m.get("channel") != "Trực tuyến" for m in p.methods))
    assert "chưa có hình thức nộp trực tuyến" in answers.answer(offline, ["online"]).texts[0]
