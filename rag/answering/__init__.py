"""Extractive answering: the sentence (or the few sentences) of the articles that answer.

The stages, one module each, in the order a question meets them:
- `analysis`: the question cleaned and read once into a `QuestionAnalysis`;
- `conversation`: a follow-up read in its conversation (whom its han/hun means);
- `candidates`: the sentences of the retrieved chunks and their features;
- `choice`: the learned scorer (or the hand weights) picks one and decides abstention;
- `quoting`: what to quote around it, its citations and the short answer.
`answerer.Answerer` wires them; `rules` holds the patterns, word lists and thresholds
of the question and sentence rules; `people`, `terms` and `values` read a sentence against the
question, `context` what stands around it in its article.
"""

from __future__ import annotations

from rag.answering.analysis import QuestionAnalysis, analyse, clean_question
from rag.answering.answerer import Answerer
from rag.answering.candidates import FEATURES, Candidates
from rag.answering.choice import CONFIDENCE, CROSSLINGUAL, MONOLINGUAL, HandWeights, LearnedChoice
from rag.answering.quoting import GAP
from rag.errors import EmptyQuestion

ABSTAIN_TEXT = "Jeg fant ikke noe sikkert svar i artiklene."

__all__ = [
    "ABSTAIN_TEXT",
    "CONFIDENCE",
    "CROSSLINGUAL",
    "FEATURES",
    "GAP",
    "MONOLINGUAL",
    "Answerer",
    "Candidates",
    "EmptyQuestion",
    "HandWeights",
    "LearnedChoice",
    "QuestionAnalysis",
    "analyse",
    "clean_question",
]
