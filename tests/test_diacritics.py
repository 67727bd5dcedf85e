from knowledge_base.diacritics import DiacriticRestorer

CORPUS = [
    "Thủ tục đăng ký kết hôn", "Thủ tục đăng ký khai sinh", "Đăng ký thường trú", "Xóa đăng ký tạm trú",
    "Cấp lại giấy phép lái xe", "Cấp đổi thẻ căn cước", "Giấy chứng nhận quyền sử dụng đất",
    "Cấp bản sao trích lục hộ tịch", "Bản sao có chứng thực", "Đăng ký lại khai tử",
]


def restorer():
    return DiacriticRestorer.train(CORPUS)


def test_restores_unaccented_catalog_phrases():
    r = restorer()
    assert r.restore_text("dang ky ket hon o dau") == "đăng ký kết hôn ở đâu"
    assert r.restore_text("cap lai giay phep lai xe") == "cấp lại giấy phép lái xe"
    # Chat phrases are part of the model too.
    assert r.restore_text("mat bao nhieu tien") == "mất bao nhiêu tiền"


def test_context_picks_the_spelling():
    r = restorer()
    # "ban sao" is "bản sao" in this corpus, never "bán" or "bàn".
    assert r.restore_text("ban sao trich luc") == "bản sao trích lục"


def test_typed_diacritics_and_unknown_words_are_kept():
    r = restorer()
    assert r.restore(["đăng", "ky", "xyzw", "2024"]) == ["đăng", "ký", "xyzw", "2024"]
    assert r.restore([]) == []
    assert r.restore_text("") == ""


def test_round_trip(tmp_path):
    r = restorer()
    path = tmp_path / "d.json"
    r.save(path)
    again = DiacriticRestorer.load(path)
    assert again.restore_text("xoa dang ky tam tru") == r.restore_text("xoa dang ky tam tru") == "xóa đăng ký tạm trú"
