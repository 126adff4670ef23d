"""Scoring answer quality and speed (rag eval, rag bench)."""
