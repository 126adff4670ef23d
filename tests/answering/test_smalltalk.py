"""Smalltalk: greetings, thanks and questions about the bot get a reply, not a search."""

import pytest

from rag.answering.smalltalk import smalltalk_reply


@pytest.mark.parametrize("message", ["Takk!", "Hei", "hei!", "Hva kan du?", "Tusen takk for hjelpen", "Hvem er du?"])
def test_greetings_thanks_and_questions_about_the_bot_get_a_reply(message):
    assert smalltalk_reply(message)


@pytest.mark.parametrize(
    "message",
    ["Hei, hvem leder CAAI?", "Hvem er ny leder i NCE Smart Energy Markets?", "Takk til hvem?", "Hva er CAAI?"],
)
def test_questions_are_not_smalltalk(message):
    assert smalltalk_reply(message) is None


def test_smalltalk_is_answered_without_search(fake_settings):
    from rag.index import Engine, run_build

    run_build(fake_settings)
    answer = Engine(fake_settings).ask("Takk!")
    assert answer.kind == "smalltalk" and not answer.abstained
    assert answer.citations == () and answer.passages == ()
    assert "artikl" in answer.answer
    from rag.cli import format_answer

    assert format_answer(answer) == answer.answer  # no empty source list
