"""The question read once: `analyse` and its record, cleaning, unknown names. Quick tier."""

import pytest

from rag.answering.analysis import analyse, clean_question, unknown_names
from rag.answering.rules import CONTACT_RE, PHONE_RE
from rag.errors import EmptyQuestion
from rag.norwegian import terms


def test_a_bokmal_question_is_read_once_into_one_record():
    q = analyse("Hvor mange klynger har Smart Innovation Norway?")
    assert (q.language, q.kind, q.slot, q.follow_up) == ("bokmål", "number", "count", False)
    assert q.counted == {"klyng"}
    assert q.names == ("Smart", "Innovation", "Norway") and q.name_runs == ("Smart Innovation Norway",)
    assert q.asked_names == {"smart", "innovation", "norway"}
    assert not q.pronouns and q.gender is None and not q.leans_back
    assert q.search_text == q.text and q.embedded_text == q.text
    assert {"klyng", "smart", "innovation", "norway"} <= set(q.terms)
    assert "klyng" in q.focus[0] and "smart" not in q.focus[0]  # what it asks about, not whom


def test_a_nynorsk_question_is_searched_in_bokmal():
    q = analyse("Kven leiar klynga i Halden?")
    assert (q.language, q.kind) == ("nynorsk", "name")
    assert q.embedded_text == "Hvem leder klynga i Halden?"


def test_an_english_question():
    q = analyse("What is her phone number?")
    assert (q.language, q.english, q.kind, q.slot, q.contact) == ("english", True, "number", PHONE_RE, PHONE_RE)
    assert q.pronouns == {"her"} and q.gender == "f" and q.leans_back
    assert analyse("How can I contact Eli Haugerud?").how_to_reach
    assert analyse("How can I contact Eli Haugerud?").contact is CONTACT_RE


def test_a_follow_up_carries_its_conversation():
    q = analyse("Hvor gammel er hun?")
    assert q.leans_back and q.pronouns == {"hun"} and q.gender == "f" and q.slot is not None
    read = q.in_conversation("Hvem er Mette Fritsch? Hvor gammel er hun?", True)
    assert read.text == q.text and read.follow_up and read.kind == q.kind
    assert {"mett", "fritsch"} <= set(read.search_terms)
    assert {"mette", "fritsch", "fritschs"} <= read.said  # what the conversation already names, genitives too


def test_pasted_markup_is_cleaned_before_the_question_is_read():
    text, notice = clean_question('<img src=x onerror="alert(1)"> Hvem er ny leder i NCE Smart Energy Markets?')
    q = analyse(text)
    assert q.text == "Hvem er ny leder i NCE Smart Energy Markets?" and notice is None
    assert q.kind == "name" and q.name_runs == ("NCE Smart Energy Markets",)


def test_question_cleaning():
    assert clean_question("  Hvem\x00 er\tleder?\n")[0] == "Hvem er leder?"
    long_text, notice = clean_question("ord " * 5000)
    assert len(long_text) <= 1000 and notice
    with pytest.raises(EmptyQuestion):
        clean_question(" \n\t ")


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Hvem leder NCE Smart Energy Markets?", "name"),
        ("Kven er direktør i klyngen?", "name"),
        ("Who leads the cluster?", "name"),
        ("Hvor mange politikere deltok på møtet?", "number"),
        ("Hvor gammel er han?", "number"),
        ("How old is he?", "number"),
        ("Kor mykje kosta prosjektet?", "number"),
        ("Når startet han i jobben?", "date"),
        ("Hvilket år ble klyngen etablert?", "date"),
        ("Hvilken by bor hun i?", "place"),
        ("Hva heter prosjektet?", "name"),
        ("Hva er målet med prosjektet?", None),
        ("Hva gjør Smart Innovation Norway?", None),
        ("Hvorfor ble det brukt små båter?", "reason"),
        ("Kvifor flytta han?", "reason"),
        ("Why did she leave?", "reason"),
        ("Hva var grunnen til brannen?", "reason"),
        ("Hvor ble båten funnet?", "place"),
    ],
)
def test_question_type(question, kind):
    assert analyse(question).kind == kind


@pytest.mark.parametrize(
    "question, follow_up",
    [
        ("Hvor gammel er han?", True),
        ("Og hun?", True),
        ("Når startet han?", True),
        ("Hvem leder klyngen?", False),
        ("Hvor mange politikere deltok på møtet?", False),
        ("Hva gjør Smart Innovation Norway?", False),
        ("Hvor mange ansatte jobber i klyngeteamet her?", False),  # Norwegian «her»: here
        ("What is her role in the cluster?", True),
        ("Hva sa Bilet om henne?", True),  # «henne» points back like «honom» and «her»
        ("Og i Völur?", True),
        ("Hva med Völur?", True),  # «what about»: the rest of the question comes from before
        ("Hva er Völur?", False),  # a whole question about a subject it names: a new topic
        ("Hva er målet?", True),
    ],
)
def test_a_pronoun_or_one_content_word_leans_back(question, follow_up):
    assert analyse(question).leans_back is follow_up


@pytest.mark.parametrize(
    "question, person",
    [
        ("Hvem er Mette Fritsch?", "Mette Fritsch"),
        ("Kven var Eli Haugerud", "Eli Haugerud"),
        ("Who is Mette Fritsch?", "Mette Fritsch"),
        ("Hvem er ny leder i NCE Smart Energy Markets?", None),
        ("Hvem er han?", None),
        ("Hva er Smart Campus?", None),
    ],
)
def test_person_asked_about(question, person):
    assert analyse(question).person == person


CORPUS = {t: 1 for t in terms("Inge Michael Bilet leder klyngen. Smart Innovation Norway har tre klynger i Halden.")}


@pytest.mark.parametrize(
    "question, unknown",
    [
        ("Hvem er Jonas Gahr Støre?", ["Jonas Gahr Støre"]),
        ("Hva sa Inge Bilet om klyngen?", []),
        ("Hva gjør Smart Innovation Norway?", []),
        ("Hvem er Thor Heyerdal i Halden?", ["Thor Heyerdal"]),
        ("Hva sa Inge Bilets kollega?", []),  # a genitive of a known name
        ("Hvem er Inge Bileth?", []),  # half the words known: a misspelling, not a stranger
        ("How can I reach Inge Michael Bilet?", []),  # English «I» is no name to look up
        ("How can I reach Jonas Gahr Støre?", ["Jonas Gahr Støre"]),
    ],
)
def test_unknown_names(question, unknown):
    assert unknown_names(analyse(question), CORPUS) == unknown


@pytest.mark.parametrize(
    "question, drop_kind_noun, expected",
    [
        ("Hva slags utdanning har Inge Michael Bilet?", False, {"utdanning"}),
        ("Hvor mange politikere deltok på møtet?", False, {"politik", "deltok", "møt"}),
        ("Hvor gammel er han?", False, set()),
        ("Hvilket selskap startet han?", False, {"selskap", "start"}),
        ("Hvilket selskap startet han?", True, {"start"}),
    ],
)
def test_focus_terms(question, drop_kind_noun, expected):
    assert set(analyse(question).focus[drop_kind_noun]) == expected


def test_pasted_markup_is_dropped_from_a_question():
    assert clean_question("<img src=x onerror=alert(1)> Hvem leder CAAI?")[0] == "Hvem leder CAAI?"
    assert clean_question("Er 3 < 5 og 7 > 2?")[0] == "Er 3 < 5 og 7 > 2?"
