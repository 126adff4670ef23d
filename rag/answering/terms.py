"""Weighted terms: what a text is about (stems and compound parts, rare words weighing
more) and how much of it another text covers."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from rag.answering import rules
from rag.norwegian import STOPWORDS, stem, terms, word_terms, words, zipf

# Per-sentence caches hold the sentences of recent questions (about 60 each); bounded so a
# long-running server over a large corpus does not grow towards holding every sentence.
SENTENCE_CACHE = 16_384


@lru_cache(maxsize=50_000)
def word_weight(word: str) -> float:
    """Rare words count more: 1 for the commonest words, up to 5 for unknown ones."""
    return float(np.clip(rules.WORD_WEIGHT_MAX_ZIPF - zipf(word), 1.0, 5.0))


def weighted_terms(text: str) -> dict[str, float]:
    """The stems and compound parts of `text`, each with the weight of its rarest word."""
    out: dict[str, float] = {}
    for word in words(text):
        for term in word_terms(word):
            out[term] = max(out.get(term, 0.0), word_weight(word))
    return out


@lru_cache(maxsize=SENTENCE_CACHE)
def _sentence_terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


@lru_cache(maxsize=SENTENCE_CACHE)
def stem_bigrams(text: str) -> frozenset[tuple[str, str]]:
    """Pairs of consecutive content-word stems: shared pairs mean a shared phrase."""
    stems = [stem(w) for w in words(text) if w not in STOPWORDS]
    return frozenset(zip(stems, stems[1:]))


def coverage(query: dict[str, float], text: str) -> float:
    """The weighted share of the terms of `query` that `text` holds (0 to 1)."""
    total = sum(query.values())
    if not total:
        return 0.0
    have = _sentence_terms(text)
    return sum(w for t, w in query.items() if t in have) / total
