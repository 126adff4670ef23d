"""Extractive question answering over Norwegian news articles."""

__version__ = "0.1.0"
