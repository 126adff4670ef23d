"""Gradio chat over the engine (rag serve)."""
