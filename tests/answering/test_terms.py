"""Weighted terms and coverage. Quick tier."""

from rag.answering.terms import coverage, stem_bigrams, weighted_terms, word_weight


def test_rare_words_weigh_more_and_coverage_counts_their_weight():
    terms = weighted_terms("Hvem leder Völur-klyngen?")
    assert word_weight("og") == 1.0 and word_weight("völur") == 5.0  # the commonest words, an unknown one
    assert terms["völur"] > terms["led"]
    assert coverage(terms, "Völur er med.") > coverage(terms, "Han leder arbeidet.") > 0.0
    assert coverage(terms, "Völur-klyngen ledes av Kari.") > coverage(terms, "Völur er med.")
    assert coverage({}, "Hva som helst.") == 0.0


def test_stem_bigrams_skip_stopwords():
    assert stem_bigrams("Smart Innovation Norway leder klyngene") == {
        ("smart", "innovation"),
        ("innovation", "norway"),
        ("norway", "led"),
        ("led", "klyng"),
    }
