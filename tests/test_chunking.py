from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import ChunkerSettings, chunk_spans, count_tokens, sentence_spans

WORDS = st.sampled_from(
    ["energi", "Klyngen", "leder", "NCE", "47", "strømnettet.", "«ny»", "–", "Hva?", "x" * 40, "\n\n", "øl!"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, max_size=200), st.integers(8, 60), st.integers(0, 7))
def test_chunks_and_sentences_keep_offsets(words, max_tokens, overlap):
    text = " ".join(words)
    cfg = ChunkerSettings(max_tokens=max_tokens, overlap_tokens=overlap)
    sentences = sentence_spans(text, cfg)
    for s in sentences:
        assert text[s.start : s.end].strip() == text[s.start : s.end]
        assert count_tokens(text[s.start : s.end]) <= max_tokens
    chunks = chunk_spans(text, sentences, cfg)
    covered = set()
    for c in chunks:
        assert c.start == sentences[c.first_sentence].start and c.end == sentences[c.last_sentence - 1].end
        covered.update(range(c.first_sentence, c.last_sentence))
    assert covered == set(range(len(sentences)))
    for a, b in zip(chunks, chunks[1:]):
        assert a.first_sentence < b.first_sentence <= a.last_sentence  # progress, overlap never skips


def test_chunks_fit_the_budget_on_real_text(articles_dir):
    text = next(articles_dir.glob("02-*.md")).read_text(encoding="utf-8")
    cfg = ChunkerSettings(max_tokens=120, overlap_tokens=30)
    sentences = sentence_spans(text, cfg)
    chunks = chunk_spans(text, sentences, cfg)
    assert len(chunks) > 3
    assert all(count_tokens(text[c.start : c.end]) <= 120 + 5 for c in chunks)  # separators cost a token or so


def test_pieces_after_an_overlong_word_start_trimmed():
    # found by fuzzing: the piece after a character-cut "word" began with the space before the next word
    text = "ord " + "ÿ" * 60 + " neste ord her."
    for s in sentence_spans(text, ChunkerSettings(max_tokens=10, overlap_tokens=2)):
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece
