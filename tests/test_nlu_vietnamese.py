"""The pure helpers behind the Rasa components (the components themselves: tests/rasa_env)."""

from hypothesis import given, strategies as st

from nlu.vietnamese import canonical_text, word_tokens


def test_offsets_point_into_the_text_as_typed():
    for text in ["Cho e hỏi làm cccd ở đâu ạ?", "dang ky ket hon can gi", "GPLX B2 hết hạn, đổi ở đâu",
                 "  hộ   chiếu\tphổ thông ", "sổ đỏ/sổ hồng"]:
        for tok in word_tokens(text):
            assert text[tok.start:tok.end] == tok.text


def test_lemmas_make_accented_unaccented_and_abbreviated_text_alike():
    lemmas = lambda t: " ".join(w.lemma for w in word_tokens(t))
    assert lemmas("Làm CCCD ở đâu") == lemmas("lam can cuoc cong dan o dau") == "lam can cuoc cong dan o dau"
    assert lemmas("đăng ký kết hôn") == lemmas("dang ky ket hon")


def test_canonical_text_keeps_length_for_nfc_input():
    assert canonical_text("hoà bình") == "hòa bình"
    assert canonical_text("a\u200bb") == "a b"
    assert canonical_text("") == ""


@given(st.text(max_size=300))
def test_never_raises_and_offsets_stay_valid(text):
    canonical = canonical_text(text)
    for tok in word_tokens(canonical):
        assert 0 <= tok.start < tok.end <= len(canonical)
        assert canonical[tok.start:tok.end] == tok.text
