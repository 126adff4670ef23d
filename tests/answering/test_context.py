"""What stands around a sentence: contact lists and entries, windows. Fake embedder."""

from rag.answering.analysis import analyse
from rag.answering.context import contact_block, contact_entry, contact_owner, reading_window, window


def test_a_contact_entry_takes_the_other_detail_below_it(answerer_over):
    body = "KONTAKT:\n\nKari Nordmann,\n\nE-post: kari@example.no\n\nTelefon: 912 34 567\n\nPer Hansen,\n\nE-post: per@example.no"
    answerer, sid = answerer_over({"kontakt": body})
    kari, mail, phone = sid["Kari Nordmann,"], sid["E-post: kari@example.no"], sid["Telefon: 912 34 567"]
    assert contact_entry(answerer.data, kari, mail) == [kari, mail, phone]
    assert contact_entry(answerer.data, kari, phone) == [kari, mail, phone]  # «Per Hansen,» is no detail


def test_a_contact_list_ends_at_a_sentence_of_prose(answerer_over):
    body = (
        "Det var et godt år for klyngen, sier Ola Nordmann.\n\n"
        "KONTAKT:\n\nKari Nordmann,\n\nLeder\n\nTelefon: 912 34 567\n\nPer Hansen,\n\nTelefon: 987 65 432"
    )
    answerer, sid = answerer_over({"kontakt": body})
    data = answerer.data
    asks_kari = analyse("Hva er telefonnummeret til Kari Nordmann?")
    phone = asks_kari.contact
    kari, per = sid["Telefon: 912 34 567"], sid["Telefon: 987 65 432"]
    assert contact_block(data, kari, phone) == [sid["KONTAKT:"], sid["Kari Nordmann,"], sid["Leder"]]
    assert contact_block(data, per, phone) == [sid["Per Hansen,"]]  # up to the number above
    assert contact_owner(data, kari, asks_kari) == sid["Kari Nordmann,"]
    assert contact_owner(data, per, asks_kari) is None
    assert contact_owner(data, kari, analyse("Hva er telefonnummeret til Ola Nordmann?")) is None
    assert "Per Hansen" not in window(data, kari, contact=phone)  # the list reads upwards
    assert "Per Hansen" in window(data, kari)
    # Asked how to reach someone: the list of the detail the line holds, the entry from its top.
    reach_per = analyse("Hvordan kan jeg kontakte Per Hansen?")
    assert contact_block(data, per, reach_per.contact) == [sid["Per Hansen,"]]
    assert contact_owner(data, per, reach_per) == sid["Per Hansen,"]
    assert contact_owner(data, per, analyse("Hvordan kan jeg kontakte Kari Nordmann?")) is None
    assert contact_entry(data, sid["Kari Nordmann,"], kari) == [sid["Kari Nordmann,"], sid["Leder"], kari]


def test_the_span_readers_window_holds_the_sentence_at_its_offsets_after_the_one_before(answerer_over):
    answerer, sid = answerer_over({"klynge": "Klyngen ble startet i 2019. Den har en leder. Hun heter Kari."})
    data, middle = answerer.data, sid["Den har en leder."]
    text, start, end = reading_window(data, middle)
    assert text == "Klyngen ble startet i 2019. Den har en leder." and text[start:end] == "Den har en leder."
    # A hidden sentence before it (training makes a question unanswerable so) is not read.
    text, start, end = reading_window(data, middle, hidden=frozenset({sid["Klyngen ble startet i 2019."]}))
    assert (text, start, end) == ("Den har en leder.", 0, len("Den har en leder."))
