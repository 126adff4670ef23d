"""People in a text: names, pronouns and their gender, speakers. Quick tier."""

import pytest

from rag.answering.analysis import analyse
from rag.answering.people import (
    name_fits,
    name_gender,
    names,
    people_named,
    pronoun_gender,
    replace_pronoun,
    speakers,
)


def _replace(question: str, name: str) -> str | None:
    q = analyse(question)
    return replace_pronoun(question, name, q.gender, q.english)


@pytest.mark.parametrize(
    "question, read",
    [
        ("Hvor gammel er han?", "Hvor gammel er Kim Nordmann?"),
        ("Kor gammal er ho?", "Kor gammal er Kim Nordmann?"),
        ("Hva er telefonnummeret hennes?", "Hva er telefonnummeret til Kim Nordmann?"),
        ("Hva er hans rolle?", "Hva er Kim Nordmanns rolle?"),
        ("What is her phone number?", "What is Kim Nordmann's phone number?"),
        ("Where does he work?", "Where does Kim Nordmann work?"),
        ("Hvor stor andel skapes her i landet?", None),  # «her» is «here» in Norwegian
        ("Hvor mye reduserte de matsvinnet?", None),
    ],
)
def test_replace_pronoun(question, read):
    assert _replace(question, "Kim Nordmann") == read  # a first name on neither list


def test_a_pronoun_points_only_at_a_name_of_its_gender():
    assert _replace("Hva sa hun om konferansen?", "Inge Michael Bilet") is None
    assert _replace("Hva sa han om konferansen?", "Inge Michael Bilet") == "Hva sa Inge Michael Bilet om konferansen?"
    assert _replace("Hva er telefonnummeret hennes?", "Mette Fritsch") == "Hva er telefonnummeret til Mette Fritsch?"
    assert _replace("Where is he from?", "Mette Fritsch") is None
    assert _replace("Kor gammal er ho?", "Ola Nordmann") is None
    assert name_fits("Ola Nordmann", pronoun_gender("Hvor mange jobber her?"))  # «her» is «here» in Norwegian
    assert name_fits("Ola Nordmann", pronoun_gender("Hva sa han til henne?"))  # both: says nothing
    assert pronoun_gender("What did she say?") == "f" and pronoun_gender("Hva er hans rolle?") == "m"
    assert name_gender("Eli Haugerud") == "f" and name_gender("Dieter Hirdes") == "m" and name_gender("Völur") is None
    text = "Inge Michael Bilet har overtatt som leder av NCE Smart Energy Markets etter Eli Haugerud."
    assert people_named(text, "f") == ["Eli Haugerud"] and people_named(text, "m") == ["Inge Michael Bilet"]
    assert people_named("Leder av Cluster for Applied AI, Marianne Jansson Bjerkman, åpnet.", "f") == [
        "Marianne Jansson Bjerkman"
    ]


@pytest.mark.parametrize(
    "text, found",
    [
        ("Hvem er CEO i eSmart Systems?", ["CEO", "eSmart", "Systems"]),  # a brand that starts in lower case
        ("Hvem leder klyngen i Halden?", ["Halden"]),
        ("Hvem leder klyngen?", []),
        ("What do I know about Ole Hansen?", ["Ole", "Hansen"]),  # English «I» is no name
        ("Møtet ledes av Ole J. Strand.", ["Ole", "Strand"]),  # a common word after an initial is a surname
        ("Det sier H.C. Lie i dag.", ["Lie"]),
        ("Han kom hjem. Strand er fin.", []),  # after a sentence's end it is an ordinary word
        ("Det var i USA. Strand er fin.", ["USA"]),
    ],
)
def test_names(text, found):
    assert names(text) == found


def test_speakers_are_the_names_after_a_speech_verb():
    text = (
        "Mette Fritsch ble valgt. Cluster for Applied AI er en ung klynge. "
        "– Vi er klare, forteller Fritsch. – Godt, sier Inge Michael Bilet i NCE."
    )
    assert speakers(text) == {"Fritsch", "Inge", "Michael", "Bilet"}
    assert not speakers(text) & {"Cluster", "Applied", "AI", "NCE"}
    assert speakers(text, "f") == {"Fritsch"}  # a hun points not at Inge Michael Bilet
    assert speakers(text, "m") == {"Fritsch", "Inge", "Michael", "Bilet"}  # nor is Fritsch known to be a woman
