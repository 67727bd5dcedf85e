"""Pins on the committed procedures_data/catalog.jsonl.

Every value pinned here was checked by hand against the record's raw_text in
../shared/data/dvc_tthc_chatbot_tthc/procedures.jsonl (quoted in the comments, cells run together
as the crawl has them). Re-run `python -m procedures_data.importer` after changing the parser.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from procedures_data.parsing import CHANNELS

CATALOG = Path(__file__).resolve().parents[1] / "procedures_data" / "catalog.jsonl"
KEYS = ["code", "name", "field", "levels", "agency", "authority", "audience", "methods", "documents", "steps",
        "conditions", "result", "legal_basis", "decision", "url", "aliases", "source"]
PAGE_INTERFACE = ["Chọn cơ quan thực hiện", "Hệ thống chỉ hiển thị những cơ quan", "-- Chọn Tỉnh/ Thành phố --",
                  "Tỉnh/ Thành phố", "Từ khóaKhông", "Mã: KQ."]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    assert CATALOG.is_file(), "run `python -m procedures_data.importer` first"
    return CATALOG.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def catalog(lines) -> dict[str, dict]:
    return {rec["code"]: rec for rec in map(json.loads, lines)}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def method(rec: dict, channel: str) -> dict:
    [found] = [m for m in rec["methods"] if m["channel"] == channel]
    return found


# --- whole catalog --------------------------------------------------------------------------

def test_all_procedures_present_unique_and_sorted(lines, catalog):
    codes = [json.loads(line)["code"] for line in lines]
    assert len(codes) == 2642
    assert len(set(codes)) == len(codes) == len(catalog)
    assert codes == sorted(codes)


def test_every_record_has_the_documented_shape(catalog):
    for rec in catalog.values():
        assert list(rec) == KEYS, rec["code"]
        assert rec["name"] and rec["url"].startswith("https://dichvucong.gov.vn/")
        assert rec["source"] == {"name": "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)", "retrieved": "2026-07"}
        assert all(set(m) == {"channel", "processing_time", "fee", "note"} for m in rec["methods"])
        assert all(set(d) == {"name", "copies", "form", "group"} and d["name"] for d in rec["documents"])
        assert all(set(x) == {"title", "number"} for x in rec["legal_basis"])


def test_all_text_is_nfc(catalog):
    for rec in catalog.values():
        for text in _strings(rec):
            assert unicodedata.is_normalized("NFC", text), (rec["code"], text[:60])


def test_no_unknown_marker_or_page_interface_text(lines):
    for line in lines:
        text = json.loads(line)
        blob = json.dumps(text, ensure_ascii=False)
        assert "Không có thông tin" not in blob, text["code"]
        for marker in PAGE_INTERFACE:
            assert marker not in blob, (text["code"], marker)


def test_method_channels_and_fee_wording(catalog):
    for rec in catalog.values():
        for m in rec["methods"]:
            assert m["channel"] in CHANNELS, rec["code"]
            assert "Việt Nam Đồng" not in m["fee"] and "VNĐ" not in m["fee"], rec["code"]
            assert "," not in m["fee"], rec["code"]


def test_catalog_is_mostly_populated(catalog):
    recs = list(catalog.values())
    assert sum(bool(r["methods"]) for r in recs) >= 2600
    assert sum(bool(r["documents"]) for r in recs) >= 2600
    assert sum(bool(r["legal_basis"]) for r in recs) >= 2500
    assert sum(bool(r["steps"]) for r in recs) >= 2600
    assert sum(bool(r["aliases"]) for r in recs) >= 1


# --- pinned records (checked against raw_text) ----------------------------------------------

def test_dang_ky_thuong_tru(catalog):
    rec = catalog["1.004222"]  # bo-cong-an
    assert rec["name"] == "Đăng ký thường trú"
    assert rec["levels"] == ["Cấp xã"] and rec["agency"] == "Công an cấp Xã"
    # "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(…)Trực tiếp7 Ngày làm việc20,000 Việt Nam Đồng(…)"
    assert method(rec, "Trực tiếp")["processing_time"] == "7 Ngày làm việc"
    assert method(rec, "Trực tiếp")["fee"] == "20.000 đồng"
    assert method(rec, "Trực tuyến")["fee"] == "10.000 đồng"
    assert method(rec, "Trực tuyến")["note"].startswith("Trường hợp công dân nộp hồ sơ qua cổng dịch vụ công")
    # "…Cơ sở dữ liệu về cư trú75/2022/TT-BTCLuật Cư trú 202068/2020/QH14Thông tư 57/2021/TT-BCA…"
    assert {"title": "Luật Cư trú 2020", "number": "68/2020/QH14"} in rec["legal_basis"]
    # "Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờTên giấy tờ…Hợp đồng, văn bản về việc cho
    # thuê, cho mượn, cho ở nhờ được công chứng hoặc chứng thực theo quy định của pháp luật.1 bản chính"
    assert {"name": "Hợp đồng, văn bản về việc cho thuê, cho mượn, cho ở nhờ được công chứng hoặc chứng thực theo "
                    "quy định của pháp luật.",
            "copies": "1 bản chính", "form": "",
            "group": "Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ"} in rec["documents"]
    assert rec["result"].split("\n")[0] == "Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cư"
    assert [s.split(":")[0] for s in rec["steps"]] == ["Bước 1", "Bước 2", "Bước 3", "Bước 4", "Bước 5"]


def test_ho_chieu_pho_thong(catalog):
    rec = catalog["1.001456"]  # bo-cong-an
    assert [m["processing_time"] for m in rec["methods"]] == ["8 Ngày làm việc"] * 3
    # "Trực tiếp8 Ngày làm việc200,000 Việt Nam Đồng(200.000đ/ hộ chiếu. …)"
    assert method(rec, "Trực tiếp")["fee"] == "200.000 đồng"
    assert method(rec, "Trực tuyến")["fee"] == "160.000 đồng"
    assert "Mau TK01a to khai trẻ em cap HCPT ở trong nước TK01a MỚI.doc" in [d["form"] for d in rec["documents"]]


def test_khai_sinh(catalog):
    rec = catalog["1.001193"]  # bo-tu-phap
    # "Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí": the unit is not on the page.
    assert [(m["fee"], m["processing_time"]) for m in rec["methods"]] == [("Miễn phí", "1")] * 3
    names = [d["name"] for d in rec["documents"]]
    assert any(name.startswith("Giấy chứng sinh") for name in names)
    assert rec["documents"][0]["group"] == "Giấy tờ phải nộp:"
    assert rec["result"] == "Giấy khai sinh"  # "Kết quả xử lýGiấy khai sinhMã: KQ.G15.000031"
    assert {"title": "Luật 60/2014/QH13", "number": "60/2014/QH13"} in rec["legal_basis"]  # "Luật 60/2014/QH1360/2014/QH13"
    assert "làm giấy khai sinh" in rec["aliases"]


def test_giay_phep_tham_do_nuoc_duoi_dat(catalog):
    rec = catalog["1.000606"]  # bo-nong-nghiep-mt
    # "Trực tuyến24 Ngày làm việcMiễn phí(theo quy định của pháp luật về phí, lệ phí)"
    assert method(rec, "Trực tuyến") == {"channel": "Trực tuyến", "processing_time": "24 Ngày làm việc",
                                         "fee": "Miễn phí", "note": "theo quy định của pháp luật về phí, lệ phí"}
    # "…theo Mẫu 37 Phụ lục I Nghị định số 23/2026/NĐ-CP.Mau37.docx1 bản chính"
    assert rec["documents"][0] == {
        "name": "Báo cáo tình hình thực hiện các quy định trong giấy phép theo Mẫu 37 Phụ lục I Nghị định số "
                "23/2026/NĐ-CP.",
        "copies": "1 bản chính", "form": "Mau37.docx", "group": ""}
    assert {"title": "Luật", "number": "28/2023/QH15"} in rec["legal_basis"]  # "…NĐ-CPLuật28/2023/QH15Nghị định…"


def test_quy_thanh_vien(catalog):
    rec = catalog["1.009548"]  # bo-tai-chinh
    # "Giấy chứng nhận đăng ký lập quỹ thành viênMã: KQ.G12.000131+ Văn bản từ chối (nêu rõ lý do).Mã: …"
    assert rec["result"] == "Giấy chứng nhận đăng ký lập quỹ thành viên\n+ Văn bản từ chối (nêu rõ lý do)."
    assert rec["legal_basis"][-1] == {"title": "Nghị định 155/2020/NĐ-CP", "number": "155/2020/NĐ-CP"}
    assert [m["processing_time"] for m in rec["methods"]] == ["15 Ngày"] * 3


def test_dau_tu_gian_tiep_ra_nuoc_ngoai(catalog):
    rec = catalog["1.000789"]  # ngan-hang-nha-nuoc
    # "Dịch vụ bưu chính25 Ngày làm việcMiễn phíTrực tiếp25 Ngày làm việcMiễn phí"
    assert [(m["channel"], m["processing_time"], m["fee"]) for m in rec["methods"]] == [
        ("Dịch vụ bưu chính", "25 Ngày làm việc", "Miễn phí"), ("Trực tiếp", "25 Ngày làm việc", "Miễn phí")]
    # "…đơn giản hóa thủ tục hành chính78/2025/TT-NHNNNghị định 135/2015/NĐ-CP135/2015/NĐ-CP…"
    assert [x["number"] for x in rec["legal_basis"]] == ["78/2025/TT-NHNN", "135/2015/NĐ-CP", "10/2016/TT-NHNN",
                                                          "15/2019/TT-NHNN"]


def test_ke_hoach_phat_trien_do_thi(catalog):
    rec = catalog["6.006574"]  # bo-xay-dung
    # "Trực tiếp42 NgàyKhông có thông tinTrực tuyến42 Ngày…"; documents "--"; legal "Không có thông tin"
    assert [(m["processing_time"], m["fee"]) for m in rec["methods"]] == [("42 Ngày", "")] * 3
    assert rec["documents"] == [] and rec["legal_basis"] == []
    assert rec["result"] == "Quyết định phê duyệt kế hoạch phát triển đô thị"


def test_tro_cap_mot_lan_bck(catalog):
    rec = catalog["1.003220"]  # bo-cong-an
    # "Trực tiếpKhông có thông tinKhông có thông tin Trực tiếp tại Phòng Tổ chức cán bộ, …"
    assert rec["methods"] == [{"channel": "Trực tiếp", "processing_time": "", "fee": "",
                               "note": "Trực tiếp tại Phòng Tổ chức cán bộ, Công an các tỉnh, thành phố trực thuộc "
                                       "Trung ương"}]
    # "…(mẫu 2C).38-Mẫu 2C-Trích sao lý lịch.doc0 bản chính,2 bản sao"
    assert rec["documents"][-1]["copies"] == "0 bản chính, 2 bản sao"
    assert rec["documents"][-1]["form"] == "38-Mẫu 2C-Trích sao lý lịch.doc"


def test_toa_an_gui_nhan_don_khoi_kien(catalog):
    rec = catalog["3.000163"]  # toa-an-nhan-dan
    assert {"title": "Lệnh 21/2014/L-CTN", "number": "21/2014/L-CTN"} in rec["legal_basis"]
    assert rec["result"] == "Văn bản tố tụng của Tòa án theo tiến trình giải quyết"  # "…giải quyếtMã: VBTT"
    # the crawler's can_cu_phap_ly ran on into "Cơ quan thực hiệnTòa án…"; the agency is its own section
    assert rec["agency"].startswith("Tòa án nhân dân tỉnh, thành phố trực thuộc trung ương")
    assert all("Cơ quan thực hiện" not in x["title"] for x in rec["legal_basis"])


def test_fee_note_citing_can_cu_phap_ly_does_not_break_sections(catalog):
    rec = catalog["3.000337"]  # bo-cong-an; the crawler cut cach_thuc_thuc_hien at "100 VNĐ("
    # "Trực tuyến1 Ngày100 VNĐ(Căn cứ pháp lý: Thông tư 269/2016/TT-BTC …)…Căn cứ pháp lýKhông có thông tin"
    assert [(m["channel"], m["processing_time"], m["fee"]) for m in rec["methods"]] == [
        ("Trực tuyến", "1 Ngày", "100 đồng"), ("Dịch vụ bưu chính", "1 Ngày", "100 đồng"),
        ("Trực tiếp", "1 Ngày", "100 đồng")]
    assert rec["methods"][0]["note"].startswith("Căn cứ pháp lý: Thông tư 269/2016/TT-BTC")
    assert rec["legal_basis"] == []


def test_document_with_original_and_copy(catalog):
    rec = catalog["1.008926"]  # bo-tu-phap: "…do Bộ trưởng Bộ Tư pháp quy định.1 bản chính,1 bản sao"
    assert rec["documents"] == [{"name": "Giấy đề nghị thay đổi nơi tập sự theo mẫu do Bộ trưởng Bộ Tư pháp quy định.",
                                 "copies": "1 bản chính, 1 bản sao", "form": "", "group": ""}]


def test_bare_time_glued_to_amount_is_split_as_documented(catalog):
    rec = catalog["1.000014"]  # bo-tai-chinh: "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)" (time "1", fee "20 VNĐ")
    assert [(m["processing_time"], m["fee"], m["note"]) for m in rec["methods"]] == [
        ("1", "20 đồng", "20.000 vnđ /tờ khai")] * 2


def test_steps_with_list_markers(catalog):
    rec = catalog["1.013431"]  # bo-cong-an: "- Bước 1: …\n- Bước 2: …\n- Bước 3: …\n+ Trường hợp …\n- Bước 4: …"
    assert len(rec["steps"]) == 4
    assert rec["steps"][0] == "Bước 1: Tổ chức, doanh nghiệp chuẩn bị hồ sơ theo quy định của pháp luật."
    assert "\n+ Trường hợp hồ sơ đạt yêu cầu" in rec["steps"][2]
