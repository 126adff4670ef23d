"""The candidate sentences of a question and what the choice reads about each (FEATURES).

Candidates are the sentences of the top retrieved chunks; with the reader, also the
sentences it rates highest in the chunks ranked below them (`rules.READER_POOL`). This
is the API the reader's training uses too (`rag.training.pipeline`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.answering import rules
from rag.answering.analysis import QuestionAnalysis
from rag.answering.context import contact_owner, window
from rag.answering.terms import coverage
from rag.answering.values import is_heading, phrase_overlap, slot_filled, type_match
from rag.retrieval import Hit
from rag.store import IndexData

# What the learned scorer reads for each candidate sentence, in this order.
FEATURES = (
    "reader",  # cosine between question and sentence, fine-tuned e5
    "reader_gap",  # that cosine minus the best one among the candidates
    "reader_rank",  # 1 for the candidate the reader rates highest, 1/2 for the next, ...
    "reader_context",  # the reader's cosine with the closer of the sentence's two neighbours
    "dense",  # cosine with the retrieval embedder
    "lexical",  # weighted stem coverage of the question by the sentence
    "context",  # the same for the sentence with its neighbours
    "phrase",  # shared stem pairs
    "chunk_rank",  # 1 for the top chunk, falling with rank
    "question_type",  # a name for hvem, a date for når, a number for hvor mange
    "slot",  # the value asked for is there (a count next to its noun, an age ...)
    "heading",  # the sentence looks like a heading
)
READER_COLUMNS = 4  # the first four; the hand rules read the rest
# The reader's rank joined on dev (5-fold CV of the scorer's choice over the training
# questions, 8 splits): with hvorfor's reason kind 0.704 -> 0.716, higher in each split
# (the reader's cosine and its gap to the best do not say how many candidates lie between).


@dataclass(frozen=True)
class Candidates:
    """One question's candidate sentences, their FEATURES rows (one row a sentence) and
    the weighted terms the lexical columns cover."""

    ids: list[int]
    rows: np.ndarray
    query: dict[str, float]

    def for_scorer(self) -> Candidates:
        """The same candidates with their rows in float32, as the learned scorer was fit."""
        return Candidates(self.ids, self.rows.astype(np.float32), self.query)


def query_terms(question: QuestionAnalysis, vocabulary: dict) -> dict[str, float]:
    """The weighted terms a sentence should cover: the question's, and a follow-up's
    searched terms at half weight; for English only its names' terms that the articles
    hold (an ordinary English word that matches a Norwegian one, "part", is chance)."""
    query = dict(question.terms)
    if question.follow_up:
        for term, weight in question.search_terms.items():
            query.setdefault(term, rules.FOLLOW_UP_WEIGHT * weight)
    if question.english:
        query = {t: wt for t, wt in query.items() if t in question.named_terms and t in vocabulary}
    return query


def gather(
    data: IndexData,
    question: QuestionAnalysis,
    query_vector: np.ndarray,
    hits: list[Hit],
    depth: int,
    reading: tuple | None = None,
) -> Candidates:
    """The sentences of the top `depth` chunks of `hits` and their features (float64).
    `reading` is (reader vectors of every sentence, the question's reader vector): with
    it, the reader's best sentences of the next chunks join (chunk rank 0) and the reader
    columns are filled; without, they stay 0."""
    query = query_terms(question, data.bm25.vocab_dict)
    rank: dict[int, float] = {}
    for r, hit in enumerate(hits[:depth]):
        chunk = data.chunks[hit.chunk]
        for s in range(chunk.first_sentence, chunk.last_sentence):
            rank.setdefault(s, 1.0 - r / depth)
    if reading is not None:
        vectors, rvec = reading
        pool = list(
            dict.fromkeys(
                s
                for hit in hits[depth : rules.READER_POOL]
                for s in range(data.chunks[hit.chunk].first_sentence, data.chunks[hit.chunk].last_sentence)
                if s not in rank
            )
        )
        if pool:
            pool_sims = np.asarray(vectors[np.asarray(pool)], dtype=np.float32) @ rvec
            for n in np.argsort(-pool_sims, kind="stable")[: rules.READER_EXTRA]:
                rank[pool[n]] = 0.0
    ids = list(rank)
    rows = np.zeros((len(ids), len(FEATURES)), dtype=np.float64)
    if ids:
        dense = np.asarray(data.sentence_vectors[np.asarray(ids)], dtype=np.float32) @ query_vector.astype(np.float32)
        if reading is not None:
            rows[:, FEATURES.index("reader")] = np.asarray(vectors[np.asarray(ids)], dtype=np.float32) @ rvec
            _rank_reader(rows)
            rows[:, FEATURES.index("reader_context")] = reader_context(data, ids, reading)
    counted = question.slot == "count" and bool(question.counted)  # a count of the asked thing, not any number
    whose = question.contact is not None and bool(question.asked_names)  # a number, but whose?
    for row, sid in enumerate(ids):
        text = data.sentence_text(sid)
        slot = slot_filled(question, text)
        if slot and whose:
            slot = contact_owner(data, sid, question) is not None
        rows[row, READER_COLUMNS:] = (
            dense[row],
            coverage(query, text) if query else 0.0,
            coverage(query, window(data, sid, contact=question.contact)) if query else 0.0,
            phrase_overlap(question, text),
            rank[sid],
            slot if counted else type_match(question, text),
            slot,
            is_heading(text),
        )
    return Candidates(ids, rows, query)


def without(
    data: IndexData, found: Candidates, question: QuestionAnalysis, reading: tuple, hidden: frozenset[int]
) -> Candidates:
    """The candidates with the `hidden` sentences taken out, and the columns that read the
    other sentences read again as if the articles did not hold them: the reader's gap, its
    neighbour column and the lexical context (training makes questions unanswerable so)."""
    keep = [n for n, s in enumerate(found.ids) if s not in hidden]
    ids, rows = [found.ids[n] for n in keep], found.rows[keep]
    if ids:
        _rank_reader(rows)
        rows[:, FEATURES.index("reader_context")] = reader_context(data, ids, reading, hidden)
        if found.query:
            rows[:, FEATURES.index("context")] = [
                coverage(found.query, window(data, s, hidden, question.contact)) for s in ids
            ]
    return Candidates(ids, rows, found.query)


def reader_context(data: IndexData, ids: list[int], reading: tuple, hidden: frozenset[int] = frozenset()) -> np.ndarray:
    """For each sentence of `ids`, the reader's cosine with the closer of its neighbours
    in the same article (those not `hidden`); its own where it has none. The answer
    often stands beside the sentence that repeats the question's words («Hvem fikk
    prisen?» → «Prisen ble delt ut i går. Vinneren ble Kari Nordmann.»). Added on dev
    (the scorer's choice, 5-fold cross-validation over the training questions, 8
    splits): 0.685 -> 0.695, higher in every split."""
    vectors, rvec = reading
    sentences = data.sentences
    idx = np.asarray(ids)
    best = np.full(len(ids), -np.inf, dtype=np.float32)
    for step in (-1, 1):
        other = idx + step
        inside = (other >= 0) & (other < len(sentences))
        other = np.where(inside, other, idx)
        same = inside & (sentences[other, 0] == sentences[idx, 0])
        if hidden:
            same &= ~np.isin(other, list(hidden))
        sims = np.asarray(vectors[other], dtype=np.float32) @ rvec
        best = np.where(same, np.maximum(best, sims), best)
    alone = ~np.isfinite(best)  # no neighbour left: the sentence's own cosine
    best[alone] = np.asarray(vectors[idx[alone]], dtype=np.float32) @ rvec
    return best


def _rank_reader(rows: np.ndarray) -> None:
    """Fill the reader's gap and rank columns of `rows` from its cosine column."""
    sims = rows[:, FEATURES.index("reader")]
    rows[:, FEATURES.index("reader_gap")] = sims - sims.max()
    rows[np.argsort(-sims, kind="stable"), FEATURES.index("reader_rank")] = 1.0 / np.arange(1, len(sims) + 1)
