import json

from knowledge_base import index as kb_index
from knowledge_base.scoring import Calibration
from knowledge_base.search import ProcedureSearch
from tests.conftest import TINY_RECORDS, HashingEncoder, write_catalog


def test_index_is_built_once_then_loaded_from_cache(tiny_settings, capsys):
    enc = HashingEncoder()
    first = kb_index.load_or_build(tiny_settings, encoder=enc, progress=True)
    built_calls = enc.calls
    assert built_calls > 0
    assert "lexical index" in capsys.readouterr().err  # progress bar shown while building
    second = kb_index.load_or_build(tiny_settings, encoder=enc, progress=True)
    assert enc.calls == built_calls  # nothing re-encoded
    assert second.fingerprint == first.fingerprint
    assert second.codes == first.codes
    assert (second.vectors == first.vectors).all()


def test_catalog_change_triggers_a_rebuild(tiny_settings):
    enc = HashingEncoder()
    first = kb_index.load_or_build(tiny_settings, encoder=enc, progress=False)
    records = TINY_RECORDS + [{"code": "9.999999", "name": "Đăng ký tạm trú", "field": "Cư trú", "levels": ["Cấp xã"]}]
    write_catalog(tiny_settings.catalog_path, records)
    enc.passages_encoded.clear()
    second = kb_index.load_or_build(tiny_settings, encoder=enc, progress=False)
    assert second.fingerprint != first.fingerprint
    assert "9.999999" in second.codes
    # Only the new procedure's text is encoded again; the rest comes from the passage cache.
    assert enc.passages_encoded == ["Đăng ký tạm trú"]
    row = second.codes.index("1.004222")
    assert (second.vectors[second.vector_owner == row] == first.vectors[first.vector_owner == row]).all()


def test_damaged_cache_is_rebuilt(tiny_settings):
    enc = HashingEncoder()
    first = kb_index.load_or_build(tiny_settings, encoder=enc, progress=False)
    folder = tiny_settings.index_dir / first.fingerprint
    (folder / "meta.json").write_text(json.dumps({"n_procedures": 1}), encoding="utf-8")
    again = kb_index.load_or_build(tiny_settings, encoder=enc, progress=False)
    assert again.codes == first.codes


def test_search_prefers_the_local_variant_and_lists_the_others(tiny_settings):
    enc = HashingEncoder()
    search = ProcedureSearch(kb_index.load_or_build(tiny_settings, encoder=enc, progress=False),
                             Calibration.default())
    res = search.search("lam ho chieu pho thong o trong nuoc")
    assert res.hits[0].code == "1.001456"
    assert [v.code for v in res.hits[0].variants] == ["1.001471"]
    res = search.search("cấp hộ chiếu phổ thông ở trong nước tại cấp trung ương bộ công an")
    assert res.hits[0].code == "1.001471"


def test_search_handles_unaccented_alias_and_empty_input(tiny_settings):
    search = ProcedureSearch(kb_index.load_or_build(tiny_settings, encoder=HashingEncoder(), progress=False),
                             Calibration.default())
    assert search.search("nhap ho khau cho con").hits[0].code == "1.004222"
    empty = search.search("")
    assert empty.confident is False
    assert search.search("🙂" * 50).confident is False
    assert search.procedure("1.001193").name == "Thủ tục đăng ký khai sinh"
    assert search.procedure("0.000000") is None
