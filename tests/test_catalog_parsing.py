"""Unit tests of procedures_data.parsing on snippets shaped like the real crawl (cells run together)."""

from __future__ import annotations

import unicodedata

import pytest

from procedures_data.parsing import (
    NOTICE_KINDS,
    clean_result,
    normalize_fee,
    split_documents,
    split_form,
    split_legal_basis,
    split_methods,
    split_sections,
    split_steps,
    to_record,
)

METHODS_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"


def kinds(problems):
    return [p["kind"] for p in problems]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- fees -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("10,000 Việt Nam Đồng", "10.000 đồng"),
    ("1,500,000 VNĐ", "1.500.000 đồng"),
    ("20,000,000 Việt Nam Đồng", "20.000.000 đồng"),
    ("100 VNĐ", "100 đồng"),
    ("25 USD", "25 USD"),
    ("Miễn phí", "Miễn phí"),
    ("Không có thông tin", ""),
    ("", ""),
])
def test_normalize_fee(raw, expected):
    fee, problems = normalize_fee(raw)
    assert fee == expected
    assert problems == []


def test_normalize_fee_reports_what_it_cannot_read():
    fee, problems = normalize_fee("Theo quy định của HĐND tỉnh")
    assert fee == "Theo quy định của HĐND tỉnh"
    assert kinds(problems) == ["fee_unparsed"]


def test_normalize_fee_decomposed_input():
    assert normalize_fee(nfd("10,000 Việt Nam Đồng"))[0] == "10.000 đồng"
    assert normalize_fee(nfd("Miễn phí"))[0] == "Miễn phí"


# --- methods --------------------------------------------------------------------------------

def test_split_methods_residence_registration_rows():
    text = (METHODS_HEADER + "Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(Trường hợp công dân nộp hồ sơ "
            "qua cổng dịch vụ công trực tuyến thu 10.000 đồng/lần đăng ký.)Trực tiếp7 Ngày làm việc20,000 "
            "Việt Nam Đồng(Trường hợp công dân thuộc diện được miễn phí theo quy định tại Điều 4 Thông tư "
            "số 75/2022/TT-BTC)")
    methods, problems = split_methods(text)
    assert problems == []
    assert [m["channel"] for m in methods] == ["Trực tuyến", "Trực tiếp"]
    assert [m["processing_time"] for m in methods] == ["7 Ngày làm việc", "7 Ngày làm việc"]
    assert [m["fee"] for m in methods] == ["10.000 đồng", "20.000 đồng"]
    assert methods[0]["note"] == ("Trường hợp công dân nộp hồ sơ qua cổng dịch vụ công trực tuyến thu "
                                  "10.000 đồng/lần đăng ký.")
    assert methods[1]["note"].startswith("Trường hợp công dân thuộc diện được miễn phí")


def test_split_methods_bare_number_time_is_kept_without_inventing_a_unit():
    methods, problems = split_methods(
        METHODS_HEADER + "Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí")
    assert [(m["channel"], m["processing_time"], m["fee"], m["note"]) for m in methods] == [
        ("Trực tuyến", "1", "Miễn phí", ""),
        ("Dịch vụ bưu chính", "1", "Miễn phí", ""),
        ("Trực tiếp", "1", "Miễn phí", ""),
    ]
    assert set(kinds(problems)) == {"time_without_unit"}
    assert "time_without_unit" in NOTICE_KINDS


def test_split_methods_no_fee_info_and_description_go_to_note():
    methods, problems = split_methods(
        METHODS_HEADER + "Trực tuyến2 Ngày làm việcKhông có thông tin02 ngày làm việc, kể từ ngày nhận đủ hồ "
        "sơ đúng theo quy định.Dịch vụ bưu chính2 Ngày làm việcKhông có thông tin02 ngày làm việc.")
    assert problems == []
    assert methods[0] == {"channel": "Trực tuyến", "processing_time": "2 Ngày làm việc", "fee": "",
                          "note": "02 ngày làm việc, kể từ ngày nhận đủ hồ sơ đúng theo quy định."}
    assert methods[1]["channel"] == "Dịch vụ bưu chính"


def test_split_methods_unknown_time_and_fee():
    methods, _ = split_methods(METHODS_HEADER + "Trực tiếpKhông có thông tinKhông có thông tin Trực tiếp tại "
                               "Phòng Tổ chức cán bộ")
    assert methods == [{"channel": "Trực tiếp", "processing_time": "", "fee": "",
                        "note": "Trực tiếp tại Phòng Tổ chức cán bộ"}]


def test_split_methods_fee_note_and_description_both_kept():
    methods, _ = split_methods(
        METHODS_HEADER + "Trực tuyến3 Ngày làm việc10,000 Việt Nam Đồng(10.000 đồng/khẩu-chiếc)Trong thời hạn "
        "03 ngày làm việc kể từ ngày nhận đủ hồ sơ.")
    assert methods[0]["fee"] == "10.000 đồng"
    assert methods[0]["note"] == "10.000 đồng/khẩu-chiếc\nTrong thời hạn 03 ngày làm việc kể từ ngày nhận đủ hồ sơ."


def test_split_methods_empty_none_notes_are_dropped_and_nested_parens_unwrapped():
    methods, _ = split_methods(
        METHODS_HEADER + "Trực tuyến5 Ngày làm việcMiễn phí(Không)Trực tiếp3Miễn phí((Mức lệ phí cụ thể do "
        "Hội đồng nhân dân tỉnh quyết định.))")
    assert methods[0]["note"] == ""
    assert methods[1]["note"] == "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định."


def test_split_methods_bare_time_glued_to_amount():
    methods, problems = split_methods(
        METHODS_HEADER + "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp1100,000 VNĐ(- Phí công bố: "
        "100.000 đồng/lần)")
    assert [(m["processing_time"], m["fee"]) for m in methods] == [("1", "20 đồng"), ("1", "100.000 đồng")]
    assert methods[0]["note"] == "20.000 vnđ /tờ khai"
    assert "time_fee_split_guessed" in kinds(problems)


def test_split_methods_time_written_as_words():
    methods, problems = split_methods(
        METHODS_HEADER + "Trực tuyếnKhông quy địnhMiễn phíQua Cổng DVC Quốc giaTrực tiếpKhông quy địnhMiễn phíTại "
        "TTPVHCC cấp tỉnh, xã")
    assert [(m["channel"], m["processing_time"], m["fee"]) for m in methods] == [
        ("Trực tuyến", "Không quy định", "Miễn phí"), ("Trực tiếp", "Không quy định", "Miễn phí")]
    assert methods[1]["note"] == "Tại TTPVHCC cấp tỉnh, xã"
    assert "time_as_text" in kinds(problems)


def test_split_methods_channel_words_inside_a_description_do_not_start_rows():
    methods, _ = split_methods(
        METHODS_HEADER + "Trực tiếp10 Ngày làm việcMiễn phí- Trực tiếp: nộp tại Sở; Trực tuyến qua Cổng "
        "DVCDịch vụ bưu chính10 Ngày làm việcMiễn phí")
    assert [m["channel"] for m in methods] == ["Trực tiếp", "Dịch vụ bưu chính"]
    assert methods[0]["note"] == "- Trực tiếp: nộp tại Sở; Trực tuyến qua Cổng DVC"


def test_split_methods_decomposed_unicode_comes_out_nfc():
    methods, _ = split_methods(nfd(METHODS_HEADER + "Trực tiếp8 Ngày làm việc200,000 Việt Nam Đồng(200.000đ/ hộ "
                                                    "chiếu.)"))
    assert methods == [{"channel": "Trực tiếp", "processing_time": "8 Ngày làm việc", "fee": "200.000 đồng",
                        "note": "200.000đ/ hộ chiếu."}]
    assert all(unicodedata.is_normalized("NFC", v) for v in methods[0].values())


def test_split_methods_empty_table():
    assert split_methods(METHODS_HEADER) == ([], [{"kind": "methods_empty", "detail": ""}])


# --- documents ------------------------------------------------------------------------------

def test_split_documents_multiple_groups_and_copies_shapes():
    text = ("* Giấy tờ phải nộp:" + DOC_HEADER
            + "- Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng.1 bản chính"
            + "- Văn bản ủy quyền theo quy định của pháp luật.1 bản chính,1 bản sao"
            + "* Giấy tờ phải xuất trình:" + DOC_HEADER
            + "- Hộ chiếu/Thẻ căn cước còn giá trị sử dụng.1 bản chính"
            + "Bản sao giấy khai sinh;0 bản chính,1 bản sao")
    documents, problems = split_documents(text)
    assert problems == []
    assert [(d["name"], d["copies"], d["group"]) for d in documents] == [
        ("Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng.",
         "1 bản chính", "Giấy tờ phải nộp:"),
        ("Văn bản ủy quyền theo quy định của pháp luật.", "1 bản chính, 1 bản sao", "Giấy tờ phải nộp:"),
        ("Hộ chiếu/Thẻ căn cước còn giá trị sử dụng.", "1 bản chính", "Giấy tờ phải xuất trình:"),
        ("Bản sao giấy khai sinh;", "0 bản chính, 1 bản sao", "Giấy tờ phải xuất trình:"),
    ]


def test_split_documents_case_headings_become_groups():
    text = ("Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình" + DOC_HEADER
            + "Tờ khai thay đổi thông tin cư trú.1 bản chính"
            + "Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ" + DOC_HEADER
            + "Hợp đồng cho thuê, cho mượn, cho ở nhờ.1 bản chính")
    documents, _ = split_documents(text)
    assert [d["group"] for d in documents] == [
        "Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình",
        "Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ",
    ]


def test_split_documents_form_file_names():
    text = ("--" + DOC_HEADER
            + "Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước (mẫu TK01a dành cho người chưa đủ 14 tuổi)"
              "Mau TK01a to khai trẻ em cap HCPT ở trong nước TK01a MỚI.doc1 bản chính"
            + "Báo cáo tình hình thực hiện theo Mẫu 37 Phụ lục I Nghị định số 23/2026/NĐ-CP.Mau37.docx1 bản chính"
            + "Văn bản đề nghị;Mẫu số 17.docxMẫu số 18.docx1 bản chính")
    documents, problems = split_documents(text)
    assert problems == []
    assert [(d["name"], d["form"], d["group"]) for d in documents] == [
        ("Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước (mẫu TK01a dành cho người chưa đủ 14 tuổi)",
         "Mau TK01a to khai trẻ em cap HCPT ở trong nước TK01a MỚI.doc", ""),
        ("Báo cáo tình hình thực hiện theo Mẫu 37 Phụ lục I Nghị định số 23/2026/NĐ-CP.", "Mau37.docx", ""),
        ("Văn bản đề nghị;", "Mẫu số 17.docx; Mẫu số 18.docx", ""),
    ]


@pytest.mark.parametrize("cell, name, form", [
    ("Danh sách thuyền viên theo mẫuMauDanhsachthuyenvien.docx", "Danh sách thuyền viên theo mẫu",
     "MauDanhsachthuyenvien.docx"),
    ("Công văn đề nghị (mẫu 8A) kèm theo danh sách (mẫu 9B).47-Mẫu 8A-Công văn đề nghị trợ cấp một lần (1).doc",
     "Công văn đề nghị (mẫu 8A) kèm theo danh sách (mẫu 9B)", "47-Mẫu 8A-Công văn đề nghị trợ cấp một lần (1).doc"),
    ("Tờ khai (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA)", "Tờ khai (Mẫu CT01 ban hành kèm theo "
     "Thông tư số 53/2025/TT-BCA)", ""),
    ("MauBankhaichung.docx", "", "MauBankhaichung.docx"),
    ("Tờ khai theo Phụ lục ban hành kèm theo Nghị định này;247-N-CP-2025TKNGK (1).docx",
     "Tờ khai theo Phụ lục ban hành kèm theo Nghị định này;", "247-N-CP-2025TKNGK (1).docx"),
    ("Báo cáo vốn điều lệ đã góp ngày 05/5/2025PL 01 Bao cao ve von dieu le 14.4_Approved (1).docx.docx",
     "Báo cáo vốn điều lệ đã góp ngày 05/5/2025", "PL 01 Bao cao ve von dieu le 14.4_Approved (1).docx.docx"),
])
def test_split_form(cell, name, form):
    assert split_form(cell) == (name, form)


def test_split_documents_copy_counts_inside_a_name_do_not_split_rows():
    text = ("--" + DOC_HEADER
            + "- Tờ khai hải quan: người khai hải quan khai và nộp 02 bản chính tờ khai hàng hóa nhập khẩu;"
              " Giấy phép nhập khẩu: 01 bản chính;1 bản chính"
            + "+ Văn bản đề nghị xin tái xuất (01 bản chính)0 bản chính")
    documents, _ = split_documents(text)
    assert len(documents) == 2
    assert documents[0]["name"].endswith("Giấy phép nhập khẩu: 01 bản chính;")
    assert documents[0]["copies"] == "1 bản chính"
    assert documents[1] == {"name": "Văn bản đề nghị xin tái xuất (01 bản chính)", "copies": "0 bản chính",
                            "form": "", "group": ""}


def test_split_documents_empty_rows_trailing_text_and_placeholders():
    documents, problems = split_documents("--" + DOC_HEADER + "Đơn đề nghị.1 bản chính1 bản chính"
                                          "(Trường hợp khai thác được thông tin thì không phải nộp)")
    assert [(d["name"], d["copies"]) for d in documents] == [
        ("Đơn đề nghị.", "1 bản chính"), ("(Trường hợp khai thác được thông tin thì không phải nộp)", "")]
    assert kinds(problems) == ["document_row_empty", "document_without_copies"]
    assert split_documents("--") == ([], [])
    assert split_documents("") == ([], [])


def test_split_documents_decomposed_unicode():
    documents, _ = split_documents(nfd("--" + DOC_HEADER + "Giấy chứng sinh.1 bản chính"))
    assert documents == [{"name": "Giấy chứng sinh.", "copies": "1 bản chính", "form": "", "group": ""}]


# --- legal basis ----------------------------------------------------------------------------

def test_split_legal_basis_common_shapes():
    text = (LEGAL_HEADER
            + "Nghị quyết số 66.7/2025/NQ-CP của Chính phủ: Quy định cắt giảm, đơn giản hóa thủ tục hành chính dựa "
              "trên dữ liệu66.7/2025/NQ-CP"
            + "Luật Cư trú 202068/2020/QH14"
            + "Nghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ quy định chi tiết một số điều và biện pháp "
              "thi hành Luật Hộ tịch123/2015/NĐ-CP"
            + "Quyết định 10/2018/QĐ-TTg10/2018/QĐ-TTg"
            + "Thông tư liên tịch quy định về cấp phép cho phương tiện nước ngoài vào tìm kiếm, cứu nạn tại Việt "
              "Nam15/2015/TTLT-BGTVT-BQP-BCA-BNG"
            + "Lệnh 21/2014/L-CTN21/2014/L-CTN")
    rows, problems = split_legal_basis(text)
    assert problems == []
    assert [r["number"] for r in rows] == ["66.7/2025/NQ-CP", "68/2020/QH14", "123/2015/NĐ-CP", "10/2018/QĐ-TTg",
                                           "15/2015/TTLT-BGTVT-BQP-BCA-BNG", "21/2014/L-CTN"]
    assert rows[1] == {"title": "Luật Cư trú 2020", "number": "68/2020/QH14"}
    assert rows[2]["title"].endswith("biện pháp thi hành Luật Hộ tịch")
    assert rows[3] == {"title": "Quyết định 10/2018/QĐ-TTg", "number": "10/2018/QĐ-TTg"}


def test_split_legal_basis_title_ending_in_its_own_number():
    rows, problems = split_legal_basis(LEGAL_HEADER + "Luật 60/2014/QH1360/2014/QH13"
                                       + "Thông tư 04/2020/TT-BTP04/2020/TT-BTP")
    assert rows == [{"title": "Luật 60/2014/QH13", "number": "60/2014/QH13"},
                    {"title": "Thông tư 04/2020/TT-BTP", "number": "04/2020/TT-BTP"}]
    assert problems == []


def test_split_legal_basis_number_cell_written_with_words():
    rows, _ = split_legal_basis(
        LEGAL_HEADER + "Thông tư số 03/2023/TT-BTP ngày 02/8/2023 của Bộ trưởng Bộ Tư phápThông tư số 03/2023/TT-BTP"
        + "Hướng dẫn Luật hộ tịch04/2020/TT-BTP")
    assert rows == [
        {"title": "Thông tư số 03/2023/TT-BTP ngày 02/8/2023 của Bộ trưởng Bộ Tư pháp", "number": "03/2023/TT-BTP"},
        {"title": "Hướng dẫn Luật hộ tịch", "number": "04/2020/TT-BTP"},
    ]


def test_split_legal_basis_glued_titles_of_any_case():
    rows, _ = split_legal_basis(
        LEGAL_HEADER + "Thông tư 56/2021/TT-BCA56/2021/TT-BCA"
        + "SỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU CỦA CÁC NGHỊ ĐỊNH LIÊN QUAN ĐẾN QUY ĐỊNH ĐIỀU KIỆN VỀ AN NINH58/2026/NĐ-CP"
        + "Nghị định quy định chi tiết Luật Cư trú154/2024/NĐ-CP"
        + "Luật Chứng khoán số 54/2019/QH14 ngày 26/11/2019; sửa đổi bởi Luật số 56/2024/QH1554/2019/QH14")
    assert [r["number"] for r in rows] == ["56/2021/TT-BCA", "58/2026/NĐ-CP", "154/2024/NĐ-CP", "54/2019/QH14"]
    assert rows[1]["title"].startswith("SỬA ĐỔI, BỔ SUNG")
    assert rows[3]["title"].endswith("sửa đổi bởi Luật số 56/2024/QH15")


def test_split_legal_basis_numbers_quoted_inside_a_title_stay_in_it():
    rows, _ = split_legal_basis(
        LEGAL_HEADER + "Thông tư số 53/2025/TT-BCAngày 01/7/2025 của Bộ Công an sửa đổi Thông tư số 55/2021/TT-BCA "
        "ngày 15 tháng 5 năm 2021.53/2025/TT-BCA")
    assert len(rows) == 1 and rows[0]["number"] == "53/2025/TT-BCA"
    assert "55/2021/TT-BCA" in rows[0]["title"]


def test_split_legal_basis_unknown_and_unparsable():
    assert split_legal_basis("Không có thông tin") == ([], [])
    rows, problems = split_legal_basis(LEGAL_HEADER + "Luật Hàng hải 201593/2015/QH13BỘ LUẬT HÀNG HẢI VIỆT NAM")
    assert rows[-1] == {"title": "BỘ LUẬT HÀNG HẢI VIỆT NAM", "number": ""}
    assert kinds(problems) == ["legal_row_without_number"]


def test_split_legal_basis_decomposed_unicode():
    rows, _ = split_legal_basis(nfd(LEGAL_HEADER + "Luật Cư trú 202068/2020/QH14"))
    assert rows == [{"title": "Luật Cư trú 2020", "number": "68/2020/QH14"}]


# --- result, steps --------------------------------------------------------------------------

def test_clean_result_drops_codes_and_page_interface():
    text = ("Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cưMã: KQ.G01.000064Thông báo kết quả giải quyết "
            "thủ tục về cư trúMã: KQ.G01.000065Văn bản chấp thuậnMã: 000.00.00.G04-KQ3019Từ khóaKhông có thông "
            "tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phốBộ ngành-- Chọn Tỉnh/ Thành phố --"
            "Hệ thống chỉ hiển thị những cơ quan đã áp dụng dịch vụ công trực tuyếnNộp hồ sơ")
    result, problems = clean_result(text)
    assert result == ("Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cư\n"
                      "Thông báo kết quả giải quyết thủ tục về cư trú\nVăn bản chấp thuận")
    assert problems == []


def test_clean_result_without_codes_and_unknown():
    assert clean_result("Giấy phép lái xe")[0] == "Giấy phép lái xe"
    assert clean_result("Không có thông tin")[0] == ""


def test_split_steps_on_buoc_boundaries_keeping_sub_bullets():
    text = ("Bước 1: Cá nhân, tổ chức chuẩn bị hồ sơ.\n Bước 2: Nộp hồ sơ đến Công an cấp xã.\n Bước 3: Khi tiếp "
            "nhận hồ sơ, cán bộ kiểm tra:\n- Trường hợp đủ điều kiện thì cấp Phiếu tiếp nhận.\n- Trường hợp không đủ "
            "điều kiện thì từ chối.\t\n\tBước 4: Nộp lệ phí theo quy định tại Bước 2 và Bước 3.\nBước 5: Nhận kết quả.")
    steps, problems = split_steps(text)
    assert problems == []
    assert steps == [
        "Bước 1: Cá nhân, tổ chức chuẩn bị hồ sơ.",
        "Bước 2: Nộp hồ sơ đến Công an cấp xã.",
        "Bước 3: Khi tiếp nhận hồ sơ, cán bộ kiểm tra:\n- Trường hợp đủ điều kiện thì cấp Phiếu tiếp nhận.\n"
        "- Trường hợp không đủ điều kiện thì từ chối.",
        "Bước 4: Nộp lệ phí theo quy định tại Bước 2 và Bước 3.",
        "Bước 5: Nhận kết quả.",
    ]


def test_split_steps_list_markers_preamble_and_glued_steps():
    steps, _ = split_steps("Trình tự thực hiện như sau:\n- Bước 1: Nộp hồ sơ\na) Bước 2: Tiếp nhận\n6.1.3. Bước 3 "
                           "thẩm định để xử lýBước 4 Duyệt hồ sơ")
    assert steps == ["Trình tự thực hiện như sau:", "Bước 1: Nộp hồ sơ", "Bước 2: Tiếp nhận",
                     "Bước 3 thẩm định để xử lý", "Bước 4 Duyệt hồ sơ"]


def test_split_steps_without_markers_is_one_step():
    steps, _ = split_steps("  - Nộp hồ sơ tại UBND xã.\n\n- Nhận kết quả.  ")
    assert steps == ["- Nộp hồ sơ tại UBND xã.\n- Nhận kết quả."]
    assert split_steps("") == ([], [])


# --- sections and whole records -------------------------------------------------------------

def _raw_text(methods: str, documents: str, legal: str, agency: str = "Công an cấp Xã",
              conditions: str = "Không có thông tin", result: str = "Giấy khai sinhMã: KQ.G15.000031") -> str:
    return ("Đăng ký thường trúTên thủ tụcĐăng ký thường trúMã thủ tục1.004222Số quyết định1523/QĐ-BCA-C06"
            "Thủ tục hành chính liên quanKhông có thông tinTrình Tự Thực Hiện Bước 1: Chuẩn bị hồ sơ.\nBước 2: Nộp "
            "hồ sơ.Cách Thức Thực Hiện" + METHODS_HEADER + methods + "Thành phần hồ sơ" + documents
            + "Căn cứ pháp lý" + legal + "Cơ quan thực hiện" + agency + "Yêu cầu, điều kiện thực hiện" + conditions
            + "Kết quả xử lý" + result + "Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiện"
            "Tỉnh/ Thành phốBộ ngành-- Chọn Tỉnh/ Thành phố --Nộp hồ sơ")


def test_split_sections_is_not_fooled_by_labels_inside_content():
    raw = _raw_text(
        methods="Trực tuyến1 Ngày100 VNĐ(Căn cứ pháp lý: Thông tư 269/2016/TT-BTC.)Trực tiếp3 Ngày làm việcMiễn phí"
                "Thành phần hồ sơ:\nxem mục dưới.Dịch vụ bưu chính3 Ngày làm việcMiễn phí",
        documents="--" + DOC_HEADER + "Bản khai (theo Mẫu)1 bản chính",
        legal="Không có thông tin")
    sections, problems = split_sections(raw)
    assert problems == []
    methods, _ = split_methods(sections["methods"])
    assert [m["channel"] for m in methods] == ["Trực tuyến", "Trực tiếp", "Dịch vụ bưu chính"]
    assert methods[0]["note"] == "Căn cứ pháp lý: Thông tư 269/2016/TT-BTC."
    assert split_documents(sections["documents"])[0][0]["name"] == "Bản khai (theo Mẫu)"
    assert split_legal_basis(sections["legal_basis"]) == ([], [])
    assert sections["agency"] == "Công an cấp Xã"
    assert "Từ khóa" not in sections["result"] and "Chọn cơ quan" not in sections["result"]


KEYS = ["code", "name", "field", "levels", "agency", "authority", "audience", "methods", "documents", "steps",
        "conditions", "result", "legal_basis", "decision", "url", "aliases", "source"]


def _source_record(**overrides):
    raw = {
        "ma_thu_tuc": "1.004222", "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/abc",
        "ten_thu_tuc": "Đăng ký thường trú", "so_quyet_dinh": "1523/QĐ-BCA-C06", "cap_thuc_hien": "Cấp bộ, Cấp tỉnh",
        "linh_vuc": "Đăng ký, quản lý cư trú", "doi_tuong_thuc_hien": "Công dân Việt Nam",
        "co_quan_co_tham_quyen": "Không có thông tin", "co_quan_thuc_hien": "Công an cấp Xã",
        "raw_text": _raw_text(
            methods="Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(thu 10.000 đồng/lần đăng ký.)",
            documents="--" + DOC_HEADER + "Tờ khai thay đổi thông tin cư trú.1 bản chính",
            legal=LEGAL_HEADER + "Luật Cư trú 202068/2020/QH14"),
    }
    raw.update(overrides)
    return raw


def test_to_record_shape_and_values():
    record, problems = to_record(_source_record())
    assert problems == []
    assert list(record) == KEYS
    assert record["code"] == "1.004222"
    assert record["levels"] == ["Cấp bộ", "Cấp tỉnh"]
    assert record["authority"] == ""
    assert record["agency"] == "Công an cấp Xã"
    assert record["conditions"] == ""
    assert record["result"] == "Giấy khai sinh"
    assert record["steps"] == ["Bước 1: Chuẩn bị hồ sơ.", "Bước 2: Nộp hồ sơ."]
    assert record["methods"] == [{"channel": "Trực tuyến", "processing_time": "7 Ngày làm việc", "fee": "10.000 đồng",
                                  "note": "thu 10.000 đồng/lần đăng ký."}]
    assert record["legal_basis"] == [{"title": "Luật Cư trú 2020", "number": "68/2020/QH14"}]
    assert record["aliases"] == []
    assert record["source"]["name"].startswith("Cổng Dịch vụ công quốc gia")


def test_to_record_decomposed_source_comes_out_nfc():
    raw = {k: nfd(v) if isinstance(v, str) else v for k, v in _source_record().items()}
    record, _ = to_record(raw)
    nfc_record, _ = to_record(_source_record())
    assert record == nfc_record


def test_to_record_falls_back_to_crawler_fields_without_anchors():
    raw = _source_record(raw_text="", cach_thuc_thuc_hien=METHODS_HEADER + "Trực tiếp15 NgàyMiễn phí",
                         thanh_phan_ho_so="", can_cu_phap_ly="Không có thông tin", ket_qua_xu_ly="Giấy phép",
                         trinh_tu_thuc_hien="Bước 1: Nộp hồ sơ.")
    record, problems = to_record(raw)
    assert record["methods"][0]["processing_time"] == "15 Ngày"
    assert record["result"] == "Giấy phép"
    assert record["steps"] == ["Bước 1: Nộp hồ sơ."]
    assert "section_anchor_missing" in kinds(problems)
