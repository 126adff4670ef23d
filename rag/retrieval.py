"""Hybrid retrieval: FAISS inner product over e5 vectors, BM25 over Norwegian terms,
fused by weighted reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.norwegian import terms
from rag.store import IndexData

# Set on the even-numbered half of NorQuAD validation (`rag eval --norquad-half dev`);
# the odd half (`test`) is the held-out check.
RRF_K = 10
DENSE_WEIGHT = 0.75
DEPTH = 100


@dataclass(frozen=True)
class Hit:
    chunk: int  # position in IndexData.chunks
    score: float  # fused score
    dense: float  # cosine similarity, 0 when not in the dense candidates
    lexical: float  # BM25 score, 0 when no term matched


class Retriever(Protocol):
    def search(self, query: str, query_vector: np.ndarray, k: int = 10) -> list[Hit]: ...


class HybridRetriever:
    """Dense and BM25 candidates (`depth` each), fused by weighted reciprocal rank."""

    def __init__(
        self,
        data: IndexData,
        depth: int = DEPTH,
        dense_weight: float = DENSE_WEIGHT,
        lexical_weight: float = 1.0,
        rrf_k: int = RRF_K,
    ):
        import faiss

        # One query per search: FAISS's OpenMP threads do not help there (8 ms single-threaded
        # vs 17 ms on two threads at 100k chunks) and, left spinning after each search, they
        # doubled the e5 query embedding that follows. Process-wide, as OpenMP is.
        faiss.omp_set_num_threads(1)
        self.data = data
        self.depth = depth
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        n = self.data.dense.ntotal
        if n == 0:
            return []
        scores, ids = self.data.dense.search(query_vector.reshape(1, -1).astype(np.float32), min(k, n))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical_search(self, query: str, k: int) -> list[tuple[int, float]]:
        query_terms = terms(query)
        if not query_terms or not len(self.data.chunks):
            return []
        scores = self.data.bm25.get_scores(query_terms)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def search(self, query: str, query_vector: np.ndarray, k: int = 10) -> list[Hit]:
        dense = self.dense_search(query_vector, self.depth)
        lexical = self.lexical_search(query, self.depth)
        fused: dict[int, float] = {}
        for rank, (i, _) in enumerate(dense):
            fused[i] = fused.get(i, 0.0) + self.dense_weight / (self.rrf_k + rank + 1)
        for rank, (i, _) in enumerate(lexical):
            fused[i] = fused.get(i, 0.0) + self.lexical_weight / (self.rrf_k + rank + 1)
        dense_by_id, lexical_by_id = dict(dense), dict(lexical)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [Hit(i, fused[i], dense_by_id.get(i, 0.0), lexical_by_id.get(i, 0.0)) for i in order]
