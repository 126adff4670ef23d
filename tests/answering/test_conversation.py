"""A question in its conversation: follow-ups, pronouns, what is searched for."""

from rag.answering.analysis import analyse
from rag.answering.conversation import earlier_questions, search_text


def test_earlier_questions_that_clean_to_nothing_are_skipped():
    history = ["", "<img src=x>", "???", "  Hvem  leder\tklyngen? ", None]
    assert earlier_questions(history) == ["Hvem leder klyngen?"]


def test_follow_up_reads_the_pronoun_as_the_person_answered_before(seed_engine):
    conversation = seed_engine.served().answerer.conversation
    history = ["Hvem er ny leder i NCE Smart Energy Markets?"]
    read = conversation.read(analyse("Hvor gammel er han?"), history)
    assert read.text == read.search_text == "Hvor gammel er Inge Michael Bilet?" and not read.follow_up
    assert conversation.read(analyse("Hvor mye kostet det?"), history).text == "Hvor mye kostet det?"  # no person
    answer = seed_engine.ask("Hvor gammel er han?", history)
    assert answer.question == "Hvor gammel er han?"
    assert answer.notice == "Leste spørsmålet som «Hvor gammel er Inge Michael Bilet?»."
    # «Hvem er Mette Fritsch?» asks about her: «hun» is she, not the cluster her answer names.
    read = conversation.read(analyse("Hvilken rolle har hun?"), ["Hvem er Mette Fritsch?"])
    assert read.text == read.search_text == "Hvilken rolle har Mette Fritsch?"


def test_follow_up_with_a_pronoun_is_searched_with_what_the_earlier_question_was_about(seed_engine):
    conversation = seed_engine.served().answerer.conversation
    history = ["Hva heter prosjektet NMBU arbeider med?"]
    read = conversation.read(analyse("Hva er målet med det?"), history)
    assert read.text == "Hva er målet med det?" and read.follow_up
    assert read.search_text == "Hva er målet med det? NMBU Smart Campus"  # not «heter prosjektet», which lead back
    answer = seed_engine.ask("Hva er målet med det?", history)
    assert not answer.abstained and "mer effektiv bruk" in answer.answer
    assert len(answer.citations) == 1  # «Her er målet …»: «her» is «here», not a pronoun wanting a referent
    assert answer.notice == "Søkte også etter «NMBU Smart Campus» fra samtalen."
    # Without a pronoun, the follow-up takes its predicate from the earlier questions.
    read = conversation.read(analyse("Og i Völur?"), ["Hvem er daglig leder i TotalCtrl?"])
    assert read.search_text == "Hvem er daglig leder i TotalCtrl? Og i Völur?" and read.follow_up
    assert search_text("Og i Völur?", ["Hvem er daglig leder i TotalCtrl?"]) == (read.search_text, True)
