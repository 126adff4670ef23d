"""Lexical retrieval against a plain reference BM25, and the compound cases it is for."""

import math

import numpy as np

from rag.index import Engine, run_build
from rag.indexing import build_bm25
from rag.norwegian import terms

DOCS = [
    "Norske eksportmuligheter innen energi og kunstig intelligens.",
    "Strømnettet må bli mer fleksibelt med batterier.",
    "Kapasitet som ikke finnes i nettet må fremskaffes.",
    "Klyngeleder Inge Michael Bilet leder energiklyngen.",
    "Matsvinnprosjektet i Halden kommune reduserte matsvinnet.",
]


def reference_bm25(query, docs, k1=1.2, b=0.75):
    """Lucene's BM25 (no (k1 + 1) factor in the numerator), written out plainly."""
    tokenised = [terms(d) for d in docs]
    avgdl = sum(map(len, tokenised)) / len(tokenised)
    scores = []
    for doc in tokenised:
        score = 0.0
        for term in terms(query):  # a repeated query term counts each time, as in bm25s
            df = sum(term in d for d in tokenised)
            if not df:
                continue
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(score)
    return np.array(scores)


def test_bm25_matches_the_reference():
    model = build_bm25(DOCS)
    for query in ("eksport", "strømnettet nettet", "klyngeleder energi", "matsvinn Halden"):
        ours = model.get_scores(terms(query))
        assert np.allclose(ours, reference_bm25(query, DOCS), atol=1e-4), query


def test_compound_parts_meet(fake_settings):
    run_build(fake_settings)
    retriever = Engine(fake_settings).served().answerer.retriever
    data = retriever.data
    top = [data.chunks[i].text for i, _ in retriever.lexical_search("eksport", 3)]
    assert any("eksportmuligheter" in t for t in top)
    top = [data.chunks[i].text for i, _ in retriever.lexical_search("nettet", 10)]
    assert any("strømnett" in t for t in top)
