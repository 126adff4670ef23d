"""Choosing the answer sentence among the candidates, and whether to answer at all.

Two strategies with one shape (the `Choice` protocol): `LearnedChoice`, the default, reads
the trained reader's columns and the hand features through a small logistic scorer
learned on dev data (`rag reader train`); its probability picks the sentence and decides
abstention, with one gate: a question asking for a value the sentence lacks is not
answered. `HandWeights` adds the hand features up with weights set by hand; it answers
when an index was built without the reader (`RAG_READER=0`, or just after an upgrade).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.answering import rules
from rag.answering.analysis import QuestionAnalysis
from rag.answering.candidates import FEATURES, READER_COLUMNS, Candidates
from rag.answering.context import (
    contact_owner,
    focus_coverage,
    neighbour_pairs,
    passage_coverage,
    photo_credit,
    reading_window,
    window,
)
from rag.answering.terms import coverage
from rag.answering.values import slot_filled, type_match
from rag.errors import ReaderError
from rag.retrieval import Hit
from rag.store import IndexData

# What the confidence models read about the chosen sentence, in this order.
CONFIDENCE = ("probability", "margin", "focus", "passage_coverage", "slot", "reader", "reader_gap", "dense", "span")
# Two models read them. Questions in the articles' language: all but the last two (the
# reader's cosine added on dev: context-removed questions abstained 0.674 -> 0.725,
# answer-removed 0.414 -> 0.441, hit with abstention unchanged). Questions in another
# language (English) share few words with the articles, so word coverage says little
# about them: their model reads only what does not rest on shared words.
MONOLINGUAL = ("probability", "margin", "focus", "passage_coverage", "slot", "reader", "span")
CROSSLINGUAL = ("margin", "slot", "reader", "reader_gap", "dense", "span")
# The span reader reads the scorer's SPAN_READS best candidates, each with the sentence
# before it, and a second model chooses among them from what both say (SPAN_FEATURES): the
# scorer's select score and its gap to the best of them; the best span inside the sentence
# over the window's no-answer score ("span"), over the best span in the window, and over
# the best among them. On dev (the scorer's 355 NorQuAD questions, choice hit in 5-fold
# cross-validation; the scorer alone 0.744), with both neighbours 0.772 / 0.777 / 0.777 at
# 2 / 3 / 4 reads (375 tokens a question at 4), with the one before 0.772 / 0.772 / 0.769
# (273), the sentence alone 0.752 / 0.766 / 0.775 (180): two reads with the one before
# keep the gain at 137 tokens, a tenth of a second less per question on 2 cores.
SPAN_READS = 2
# The second candidate is read only where the scorer's select score puts it within this
# much of the first: on dev (the same 399 questions, the span fold's reads) the span stage
# never chose a second candidate trailing by more, and a third of the questions trail so
# (a third of the second windows saved); 2 of the 73 runner-up quotes were lost (neither
# held the answer). At 2.5 it would have changed 2 choices (one better, one worse) and
# lost 7 runner-ups (2 holding the answer); at 2, 4 choices (two and two) and 13 (4).
SPAN_SKIP_LEAD = 3.0
SPAN_FEATURES = ("select", "select_gap", "span", "span_lead", "span_gap")


@dataclass(frozen=True)
class Decision:
    """What the choice decided: the best candidate (`best`), the score the answer reports,
    and whether to answer. The learned choice leaves what to quote around the sentence to
    the quoting stage (`owner`: the line naming whose contact detail it is; `credit`: a
    photo credit; `close`: the other sentences the span stage read and scored nearly as
    high, `SpanRead`); the hand weights fix it (`sentences`, quoted as they are, with no
    short answer). `mark`: the span the span stage read in the best sentence (article
    offsets), for the quote's short answer."""

    best: int
    score: float
    answered: bool
    owner: int | None = None
    credit: bool = False
    sentences: tuple[int, ...] | None = None
    mark: tuple[int, int] | None = None
    close: tuple[int, ...] = ()


@dataclass(frozen=True)
class SpanRead:
    """What the span stage read, for the quote: the span in the chosen candidate (article
    offsets; None without the stage) and the other candidates it read that it scored
    within rules.SPAN_QUOTE_MARGIN of the chosen one (rows, best first)."""

    mark: tuple[int, int] | None = None
    close: tuple[int, ...] = ()


class Choice(Protocol):
    """How the answer sentence is chosen: how deep retrieval goes for it (`pool`), whether
    it may abstain, what the reader adds to the candidates (`reading`: None for nothing),
    and the decision over them."""

    pool: int
    abstain: bool

    def reading(self, data: IndexData, question: QuestionAnalysis) -> tuple | None: ...

    def decide(
        self, data: IndexData, question: QuestionAnalysis, found: Candidates, hits: list[Hit], passages: int
    ) -> Decision: ...


def scorer_probability(scorer: dict, features: np.ndarray) -> np.ndarray:
    """P(sentence holds the answer), from the learned logistic model (standardised features)."""
    z = (features - np.asarray(scorer["mean"])) / np.asarray(scorer["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(scorer["coef"]) + scorer["bias"])))


def scorer_select(scorer: dict, features: np.ndarray) -> np.ndarray:
    """Scores for choosing among one question's candidates (the learned listwise weights)."""
    z = (features - np.asarray(scorer["mean"])) / np.asarray(scorer["scale"])
    return z @ np.asarray(scorer.get("select", scorer["coef"]))


def answer_probability(scorer: dict, confidence: np.ndarray, crosslingual: bool = False) -> np.ndarray:
    """P(the chosen sentence answers the question), from the confidence model (the
    cross-lingual one for a question in another language than the articles'); 0 where
    the question asks for a value (a count next to its noun, an age, a duration, an
    amount, a year) that the sentence does not hold (`slot_filled`). That gate is the one
    hand rule left in abstention, kept for questions like the gold set's unanswerable ones
    (a known name, an attribute the articles lack). On the NorQuAD dev questions it is
    neutral (reader.json `dev.without_slot_gate`)."""
    names, model = (CROSSLINGUAL, "confidence_crosslingual") if crosslingual else (MONOLINGUAL, "confidence")
    p = scorer_probability(scorer[model], confidence[..., [CONFIDENCE.index(n) for n in names]])
    return np.where(confidence[..., CONFIDENCE.index("slot")] < 1.0, 0.0, p)


def span_rows(
    data: IndexData,
    question: QuestionAnalysis,
    found: Candidates,
    select: np.ndarray,
    span_reader,
    hidden: frozenset[int] = frozenset(),
    reads: int | None = None,
    lead: float = SPAN_SKIP_LEAD,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int] | None]]:
    """The rows of the `reads` (default SPAN_READS) best candidates by `select`, best
    first (among those holding the value asked for, where some do: the slot gate), their
    SPAN_FEATURES, and the best span the span reader found in each (article offsets).
    Only the best is read where it leads the next by more than `lead`."""
    filled = found.rows[:, FEATURES.index("slot")] > 0
    gated = np.where(filled, select, -np.inf) if filled.any() else select
    top = np.argsort(-gated, kind="stable")[: min(reads or SPAN_READS, int(np.isfinite(gated).sum()))]
    if len(top) > 1 and skips_second(gated[top[0]], gated[top[1]], lead):
        top = top[:1]
    read = [reading_window(data, found.ids[row], hidden) for row in top]
    spans, marks = span_reader.read_sentences(question.text, read)
    at = [data.sentences[found.ids[row]][1] - start for row, (_, start, _) in zip(top, read)]  # windows' starts
    marks = [m and (a + m[0], a + m[1]) for a, m in zip(at, marks)]
    return top, span_features(select[top], spans), marks


def skips_second(first: float, second: float, lead: float = SPAN_SKIP_LEAD) -> bool:
    """Whether the span stage reads only the first candidate: its select score leads the
    second's by more than `lead`."""
    return first - second > lead


def span_features(select: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """SPAN_FEATURES of the candidates read: their select scores and the span reader's
    two scores (`SpanReader.sentence_scores`), with the gaps to the best among them."""
    rows = [select, select - select.max(), spans[:, 0], spans[:, 1], spans[:, 0] - spans[:, 0].max()]
    return np.column_stack(rows).astype(np.float32)


def choose(
    data: IndexData,
    question: QuestionAnalysis,
    found: Candidates,
    hits: list[Hit],
    scorer: dict,
    passages: int,
    hidden: frozenset[int] = frozenset(),
    span_reader=None,
) -> tuple[int, np.ndarray, SpanRead]:
    """The chosen candidate (its row), what the confidence models read about it
    (CONFIDENCE order): the scorer's probability that it holds the answer, its lead
    over the best other candidate (below 0 where the slot gate or the span stage passed
    that one over), how much of the question's focus words stand around it, how much of
    the question the top `passages` cover, whether it holds the value asked for, its
    reader and dense columns, and its span score; and what the span stage read
    (`SpanRead`: the span in it, the candidates it scored nearly as high).
    With a `span_reader` and a scorer that has learned the span stage ("span"), the
    choice among the best candidates is the span stage's (`span_rows`).
    Sentences in `hidden` are read as if the articles did not hold them (training
    makes questions unanswerable so)."""
    features = found.rows
    select = scorer_select(scorer, features)
    # The slot gate holds for the choice too: where some candidates hold the value asked
    # for (a count of the asked thing, an age …), the best of them is chosen, not a
    # better-rated one the gate would then abstain on.
    filled = features[:, FEATURES.index("slot")] > 0
    best = int(np.argmax(np.where(filled, select, -np.inf) if filled.any() else select))
    span, read = 0.0, SpanRead()  # no span reader: a scorer fit without one (its span coefficients are 0)
    if span_reader is not None and "span" in scorer:
        top, rows, marks = span_rows(data, question, found, select, span_reader, hidden)
        chosen = scorer_select(scorer["span"], rows)
        pick = int(np.argmax(chosen))
        best, span = int(top[pick]), float(rows[pick, SPAN_FEATURES.index("span")])
        order = np.argsort(-chosen, kind="stable")[1:]
        close = tuple(int(top[n]) for n in order if chosen[n] > chosen[pick] - rules.SPAN_QUOTE_MARGIN)
        read = SpanRead(marks[pick], close)
    elif span_reader is not None:  # a scorer without the stage (an ablation): the chosen one's score
        window_read = [reading_window(data, found.ids[best], hidden)]
        span = float(span_reader.sentence_scores(question.text, window_read)[0, 0])
    margin = float(select[best] - np.delete(select, best).max()) if len(select) > 1 else 1.0
    focus = focus_coverage(question, window(data, found.ids[best], hidden, question.contact))
    passage_cov = passage_coverage(data, found.query, hits, passages, hidden) if found.query else 0.0
    prob = float(scorer_probability(scorer, features[best : best + 1])[0])
    own = [float(features[best, FEATURES.index(name)]) for name in ("slot", "reader", "reader_gap", "dense")]
    return best, np.array([prob, margin, focus, passage_cov, *own, span], dtype=np.float32), read


class LearnedChoice:
    """The trained reader's choice: its columns and the hand features through the learned
    scorer; abstains below the reader's threshold (unless `abstain` is off)."""

    pool = rules.READER_POOL  # how deep retrieval goes: the reader reads past the answer chunks

    def __init__(self, reader, abstain: bool = True, span_reader=None):
        if span_reader is None and "span" in reader.scorer:
            raise ReaderError(
                "leserens svarmodell leser span-leseren, men ingen span-leser ble lastet (rag/span_model)"
            )
        self.reader = reader
        self.abstain = abstain
        self.span_reader = span_reader  # reads the best candidates where the scorer has learned to use it

    def reading(self, data: IndexData, question: QuestionAnalysis) -> tuple:
        """The reader's sentence vectors and the question's vector, for `candidates.gather`."""
        return data.reader_vectors, self.reader.embed_questions([question.embedded_text])[0]

    def decide(
        self, data: IndexData, question: QuestionAnalysis, found: Candidates, hits: list[Hit], passages: int
    ) -> Decision:
        found = found.for_scorer()
        reader = self.reader
        row, confidence, read = choose(
            data, question, found, hits, reader.scorer, passages, span_reader=self.span_reader
        )
        best = found.ids[row]
        p = float(answer_probability(reader.scorer, confidence[None, :], crosslingual=question.english)[0])
        # A phone number or e-mail address asked for, on a contact line under the name of
        # the person asked about, is answered whatever the probability: no dev question
        # asks for one, and the line cannot say more than that. So is a photo credit
        # under a caption that names everyone asked about.
        owner = contact_owner(data, best, question)
        credit = photo_credit(data, best, question)
        weak = p < (reader.threshold_crosslingual if question.english else reader.threshold)
        answered = not (weak and self.abstain and owner is None and not credit)
        close = tuple(found.ids[r] for r in read.close)
        return Decision(best, p, answered, owner=owner, credit=credit, mark=read.mark, close=close)


@dataclass(frozen=True)
class HandWeights:
    """How the hand features add up, and when the sum is too weak to answer; set by hand,
    checked with `rag eval` (kept for indexes built without the reader)."""

    dense: float = 2.0
    lexical: float = 2.5
    context: float = 1.0
    phrase: float = 0.5
    chunk_rank: float = 0.5
    question_type: float = 0.2
    heading_penalty: float = 0.6
    pair_penalty: float = 0.08
    slot_penalty: float = 1.0
    abstain: bool = True  # False: always return the best sentence (to measure selection alone)
    abstain_below: float = 3.05
    min_coverage: float = 0.3
    min_focus: float = 0.3
    pool = 0  # retrieval depth beyond the answer chunks: none (a class attribute, not a weight)

    def reading(self, data: IndexData, question: QuestionAnalysis) -> None:
        return None

    def decide(
        self, data: IndexData, question: QuestionAnalysis, found: Candidates, hits: list[Hit], passages: int
    ) -> Decision:
        query = found.query
        scored = []
        for sid, values in zip(found.ids, found.rows[:, READER_COLUMNS:].tolist()):
            sim, covered, around, phrase, rank, kind_match, slot, heading = values
            if not query:
                covered = around = self.min_coverage
            score = (
                self.dense * sim
                + self.lexical * covered
                + self.context * around
                + self.phrase * phrase
                + self.chunk_rank * rank
                + self.question_type * kind_match
                - self.slot_penalty * (not slot)
                - self.heading_penalty * heading
            )
            scored.append((score, sid, covered))
        best_score, best, best_cov = max(scored)
        chosen, gain = self._with_neighbour(data, question, best, best_cov, query, set(found.ids))
        if len(chosen) == 2:
            best_score += gain - self.pair_penalty
        art, start, end = data.sentences[chosen[0]][0], data.sentences[chosen[0]][1], data.sentences[chosen[-1]][2]
        text = data.articles[art].text[start:end]
        weak = best_score < self.abstain_below or not slot_filled(question, text)
        if not question.english:
            passage_cov = passage_coverage(data, query, hits, passages)
            focus_cov = focus_coverage(question, window(data, chosen[0]) + " " + window(data, chosen[-1]))
            weak = weak or passage_cov < self.min_coverage or focus_cov < self.min_focus
        answered = not (weak and self.abstain)
        return Decision(best, best_score, answered, sentences=tuple(chosen))

    def _with_neighbour(
        self, data: IndexData, question: QuestionAnalysis, best: int, best_cov: float, query: dict, candidates: set
    ) -> tuple[list[int], float]:
        """A neighbour joins when it carries what the best sentence lacks (the name, the
        date, ...): the sentences chosen, and the gain that let the neighbour in (0 if none)."""
        for _, pair, text in neighbour_pairs(data, best, candidates):
            gain = self.lexical * (coverage(query, text) - best_cov) + self.question_type * (
                type_match(question, text) - type_match(question, data.sentence_text(best))
            )
            if gain > self.pair_penalty:
                return pair, gain
        return [best], 0.0
