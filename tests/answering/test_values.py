"""What a sentence holds against an analysed question: the slot, the kind, the short
answer, coverage. Quick tier."""

from dataclasses import replace

import pytest

from rag.answering.analysis import QuestionAnalysis, analyse
from rag.answering.values import short_answer, slot_filled, type_match


def _asked(kind: str | None, question: str) -> QuestionAnalysis:
    """`question` analysed, read as asking for `kind` (the rules below take the kind as given)."""
    return replace(analyse(question), kind=kind)


@pytest.mark.parametrize(
    "question, text, filled",
    [
        ("Hvor mange politikere deltok på møtet?", "Tolv politikere deltok.", True),
        ("Hvor mange politikere deltok på møtet?", "Politikere deltok på møtet.", False),
        # the counted noun after «av de» and an adjective
        ("Hvor mange av de norske klyngene er gullsertifisert?", "Ni av 38 klynger er gullsertifisert.", True),
        (
            "Hvor mange av de norske klyngene er gullsertifisert?",
            "Norske klynger er sertifisert for andre gang siden 2019.",
            False,
        ),
        ("Hvor gammel er han?", "Han er 45 år.", True),
        ("Hvor gammel er han?", "Han er fra Halden.", False),
        ("Hvilket år ble klyngen etablert?", "Klyngen ble etablert i 2009.", True),
        ("Hvilket år ble klyngen etablert?", "Klyngen ble etablert av fire bedrifter.", False),
        # A date to the day, not a year or a month
        ("Hvilken dato var møtet?", "Hensikten med møtet 10. mai var å øke kunnskapen.", True),
        ("Hvilken dato var møtet?", "Møtet ble holdt 10.05.2022 i Halden.", True),
        ("Hvilken dato ble innspillet publisert?", "I Hurdal-plattformen fra 2021 slo regjeringen fast …", False),
        ("Kva dato var årsmøtet?", "På årsmøtet i juni ble Mette Fritsch valgt.", False),
        ("What date was the meeting?", "The meeting was held on May 10.", True),
        ("Hvor gammel var hun?", "Hun var atten år.", True),
        ("Hvor lenge har hun jobbet der?", "De 2,5 årene hos selskapet kommer godt med.", True),
        ("Hvor lenge har hun jobbet der?", "Hun har jobbet der i halvannet år.", True),
        ("Hvor lenge varte møtet?", "I løpet av to timer med presentasjoner.", True),
        ("Hvor lenge varte møtet?", "Møtet var i Halden.", False),
        ("Hva gjør Smart Innovation Norway?", "Hva som helst passer her.", True),  # no slot to check
        ("Hva er telefonnummeret til Eli Haugerud?", "Telefon:\n+47 995 44 711", True),
        ("Hva er telefonnummeret til Eli Haugerud?", "E-post: eli.haugerud@smartinnovationnorway.com", False),
        ("Hva er e-postadressen til Eli Haugerud?", "E-post: eli.haugerud@smartinnovationnorway.com", True),
        ("Hva er e-postadressen til Eli Haugerud?", "I 2021 økte eksporten med 50 prosent.", False),
        ("Når ringte telefonen?", "Den ringte i går.", True),  # «telefonen» alone asks for no number
        ("Kva er e-postadressa til Eli Haugerud?", "E-post: eli.haugerud@smartinnovationnorway.com", True),
        ("Kva er e-postadressa til Eli Haugerud?", "Eli Haugerud leier avdelinga.", False),
        # How to reach someone: a phone number or an address answers it
        ("Hvordan kan jeg kontakte Eli Haugerud?", "Telefon:\n+47 995 44 711", True),
        ("Hvordan kontakter jeg Eli Haugerud?", "E-post: eli.haugerud@smartinnovationnorway.com", True),
        ("Hvem er kontaktperson for klyngen?", "Eli Haugerud leder klyngen.", False),
        ("How can I contact Eli Haugerud?", "Eli Haugerud leads the department.", False),
        ("Hvilken kontakt har klyngen med EU?", "Klyngen samarbeider tett med EU.", True),  # the noun asks none
        # What something earned or turned over: an amount
        ("Hva tjener Smart Innovation Norway i året?", "Smart Innovation Norway driver med forskning.", False),
        ("Hvor stor var omsetningen til eSmart Systems i 2022?", "Omsetningen var 120 millioner kroner.", True),
        ("Hvor stor var omsetningen til eSmart Systems i 2022?", "eSmart Systems vokste i 2022.", False),
        ("Hvordan har Dardai tjent Hertha Berlin?", "Han har vært trofast i mange år.", True),
        # Who took a picture: a photo credit, not the caption naming who is in it
        ("Hvem tok bildet av Bilet og Haugerud?", "FOTO: Anja Lillerud", True),
        ("Hvem tok bildet av Bilet og Haugerud?", "Inge Michael Bilet og Eli Haugerud", False),
        ("Who took the photo of Mette Fritsch?", "… sier hun. FOTO: Privat/Mari Kristine Buckholm", True),
        ("Hvem tok over etter Haugerud?", "Bilet tok over som leder.", True),  # «tok over» asks for no credit
        ("Hvor mange telefoner solgte de?", "De solgte 300 telefoner.", True),  # a count, not a phone number
    ],
)
def test_slot_filled(question, text, filled):
    assert slot_filled(analyse(question), text) is filled


@pytest.mark.parametrize(
    "kind, text, asked, matches",
    [
        ("number", "Det kom 12 personer.", "", True),
        ("number", "Det kom mange.", "", False),
        ("date", "Han startet i mars 2020.", "", True),
        ("name", "Kari Nordmann leder arbeidet.", "", True),
        # the genitive of a name the question holds is no new name
        (
            "name",
            "En av Smart Innovation Norways hovedoppgaver er innovasjon.",
            "Hvem leder Smart Innovation Norway?",
            False,
        ),
        ("name", "Kari Nordmann leder Smart Innovation Norways klynger.", "Hvem leder Smart Innovation Norway?", True),
        ("name", "Kari Nordmann leder arbeidet.", "Hvem er Kari Nordmann?", False),  # already named in the question
        (None, "Kari Nordmann leder arbeidet.", "", False),
        ("reason", "Det skjedde på grunn av grunt farvann.", "Hvorfor ble det brukt små båter?", True),
        ("reason", "De dro for å hente hjelp.", "Hvorfor dro de?", True),
        ("reason", "Det ble brukt små båter i søket.", "Hvorfor ble det brukt små båter?", False),
    ],
)
def test_type_match(kind, text, asked, matches):
    assert type_match(_asked(kind, asked), text) is matches


@pytest.mark.parametrize(
    "kind, text, question, expected",
    [
        (
            "name",
            "Nyvalgt konstituert leder for NCE Smart Energy Markets-klyngen, Mette Fritsch, går inn i sommeren.",
            "Hvem er konstituert leder for NCE Smart Energy Markets?",
            "Mette Fritsch",
        ),
        (
            "name",
            "CEO i eSmart Systems, Knut Johansen, ga en innføring.",
            "Hvem er CEO i eSmart Systems?",
            "Knut Johansen",
        ),
        ("name", "Det sier den ferske klyngelederen Inge Michael Bilet.", "Hvem leder klyngen?", "Inge Michael Bilet"),
        ("name", "Han heter Ola.", "Hvem er han?", "Ola"),
        (
            "name",
            "Ved NMBU arbeides det med et større prosjekt kalt «Smart Campus».",
            "Hva heter prosjektet NMBU arbeider med?",
            "Smart Campus",
        ),
        ("name", "Hun leder klyngen.", "Hvem leder klyngen?", None),
        ("number", "Det var cirka 20 politikere som deltok.", "Hvor mange politikere deltok?", "20 politikere"),
        ("date", "1. oktober 2022 rykket han opp.", "Når ble han leder?", "1. oktober 2022"),
        ("reason", "Det var på grunn av Oslo maraton.", "Hvorfor er trikken innstilt?", None),  # no value to mark
    ],
)
def test_short_answer(kind, text, question, expected):
    span = short_answer(_asked(kind, question), text)
    assert (text[slice(*span)] if span else None) == expected


def test_a_count_in_words_holds_the_number_asked_for():
    text = "I løpet av to timer med presentasjoner fikk deltakerne muligheten."
    assert type_match(_asked("number", "Hvor lenge varte presentasjonene?"), text)
    assert not type_match(_asked("number", "Hvor mange kom?"), "Det ble en fin dag og ett godt møte.")  # articles
    assert type_match(_asked("number", "Hvor mange kom?"), "Det kom 20 politikere.")
    assert not type_match(_asked("number", "Hvorfor holdt de to timer?"), "De holdt to timer.")  # named in the question
