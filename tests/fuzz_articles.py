"""Coverage-guided fuzzing (atheris) of the article reader, sentence splitter and chunker.

    python tests/fuzz_articles.py -runs=20000        # or -max_total_time=600

Each input is one file's bytes; its first byte picks the file type. The reader may refuse
the file only with `BadArticle`; whatever it accepts must split and chunk with every span
inside the text, trimmed, and every sentence in some chunk. CI runs a short burst of it
(tests/test_fuzz.py); a crash prints the input and exits non-zero.
"""

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["rag"]):
    from rag.chunking import ChunkerSettings, chunk_spans, sentence_spans
    from rag.corpus import BadArticle, _decode, _parse

SUFFIXES = (".md", ".txt", ".html", ".jsonl")
CHUNKER = ChunkerSettings(max_tokens=40, overlap_tokens=8)


def check_article(text: str) -> None:
    sentences = sentence_spans(text, CHUNKER)
    for s in sentences:
        piece = text[s.start : s.end]
        assert 0 <= s.start < s.end <= len(text), (s, len(text))
        assert piece == piece.strip(), repr(piece)
    chunks = chunk_spans(text, sentences, CHUNKER)
    covered = set()
    for c in chunks:
        assert c.start == sentences[c.first_sentence].start and c.end == sentences[c.last_sentence - 1].end
        covered.update(range(c.first_sentence, c.last_sentence))
    assert covered == set(range(len(sentences)))


def one_input(data: bytes) -> None:
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    rel = Path("fuzz" + suffix)
    try:
        text, _ = _decode(data[1:])
        articles = list(_parse(rel, rel, text))
    except BadArticle:
        return
    for article in articles:
        assert article.id and article.title and article.text.strip()
        check_article(article.text)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
