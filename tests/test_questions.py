"""The question rules, table by table. No embedder, no index: quick tier."""

import pytest

from rag.norwegian import terms
from rag.questions import (
    focus_terms,
    genders_clash,
    is_follow_up,
    name_gender,
    names,
    people_named,
    person_asked_about,
    pronoun_gender,
    question_type,
    replace_pronoun,
    short_answer,
    slot_filled,
    speakers,
    type_match,
    unknown_names,
)


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
    assert question_type(question) == kind


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
    ],
)
def test_is_follow_up(question, follow_up):
    assert is_follow_up(question) is follow_up


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
    assert replace_pronoun(question, "Kim Nordmann") == read  # a first name on neither list


def test_a_pronoun_points_only_at_a_name_of_its_gender():
    assert replace_pronoun("Hva sa hun om konferansen?", "Inge Michael Bilet") is None
    assert (
        replace_pronoun("Hva sa han om konferansen?", "Inge Michael Bilet")
        == "Hva sa Inge Michael Bilet om konferansen?"
    )
    assert (
        replace_pronoun("Hva er telefonnummeret hennes?", "Mette Fritsch")
        == "Hva er telefonnummeret til Mette Fritsch?"
    )
    assert replace_pronoun("Where is he from?", "Mette Fritsch") is None
    assert replace_pronoun("Kor gammal er ho?", "Ola Nordmann") is None
    assert not genders_clash("Hvor mange jobber her?", "Ola Nordmann")  # «her» is «here» in Norwegian
    assert not genders_clash("Hva sa han til henne?", "Ola Nordmann")  # both: says nothing
    assert pronoun_gender("What did she say?") == "f" and pronoun_gender("Hva er hans rolle?") == "m"
    assert name_gender("Eli Haugerud") == "f" and name_gender("Dieter Hirdes") == "m" and name_gender("Völur") is None
    text = "Inge Michael Bilet har overtatt som leder av NCE Smart Energy Markets etter Eli Haugerud."
    assert people_named(text, "f") == ["Eli Haugerud"] and people_named(text, "m") == ["Inge Michael Bilet"]
    assert people_named("Leder av Cluster for Applied AI, Marianne Jansson Bjerkman, åpnet.", "f") == [
        "Marianne Jansson Bjerkman"
    ]


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
    assert person_asked_about(question) == person


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
    assert slot_filled(question, text) is filled


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
    assert type_match(kind, text, asked) is matches


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
    assert unknown_names(question, CORPUS) == unknown


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
    assert set(focus_terms(question, drop_kind_noun)) == expected


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
    span = short_answer(kind, text, question)
    assert (text[slice(*span)] if span else None) == expected


def test_speakers_are_the_names_after_a_speech_verb():
    text = (
        "Mette Fritsch ble valgt. Cluster for Applied AI er en ung klynge. "
        "– Vi er klare, forteller Fritsch. – Godt, sier Inge Michael Bilet i NCE."
    )
    assert speakers(text) == {"Fritsch", "Inge", "Michael", "Bilet"}
    assert not speakers(text) & {"Cluster", "Applied", "AI", "NCE"}
    assert speakers(text, "f") == {"Fritsch"}  # a hun points not at Inge Michael Bilet
    assert speakers(text, "m") == {"Fritsch", "Inge", "Michael", "Bilet"}  # nor is Fritsch known to be a woman


def test_a_count_in_words_holds_the_number_asked_for():
    text = "I løpet av to timer med presentasjoner fikk deltakerne muligheten."
    assert type_match("number", text, "Hvor lenge varte presentasjonene?")
    assert not type_match("number", "Det ble en fin dag og ett godt møte.", "Hvor mange kom?")  # articles
    assert type_match("number", "Det kom 20 politikere.", "Hvor mange kom?")
    assert not type_match("number", "De holdt to timer.", "Hvorfor holdt de to timer?")  # named in the question
