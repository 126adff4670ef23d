"""The choice: the learned scorer's pick and what the confidence models read."""

import numpy as np

from rag.answering.analysis import analyse
from rag.answering.candidates import FEATURES, Candidates
from rag.answering.choice import (
    CONFIDENCE,
    CROSSLINGUAL,
    MONOLINGUAL,
    SPAN_FEATURES,
    SpanRead,
    answer_probability,
    choose,
)
from rag.answering.values import slot_filled


def test_the_choice_keeps_to_sentences_that_hold_the_value_asked_for(answerer_over):
    answerer, sid = answerer_over({"telling": "Det kom 40 gjester på møtet. Klyngen har tre hundre partnere."})
    question = analyse("Hvor mange partnere har klyngen?")
    guests, partners = sid["Det kom 40 gjester på møtet."], sid["Klyngen har tre hundre partnere."]
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    rows[:, FEATURES.index("reader")] = [1.0, 0.5]  # the scorer below rates the guests higher
    rows[:, FEATURES.index("slot")] = [slot_filled(question, "Det kom 40 gjester på møtet."), 1.0]
    assert rows[0, FEATURES.index("slot")] == 0.0  # a count, but not of partners
    scorer = {"mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES), "coef": [0.0] * len(FEATURES)}
    scorer |= {"bias": 0.0, "select": [float(n == "reader") for n in FEATURES]}
    found = Candidates([guests, partners], rows, {})
    best, confidence, read = choose(answerer.data, question, found, [], scorer, passages=3)
    assert best == 1 and read == SpanRead()  # no span stage
    assert confidence[CONFIDENCE.index("margin")] == -0.5  # its lead over the better-rated one
    # Where no candidate holds it, the best-rated is chosen (and the gate abstains later).
    rows[1, FEATURES.index("slot")] = 0.0
    assert choose(answerer.data, question, found, [], scorer, passages=3)[0] == 0


def _model(names, weights):
    return {
        "mean": [0.0] * len(names),
        "scale": [1.0] * len(names),
        "coef": [weights.get(n, 0.0) for n in names],
        "bias": 0.0,
    }


def test_a_question_for_a_value_the_sentence_lacks_gets_probability_zero():
    scorer = {"confidence": _model(MONOLINGUAL, {"probability": 1.0})}
    row = dict.fromkeys(CONFIDENCE, 1.0) | {"probability": 3.0}
    rows = np.array([[row[n] for n in CONFIDENCE], [(row | {"slot": 0.0})[n] for n in CONFIDENCE]], dtype=np.float32)
    p = answer_probability(scorer, rows)
    assert p[0] > 0.9 and p[1] == 0.0


def test_the_crosslingual_model_reads_no_word_coverage():
    scorer = {"confidence_crosslingual": _model(CROSSLINGUAL, {"reader": 4.0})}
    assert not {"probability", "focus", "passage_coverage"} & set(CROSSLINGUAL)
    row = dict.fromkeys(CONFIDENCE, 1.0)
    rows = np.array(
        [
            [(row | change)[n] for n in CONFIDENCE]
            for change in ({}, {"focus": 0.0, "passage_coverage": 0.0, "probability": 0.0}, {"reader": 0.0})
        ]
    )
    p = answer_probability(scorer, rows, crosslingual=True)
    assert p[0] == p[1] > 0.9 and p[2] == 0.5


class _FakeSpans:
    """A span reader that rates each sentence by a table, and records what it read."""

    def __init__(self, scores: dict[str, float]):
        self.scores, self.read = scores, []

    def read_sentences(self, question, passages):
        """Scores by the table; each sentence's span: its last word."""
        self.read.extend(text[a:b] for text, a, b in passages)
        spans = np.array([self.scores.get(text[a:b], -5.0) for text, a, b in passages])
        marks = [(text.rindex(" ", a, b) + 1, b) for text, a, b in passages]
        return np.column_stack([spans, np.zeros(len(spans))]), marks

    def sentence_scores(self, question, passages):
        return self.read_sentences(question, passages)[0]


def test_the_span_stage_chooses_among_the_scorers_best_and_its_score_feeds_confidence(answerer_over, monkeypatch):
    from rag.answering import choice

    monkeypatch.setattr(choice, "SPAN_READS", 3)
    sentences = ["Klyngen ble startet i 2019.", "Klyngen har en leder.", "Lederen heter Kari.", "Det regnet."]
    answerer, sid = answerer_over({"klynge": "Været var fint. Det blåste. " + " ".join(sentences)})
    question = analyse("Når ble klyngen startet?")
    rows = np.zeros((4, len(FEATURES)), dtype=np.float32)
    rows[:, FEATURES.index("reader")] = [0.5, 0.9, 0.8, 0.1]  # the scorer below rates «leder» first
    rows[:, FEATURES.index("slot")] = 1.0
    found = Candidates([sid[s] for s in sentences], rows, {})
    scorer = {"mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES), "coef": [0.0] * len(FEATURES)}
    scorer |= {"bias": 0.0, "select": [float(n == "reader") for n in FEATURES]}
    assert choose(answerer.data, question, found, [], scorer, passages=3)[0] == 1  # no span stage learned
    scorer["span"] = _model(SPAN_FEATURES, {"span": 1.0}) | {"select": [float(n == "span") for n in SPAN_FEATURES]}
    spans = _FakeSpans({"Klyngen ble startet i 2019.": 4.0, "Det regnet.": 9.0})
    best, confidence, read = choose(answerer.data, question, found, [], scorer, passages=3, span_reader=spans)
    assert best == 0 and confidence[CONFIDENCE.index("span")] == 4.0
    article = answerer.data.articles[answerer.data.sentences[sid[sentences[0]]][0]]
    assert article.text[slice(*read.mark)] == "2019."  # the span it read in the chosen one, in the article
    assert read.close == ()  # the others it read scored far below it
    # It read the SPAN_READS best by the scorer, best first, each within its neighbours;
    # «Det regnet.», rated last, not (though the span reader would have rated it highest).
    assert spans.read == [sentences[1], sentences[2], sentences[0]]
    # One it scores within SPAN_QUOTE_MARGIN of the chosen one is named for the quote (its row).
    spans = _FakeSpans({"Klyngen ble startet i 2019.": 4.0, "Lederen heter Kari.": 3.5})
    best, _, read = choose(answerer.data, question, found, [], scorer, passages=3, span_reader=spans)
    assert best == 0 and read.close == (2,)
    # A scorer that never learned the stage (the reader-alone ablation) reads the chosen one only.
    del scorer["span"]
    best, confidence, read = choose(answerer.data, question, found, [], scorer, passages=3, span_reader=spans)
    assert best == 1 and read == SpanRead() and confidence[CONFIDENCE.index("span")] == -5.0


def test_the_span_stage_reads_only_the_first_where_the_scorer_leads_by_more_than_the_skip(answerer_over):
    from rag.answering.choice import SPAN_SKIP_LEAD

    sentences = ["Klyngen ble startet i 2019.", "Klyngen har en leder."]
    answerer, sid = answerer_over({"klynge": " ".join(sentences)})
    question = analyse("Når ble klyngen startet?")
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    rows[:, FEATURES.index("slot")] = 1.0
    found = Candidates([sid[s] for s in sentences], rows, {})
    scorer = {"mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES), "coef": [0.0] * len(FEATURES)}
    scorer |= {"bias": 0.0, "select": [float(n == "reader") for n in FEATURES]}
    scorer["span"] = _model(SPAN_FEATURES, {"span": 1.0}) | {"select": [float(n == "span") for n in SPAN_FEATURES]}
    table = {"Klyngen ble startet i 2019.": 4.0, "Klyngen har en leder.": 3.5}
    for lead, read_both in ((SPAN_SKIP_LEAD - 0.5, True), (SPAN_SKIP_LEAD + 0.5, False)):
        rows[:, FEATURES.index("reader")] = [0.0, lead]  # the scorer rates «leder» first, by `lead`
        spans = _FakeSpans(table)
        best, confidence, read = choose(answerer.data, question, found, [], scorer, passages=3, span_reader=spans)
        if read_both:  # the span stage reads both and chooses the one it rates higher, naming the other
            assert spans.read == sentences[::-1] and best == 0 and read.close == (1,)
        else:  # too far ahead to be overruled: read alone, chosen, and its span score feeds confidence
            assert spans.read == sentences[1:] and best == 1 and read.close == ()
            assert confidence[CONFIDENCE.index("span")] == 3.5


def test_the_span_stage_reads_only_candidates_that_hold_the_value_asked_for(answerer_over):
    sentences = ["Det kom 40 gjester.", "Klyngen har tre hundre partnere.", "Klyngen har mange partnere."]
    answerer, sid = answerer_over({"telling": " ".join(sentences)})
    question = analyse("Hvor mange partnere har klyngen?")
    rows = np.zeros((3, len(FEATURES)), dtype=np.float32)
    rows[:, FEATURES.index("reader")] = [0.9, 0.5, 0.8]
    rows[:, FEATURES.index("slot")] = [slot_filled(question, s) for s in sentences]
    assert rows[:, FEATURES.index("slot")].tolist() == [0.0, 1.0, 0.0]
    found = Candidates([sid[s] for s in sentences], rows, {})
    scorer = {"mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES), "coef": [0.0] * len(FEATURES)}
    scorer |= {"bias": 0.0, "select": [float(n == "reader") for n in FEATURES]}
    scorer["span"] = _model(SPAN_FEATURES, {}) | {"select": [float(n == "span") for n in SPAN_FEATURES]}
    spans = _FakeSpans({"Det kom 40 gjester.": 9.0, "Klyngen har tre hundre partnere.": -2.0})
    best, confidence, _ = choose(answerer.data, question, found, [], scorer, passages=3, span_reader=spans)
    # One candidate holds a count of partners: the only one read, and chosen whatever its score.
    assert spans.read == ["Klyngen har tre hundre partnere."] and best == 1
    assert confidence[CONFIDENCE.index("span")] == -2.0
