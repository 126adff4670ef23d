from hypothesis import given
from hypothesis import strategies as st

from rag.norwegian import compound_parts, split_sentences, stem, terms, to_bokmal, zipf


def test_compound_query_meets_compound_text():
    assert "eksport" in terms("eksportmuligheter")
    assert set(terms("strømnettet")) & set(terms("nettet"))
    assert compound_parts("klyngeleder") == ("klynge", "leder")


def test_common_words_are_not_split():
    assert compound_parts("muligheter") == ()
    assert compound_parts("leder") == ()


def test_stopwords_and_question_words_are_dropped():
    assert terms("Hvem er det som er leder?") == terms("leder")
    # «gjør» stands in for the activity asked about; the answer rarely repeats it
    assert terms("Hva gjør Smart Innovation Norway?") == terms("Smart Innovation Norway")


def test_sentences_respect_abbreviations_and_dates():
    text = "Han begynte 1. mai 2020 hos oss, bl.a. som rådgiver. Hun kom etter.\nOverskrift\nSiste setning!"
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == [
        "Han begynte 1. mai 2020 hos oss, bl.a. som rådgiver.",
        "Hun kom etter.",
        "Overskrift",
        "Siste setning!",
    ]


def test_clock_times_counts_and_initials_do_not_end_a_sentence():
    text = (
        "Politiet opplyste kl. 19.33 at det brant. Gården (gnr. 108) er gammel. "
        "Dikteren H.C. Andersen kom. Han bodde i USA. Det var i 602 f.Kr. Neste."
    )
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Politiet opplyste kl. 19.33 at det brant.",
        "Gården (gnr. 108) er gammel.",
        "Dikteren H.C. Andersen kom.",
        "Han bodde i USA.",
        "Det var i 602 f.Kr.",
        "Neste.",
    ]


def test_a_short_label_line_and_the_line_under_it_are_one_sentence():
    text = "KONTAKT:\n\nEli Haugerud\nTelefon:\n+47 995 44 711\nFAKTA:\n\n• Punkt.\nDette er en lang innledning med mange ord:\nneste linje"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "KONTAKT:",
        "Eli Haugerud",
        "Telefon:\n+47 995 44 711",
        "FAKTA:",
        "• Punkt.",
        "Dette er en lang innledning med mange ord:",
        "neste linje",
    ]


@given(st.text(alphabet=st.sampled_from(list("abc ÆØå.!?:\n\t–«»1")), max_size=300))
def test_sentence_spans_are_ordered_trimmed_and_inside(text):
    spans = split_sentences(text)
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        last = end
    assert "".join("".join(text[s:e].split()) for s, e in spans) == "".join(text.split())


def test_zipf_table_keeps_what_any_rule_can_tell_apart():
    import wordfreq

    from rag.answering.terms import word_weight

    common, rare = [], []
    for word in list(wordfreq.get_frequency_dict("nb"))[::997]:
        (common if wordfreq.zipf_frequency(word, "nb") >= 2.0 else rare).append(word)
    assert common and rare
    assert all(abs(zipf(w) - wordfreq.zipf_frequency(w, "nb")) < 0.01 for w in common)
    # below Zipf 2 a word weighs like an unknown one and is never a compound part (needs 2.5)
    assert all(zipf(w) == 0.0 and word_weight(w) == word_weight("qxzqxzq") == 5.0 for w in rare)


def test_nynorsk_questions_are_written_in_bokmal_for_the_embedders():
    assert to_bokmal("Kven leiar Cluster for Applied AI?") == "Hvem leder Cluster for Applied AI?"
    assert to_bokmal("Kva heiter den administrerande direktøren?") == "Hva heter den administrerende direktøren?"
    assert to_bokmal("Kor mange politikarar var med?") == "Hvor mange politikere var med?"
    for unchanged in (
        "Hvem er ny leder i NCE Smart Energy Markets?",
        "Who leads the AI cluster, and is there no one else?",
    ):
        assert to_bokmal(unchanged) == unchanged


def test_the_forms_of_an_er_noun_share_a_stem():
    for forms in (
        ("politiker", "politikere", "politikerne", "politikernes"),
        ("leder", "ledere", "lederne", "lederen"),
        ("skuespiller", "skuespillere", "skuespillerne", "skuespilleren"),
    ):
        assert len({stem(f) for f in forms}) == 1, forms
    assert "politik" in terms("Viken-politikerne") and "politik" in terms("cirka 20 politikere")
    assert stem("leder") != stem("lese") and stem("fler") == "fler"
