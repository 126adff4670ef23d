"""The answerer end to end on the shipped corpus, with the real embedder and reader."""

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answering import GAP
from rag.errors import EmptyQuestion
from tests.answering.conftest import check_citations


def test_new_leader_is_quoted_with_exact_offsets(seed_engine):
    answer = seed_engine.ask("Hvem er ny leder i NCE Smart Energy Markets?")
    assert not answer.abstained
    assert "Inge Michael Bilet" in answer.answer
    assert answer.citations and answer.citations[0].article_id == "artikkel-2"
    check_citations(seed_engine, answer)


def test_unrelated_question_abstains_and_still_shows_passages(seed_engine):
    answer = seed_engine.ask("Hva er hovedstaden i Frankrike?")
    assert answer.abstained and answer.answer is None and not answer.citations
    assert answer.passages


def test_follow_up_uses_the_earlier_question(seed_engine):
    alone = seed_engine.ask("Hvor gammel er han?")
    follow = seed_engine.ask("Hvor gammel er han?", ["Hvem er ny leder i NCE Smart Energy Markets?"])
    assert not follow.abstained and "47" in follow.answer
    assert alone.abstained or "47" not in (alone.answer or "")


def test_a_first_question_about_han_or_hun_asks_who_is_meant(seed_engine):
    for question, pronoun in [("Hvor gammel er han?", "han"), ("Hva er telefonnummeret hennes?", "hennes")]:
        answer = seed_engine.ask(question)
        assert answer.abstained and answer.passages and f"«{pronoun}»" in answer.notice
    # one that names whom it means, or says enough to hold its own antecedent, is answered as before
    named = seed_engine.ask("Hvor gammel er Inge Michael Bilet?")
    assert not named.abstained and "47" in named.answer and named.notice is None


def test_a_hun_is_read_as_the_woman_the_earlier_answer_named_not_the_man(seed_engine):
    # «Inge Michael Bilet har overtatt som klyngeleder av NCE Smart Energy Markets etter Eli Haugerud.»
    earlier = ["Hvem overtok som leder av NCE Smart Energy Markets?"]
    his = seed_engine.ask("Hva er telefonnummeret hans?", earlier)
    assert "Inge Michael Bilet" in his.notice and his.answer.endswith("+47 474 61 228")
    hers = seed_engine.ask("Hva er telefonnummeret hennes?", earlier)
    assert "«Hva er telefonnummeret til Eli Haugerud?»" in hers.notice and "Bilet" not in hers.notice
    assert hers.answer.startswith("Eli Haugerud") and hers.answer.endswith("+47 995 44 711")
    check_citations(seed_engine, hers)
    # A hun with no woman in the answer is not read as the man, nor searched for with his name.
    other = seed_engine.ask("Hva sa hun om konferansen?", ["Hvem er ny leder i NCE Smart Energy Markets?"])
    assert "Bilet" not in (other.notice or "")


def test_a_contact_detail_is_quoted_under_the_name_it_belongs_to(seed_engine):
    # The contact lists: «Eli Haugerud, / Leder, … / E-post: … / Telefon: +47 995 44 711»
    # in one article; Bilet's «Telefon: +47 474 61 228» just above «Marianne Jansson Bjerkman,»
    # and her own number in another.
    for question, number, name in [
        ("Hva er telefonnummeret til Eli Haugerud?", "+47 995 44 711", "Eli Haugerud"),
        ("Hva er telefonnummeret til Marianne Jansson Bjerkman?", "+47 924 14 854", "Marianne Jansson Bjerkman"),
        ("Hva er e-postadressen til Eli Haugerud?", "eli.haugerud@smartinnovationnorway.com", "Eli Haugerud"),
    ]:
        answer = seed_engine.ask(question)
        assert not answer.abstained and answer.answer.startswith(name) and answer.answer.endswith(number)
        assert answer.short_answer["text"] == number
        check_citations(seed_engine, answer)
    # No address stands under Mydske's name: the one address in the articles is not his.
    assert seed_engine.ask("Hva er e-postadressen til Kjell Reidar Mydske?").abstained


def test_how_to_reach_someone_quotes_their_contact_entry(seed_engine):
    # «Eli Haugerud, / Leder, … / E-post: … / Telefon: …» under «KONTAKT:»; in another
    # article Bilet's entry, then Bjerkman's («Leder Cluster for Applied AI»).
    for question, name, number in [
        ("Hvordan kan jeg kontakte Eli Haugerud?", "Eli Haugerud", "+47 995 44 711"),
        ("Hvordan kontakter jeg Inge Michael Bilet?", "Inge Michael Bilet", "+47 474 61 228"),
        ("Hvem er kontaktperson for Cluster for Applied AI?", "Marianne Jansson Bjerkman", "+47 924 14 854"),
        ("How can I contact Marianne Jansson Bjerkman?", "Marianne Jansson Bjerkman", "+47 924 14 854"),
    ]:
        answer = seed_engine.ask(question)
        assert not answer.abstained and name in answer.answer and answer.answer.endswith(number), question
        assert len(answer.citations) > 2  # the entry's lines, not the number alone
        check_citations(seed_engine, answer)
    assert "eli.haugerud@smartinnovationnorway.com" in seed_engine.ask("Hvordan kan jeg kontakte Eli Haugerud?").answer
    # Nobody's entry names Mydske: his is not given, and nobody else's number stands for it.
    assert seed_engine.ask("Hvordan kan jeg kontakte Kjell Reidar Mydske?").abstained


def test_who_took_a_picture_is_answered_with_its_credit(seed_engine):
    # «Inge Michael Bilet og Eli Haugerud» heads a caption that ends «FOTO: Anja Lillerud».
    for question in ("Hvem tok bildet av Bilet og Haugerud?", "Who took the photo of Inge Michael Bilet?"):
        answer = seed_engine.ask(question)
        assert answer.answer == "FOTO: Anja Lillerud", question
        assert answer.short_answer["text"] == "Anja Lillerud"
        check_citations(seed_engine, answer)
    # No caption names Mydske: no credit is his photographer's.
    assert seed_engine.ask("Hvem tok bildet av Kjell Reidar Mydske?").abstained


def test_nynorsk_and_english(seed_engine):
    nn = seed_engine.ask("Kven er administrerande direktør i Smart Innovation Norway?")
    en = seed_engine.ask("How many politicians took part in the meeting?")
    assert "Kjell Reidar Mydske" in nn.answer
    # Read as «Hvem leder …?»: in nynorsk the reader preferred a sentence that only names the cluster.
    assert "Marianne Jansson Bjerkman" in seed_engine.ask("Kven leiar Cluster for Applied AI?").answer
    assert not en.abstained and en.citations[0].article_id == "artikkel-5"


def test_names_missing_from_every_article_abstain(seed_engine):
    for question in ("Who is the CEO of Equinor?", "Hva sa Jonas Gahr Støre om klyngen?"):
        assert seed_engine.ask(question).abstained


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=80))
def test_any_question_gives_valid_citations_or_a_clear_error(seed_engine, question):
    try:
        answer = seed_engine.ask(question)
    except EmptyQuestion:
        assert not any(ch.isalnum() for ch in question)
        return
    check_citations(seed_engine, answer)


@pytest.mark.embedder
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hvem leder NCE SEM?", "Bilet"),
        # A count question's kind is met only by a count of what it asks about: «20 politikere»
        # (in a sentence with «klyngeavdelingen») used to win and fail the value gate.
        ("Hvor mange klynger har Smart Innovation Norway?", "tre klynger"),
        ("<img src=x onerror=alert(1)> Hvem er ny leder i NCE Smart Energy Markets?", "Bilet"),
        ("Hvem er ny leder i NCE Smart Energy Markets?", "Inge Michael Bilet"),
    ],
)
def test_reader_answers_with_verbatim_citations(seed_engine, question, expected):
    answer = seed_engine.ask(question)
    assert not answer.abstained and expected in answer.answer
    texts = {a.id: a.text for a in seed_engine.served().answerer.data.articles}
    for c in answer.citations:
        assert texts[c.article_id][c.start : c.end] == c.quote
    if answer.short_answer:
        s = answer.short_answer
        assert texts[s["article_id"]][s["start"] : s["end"]] == s["text"] and s["text"] in answer.answer


@pytest.mark.embedder
def test_reader_says_what_smart_innovation_norway_does(seed_engine):
    # «gjør» in the question no longer pulls «Europa gjør det, og Smart Innovation Norway gjør det.»
    answer = seed_engine.ask("Hva gjør Smart Innovation Norway?")
    assert not answer.abstained and "gjør det" not in answer.answer
    assert "Smart Innovation Norway" in answer.answer


@pytest.mark.embedder
def test_a_pronoun_answer_quotes_the_sentence_that_names_the_person(seed_engine):
    # «1. oktober 2022 rykket han opp til leder …» — «han» is named three sentences earlier
    answer = seed_engine.ask("Hvem leder NCE SEM?")
    first, last = answer.citations
    assert "Inge Michael Bilet" in first.quote and "rykket han opp" in last.quote
    assert answer.answer == first.quote + GAP + last.quote  # not neighbours: quoted apart
    assert answer.short_answer["text"] == "Inge Michael Bilet"
    assert first.start <= answer.short_answer["start"] < first.end
    assert answer.answer[slice(*answer.short_answer_span())] == "Inge Michael Bilet"


@pytest.mark.embedder
def test_an_answer_naming_the_person_asked_for_takes_no_referent(seed_engine):
    # «På årsmøtet i juni ble Mette Fritsch valgt …, i perioden hun har hendene på roret.»: the
    # «hun» is Fritsch herself, so no earlier sentence (once: the Cluster for Applied AI one) joins
    answer = seed_engine.ask("Hvem ble valgt til konstituert leder av NCE Smart Energy Markets?")
    assert len(answer.citations) == 1 and "Mette Fritsch valgt" in answer.answer
    assert answer.short_answer["text"] == "Mette Fritsch"


@pytest.mark.embedder
def test_reader_abstains_on_a_value_the_articles_do_not_hold(seed_engine):
    assert seed_engine.ask("Hvor gammel er Marianne Jansson Bjerkman?").abstained  # her name is there, her age is not


@pytest.mark.embedder
def test_reader_abstains_on_a_question_the_articles_do_not_hold(seed_engine):
    assert seed_engine.ask("Hvem vant fotball-VM i 1994?").abstained


# The questions staff asked about the shipped articles that the reader is to answer (the span
# reader's issue): strict xfails where the product is still wrong, so a fix shows.
@pytest.mark.xfail(strict=True, reason="abstains: the sentence picker reads Völur only as a name")
def test_what_is_volur(seed_engine):
    answer = seed_engine.ask("Hva er Völur?")
    assert not answer.abstained and "Völur" in answer.answer


@pytest.mark.xfail(strict=True, reason="quotes «har overtatt som klyngeleder», which holds no date")
def test_when_bilet_became_cluster_leader(seed_engine):
    assert "1. oktober 2022" in (seed_engine.ask("Når ble Inge Michael Bilet klyngeleder?").answer or "")


@pytest.mark.xfail(strict=True, reason="quotes a sentence listing partner companies")
def test_which_clusters_smart_innovation_norway_has(seed_engine):
    answer = seed_engine.ask("Hvilke klynger har Smart Innovation Norway?").answer or ""
    assert "Cluster for Applied AI" in answer and "DECOM" in answer


@pytest.mark.xfail(strict=True, reason="quotes a sentence about the export council without the goal")
def test_the_governments_export_goal(seed_engine):
    assert "50 prosent" in (seed_engine.ask("Hva er eksportmålet til regjeringen?").answer or "")


@pytest.mark.xfail(strict=True, reason="quotes a sentence about Bilet, marking him as the short answer")
def test_who_eli_haugerud_is(seed_engine):
    answer = seed_engine.ask("Hvem er Eli Haugerud?")
    assert not answer.abstained and (answer.short_answer or {}).get("text") != "Inge Michael Bilet"


@pytest.mark.xfail(strict=True, reason="answers with the leader of NCE Smart Energy Markets")
def test_the_decom_clusters_leader_is_not_in_the_articles(seed_engine):
    assert seed_engine.ask("Hvem leder DECOM-klyngen?").abstained


def test_a_question_naming_its_own_subject_is_a_new_topic(seed_engine):
    history = ["Hvem er Mette Fritsch?", "Hvor lenge var hun nestleder?"]
    answer = seed_engine.ask("Hva er Völur?", history)
    alone = seed_engine.ask("Hva er Völur?")
    assert answer.notice is None and "Fritsch" not in (answer.answer or "")
    assert (answer.answer, answer.abstained, answer.score) == (alone.answer, alone.abstained, alone.score)


def test_the_reader_reads_a_question_beside_the_embedder_and_only_one_it_answers(seed_engine):
    answerer = seed_engine.served().answerer
    original, threads = answerer.choice.reading, []

    def reading(data, question):
        threads.append(threading.current_thread().name)
        return original(data, question)

    answerer.choice.reading = reading
    try:
        answered = answerer.ask("Hvem er ny leder i NCE Smart Energy Markets?")
        unnamed = answerer.ask("Hvor gammel er han?")  # nobody named: abstains, nothing to read
    finally:
        del answerer.choice.reading
    assert not answered.abstained and "Inge Michael Bilet" in answered.answer and unnamed.abstained
    assert len(threads) == 1 and threads[0].startswith("reader-question")
