"""The sentence-transformers path, offline, with a tiny model the test builds itself."""

import pytest

from rag.embedders import SentenceTransformerEmbedder
from rag.index import Engine, run_build
from rag.settings import Settings


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-st")
    hf = folder / "hf"
    hf.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(
        set("abcdefghijklmnopqrstuvwxyzæøå0123456789.,?!-–«»")
    )
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(hf / "vocab.txt"), do_lower_case=True).save_pretrained(hf)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(hf)
    word = models.Transformer(str(hf), max_seq_length=128)
    dimension = getattr(word, "get_embedding_dimension", None) or word.get_word_embedding_dimension
    model = SentenceTransformer(modules=[word, models.Pooling(dimension())])
    model.save(str(folder / "st"))
    return str(folder / "st")


def test_tiny_model_embeds_normalised_vectors(tiny_model):
    emb = SentenceTransformerEmbedder(tiny_model)
    vectors = emb.embed_passages(["Inge Michael Bilet", "strømnettet"])
    assert vectors.shape == (2, 32) and emb.id == f"st:{tiny_model}"
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-4


def test_build_and_ask_with_the_tiny_model(tiny_model, tmp_path, articles_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings.from_env(home=tmp_path / "h", articles_dir=articles_dir, embedder=tiny_model)
    report = run_build(settings)
    assert report.chunks > 0
    answer = Engine(settings).ask("Hvem er ny leder i NCE Smart Energy Markets?")
    assert answer.passages  # BM25 still carries retrieval with a random tiny model


def test_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    from rag.embedders import EmbedderError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderError, match="kan ikke laste sentence-transformers-modellen"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
