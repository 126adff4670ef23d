"""The span invariants of sentence splitting and chunking, shared by the property test
(tests/test_chunking.py) and the fuzzer (tests/fuzz_articles.py)."""

from rag.chunking import ChunkerSettings, chunk_spans, count_tokens, sentence_spans


def check_spans(text: str, settings: ChunkerSettings) -> None:
    """Sentences are trimmed, non-empty, inside the text and within the token budget;
    chunks start and end on sentence bounds, cover every sentence and move forward."""
    sentences = sentence_spans(text, settings)
    for s in sentences:
        piece = text[s.start : s.end]
        assert 0 <= s.start < s.end <= len(text), (s, len(text))
        assert piece == piece.strip(), repr(piece)
        assert count_tokens(piece) <= settings.max_tokens, repr(piece)
    chunks = chunk_spans(text, sentences, settings)
    covered = set()
    for c in chunks:
        assert c.start == sentences[c.first_sentence].start and c.end == sentences[c.last_sentence - 1].end
        covered.update(range(c.first_sentence, c.last_sentence))
    assert covered == set(range(len(sentences)))
    for a, b in zip(chunks, chunks[1:]):
        assert a.first_sentence < b.first_sentence <= a.last_sentence  # progress, overlap never skips
