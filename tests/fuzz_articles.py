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

sys.path.insert(0, str(Path(__file__).parent))
from invariants import check_spans  # noqa: E402

with atheris.instrument_imports(include=["rag"]):
    from rag.chunking import ChunkerSettings
    from rag.corpus import BadArticle, _decode, _parse

SUFFIXES = (".md", ".txt", ".html", ".jsonl")
CHUNKER = ChunkerSettings(max_tokens=40, overlap_tokens=8)


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
        check_spans(article.text, CHUNKER)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
