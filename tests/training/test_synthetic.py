"""Synthetic training questions made by rule from Norwegian sentences."""

from __future__ import annotations

import random

import pytest

from rag.training.synthetic import questions_for, synthetic_items

COMMON = frozenset("selskapet har ansatte i ble selvstendig byen er en by totalt arenaer brukt".split())


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("Norge ble selvstendig i 1905.", "Når ble Norge selvstendig?"),
        ("I 1905 ble Norge selvstendig.", "Når ble Norge selvstendig?"),
        ("Selskapet har 120 ansatte i dag.", "Hvor mange ansatte har Selskapet i dag?"),
        ("Ruud spilte finalen i Paris.", "Hvor spilte Ruud finalen?"),
        ("Casper Ruud møter Roger Federer i kveld.", "Hvem møter Roger Federer i kveld?"),
        ("Parthenon (gresk: Παρθενών) er et gammelt gresk tempel.", "Hva er Parthenon?"),
    ],
)
def test_a_sentence_becomes_a_question_in_question_word_order(sentence, question):
    assert questions_for(sentence, COMMON, random.Random(1)) == [question]


@pytest.mark.parametrize(
    "sentence",
    [
        "Han studerte i Bergen.",  # a pronoun subject: the question would not say who
        "Totalt ble 37 arenaer brukt.",  # led by an adverbial, not a subject
        "– Det er bra, sier Ruud.",  # speech
        "Byen er en by.",  # a common noun is no name to define
        "Arenaer brukt i 1994",  # no full stop: a heading or a caption
    ],
)
def test_sentences_the_rules_cannot_read_give_no_question(sentence):
    assert questions_for(sentence, COMMON, random.Random(1)) == []


def test_each_question_points_at_its_sentence_among_the_others_of_its_text():
    text = (
        "Om selskapet. Selskapet har 120 ansatte i dag. Det ligger ved sjøen. Casper Ruud møter Roger Federer i kveld."
    )
    items = synthetic_items([text])
    assert [(item.question, item.sentences[min(item.positives)]) for item in items] == [
        ("Hvor mange ansatte har Selskapet i dag?", "Selskapet har 120 ansatte i dag."),
        ("Hvem møter Roger Federer i kveld?", "Casper Ruud møter Roger Federer i kveld."),
    ]
    assert all(len(item.positives) == 1 and len(item.sentences) == 4 for item in items)


def test_sentences_to_avoid_get_no_question():
    text = (
        "Om selskapet. Selskapet har 120 ansatte i dag. Det ligger ved sjøen. Casper Ruud møter Roger Federer i kveld."
    )
    items = synthetic_items([text], avoid={"Selskapet har 120 ansatte i dag."})
    assert [item.question for item in items] == ["Hvem møter Roger Federer i kveld?"]
