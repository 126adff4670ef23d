"""Quoting: what is quoted around the chosen sentence."""

import pytest

from rag.answering.quoting import needs_referent, referent_of


def test_a_quote_led_by_a_pronoun_carries_its_referent(answerer_over):
    answerer, sid = answerer_over(
        {
            "sitat": "Kari Nordmann leder klyngen. – Hun har lang erfaring fra bransjen. "
            "– Det er et godt år, sier hun. Klyngen har et nytt prosjekt. Her er målet å kutte utslipp.",
            "english": "Jane Doe leads the cluster. Her team has grown in the last year.",
        },
    )
    data = answerer.data
    assert needs_referent(data, sid["– Hun har lang erfaring fra bransjen."], None)
    assert not needs_referent(data, sid["– Det er et godt år, sier hun."], None)
    # Norwegian «her» is «here»: the sentence leans on no person quoted before it.
    assert not needs_referent(data, sid["Her er målet å kutte utslipp."], None)
    assert needs_referent(data, sid["Her team has grown in the last year."], None)
    assert referent_of(data, sid["Her team has grown in the last year."]) == sid["Jane Doe leads the cluster."]


@pytest.mark.embedder
def test_hun_points_at_the_nearest_quoted_person_past_a_photo_credit_and_an_organisation(seed_engine):
    answerer = seed_engine.served().answerer
    data = answerer.data
    hun = next(s for s in range(len(data.sentences)) if data.sentence_text(s).startswith("Hun har lang fartstid"))
    assert data.sentence_text(hun - 1) == "FOTO: Privat/Mari Kristine Buckholm"  # what stands just before
    referent = referent_of(data, hun)
    assert "Mette Fritsch" in data.sentence_text(referent)  # «… forteller Fritsch» elsewhere in the article
    between = " ".join(data.sentence_text(s) for s in range(referent + 1, hun))
    assert "Cluster for Applied AI" in between  # a nearer name, but not a person's


def test_a_credit_line_is_never_a_pronouns_referent(answerer_over):
    answerer, sid = answerer_over(
        {"kreditt": "Kari Nordmann leder klyngen. Fotograf: Ola Hansen. Hun har lang erfaring fra bransjen."}
    )
    hun = sid["Hun har lang erfaring fra bransjen."]
    assert referent_of(answerer.data, hun) == sid["Kari Nordmann leder klyngen."]


class _FakeSpanReader:
    """Marks the first occurrence of `target` in the text it is given."""

    def __init__(self, target: str):
        self.target = target

    def span(self, question: str, text: str):
        at = text.find(self.target)
        return (at, at + len(self.target)) if at >= 0 else None


def test_the_span_readers_answer_is_mapped_back_to_its_run_of_the_article():
    from rag.answering.analysis import analyse
    from rag.answering.quoting import GAP, _read_span, _trimmed

    body = "Kari Nordmann leder klyngen. Det regner. Klyngen ble startet i 2019."
    parts = [(0, 28), (41, len(body))]  # two runs, quoted with GAP between
    asked = analyse("Når ble klyngen startet?")

    def read(target, runs=parts):
        found = _read_span(_FakeSpanReader(target), asked, runs, GAP.join(body[a:b] for a, b in runs))
        return found and _trimmed(body, *found)

    assert body[slice(*read("i 2019."))] == "i 2019"  # no full stop
    assert body[slice(*read("Kari"))] == "Kari"
    assert body[slice(*read(" Det regner", [(0, 40)]))] == "Det regner"
    assert read("klyngen." + GAP + "Klyngen") is None  # across runs
    assert read("Oslo") is None


class _NoSecondReading:
    def span(self, question: str, text: str):
        raise AssertionError("read again")


def test_a_one_sentence_quote_takes_the_span_the_span_stage_read_and_a_longer_one_is_read(answerer_over):

    from rag.answering.analysis import analyse
    from rag.answering.choice import Decision
    from rag.answering.quoting import quote

    sentences = ["Klyngen ble startet i 2019.", "Den har tolv partnere."]
    answerer, sid = answerer_over({"klynge": " ".join(sentences)})
    data, best = answerer.data, sid[sentences[0]]
    start = data.sentences[best][1]
    asked = analyse("Når ble klyngen startet?")
    decision = Decision(best, 0.9, True, mark=(start + 22, start + 27))
    _, _, short = quote(data, asked, decision, _NoSecondReading())
    assert short["text"] == "2019"  # the stage's «2019.», without the full stop
    # Another sentence the span stage rated nearly as high joins the quote: read again.
    decision = Decision(best, 0.9, True, mark=(start + 22, start + 27), close=(sid[sentences[1]],))
    _, _, short = quote(data, asked, decision, _FakeSpanReader("tolv"))
    assert short["text"] == "tolv"


def test_a_sentence_the_span_stage_rated_nearly_as_high_is_quoted_with_the_chosen_one_in_its_article(answerer_over):

    from rag.answering.analysis import analyse
    from rag.answering.choice import Decision
    from rag.answering.quoting import GAP, quote

    first = ["Klyngen ble startet i 2019.", "Det regnet hele dagen.", "Den har tolv partnere."]
    answerer, sid = answerer_over({"klynge": " ".join(first) + " FOTO: Ola Hansen", "annen": "Været var fint i 2019."})
    data, best = answerer.data, sid[first[2]]
    asked = analyse("Når ble klyngen startet?")
    decision = Decision(best, 0.9, True, close=(sid[first[0]],))
    text, citations, _ = quote(data, asked, decision, _FakeSpanReader("2019"))
    # In article order, with the gap between them marked; each sentence cited at its place.
    assert text == first[0] + GAP + first[2]
    assert [c.quote for c in citations] == [first[0], first[2]]
    for c in citations:
        article = data.articles[data.article_index[c.article_id]]
        assert article.text[c.start : c.end] == c.quote
    # One in another article stays out: a quote is one article's.
    decision = Decision(best, 0.9, True, close=(sid["Været var fint i 2019."],))
    text, citations, _ = quote(data, asked, decision, _FakeSpanReader("tolv"))
    assert text == first[2] and len(citations) == 1
    # Nor does a photo credit.
    decision = Decision(best, 0.9, True, close=(sid["FOTO: Ola Hansen"],))
    assert quote(data, asked, decision, _FakeSpanReader("tolv"))[0] == first[2]


def test_a_hvem_questions_name_is_the_rules_where_it_is_a_persons_or_inside_the_span_readers(answerer_over):
    from rag.answering.analysis import analyse
    from rag.answering.choice import Decision
    from rag.answering.quoting import quote

    sentences = {
        "person": "Kari Nordmann leder Cluster for Applied AI fra Halden.",
        "inside": "Abelia, NHOs forening for teknologibedrifter, sendte innspillet.",
        "outside": "Cape Town ble grunnlagt av Det nederlandske ostindiske kompani.",
    }
    answerer, sid = answerer_over({name: text for name, text in sentences.items()})
    data = answerer.data

    def short(name: str, question: str, span_target: str | None):
        best = sid[sentences[name]]
        reader = _FakeSpanReader(span_target) if span_target else _FakeSpanReader("\x00")
        return (quote(data, analyse(question), Decision(best, 0.9, True), reader)[2] or {}).get("text")

    # A person's name (a known first name) stays the rules' whatever the span reader reads.
    assert short("person", "Hvem leder klyngen?", "Cluster for Applied AI") == "Kari Nordmann"
    # Not a person's: the rules' where it lies inside the span reader's answer ...
    assert short("inside", "Hvem sendte innspillet?", "Abelia, NHOs forening for teknologibedrifter") == "Abelia"
    # ... else the span reader's; and the rules' where the span reader finds nothing.
    assert short("outside", "Hvem grunnla byen?", "Det nederlandske ostindiske kompani") == (
        "Det nederlandske ostindiske kompani"
    )
    assert short("outside", "Hvem grunnla byen?", None) == "Cape Town"


def test_a_pronoun_answer_quoted_with_another_sentence_still_brings_its_referent(answerer_over):
    from rag.answering.analysis import analyse
    from rag.answering.choice import Decision
    from rag.answering.quoting import GAP, quote

    s = [
        "– Vi vokser, sier Kari Nordmann.",
        "Været var fint.",
        "– Hun har lang erfaring fra bransjen.",
        "Den har tolv partnere.",
    ]
    answerer, sid = answerer_over({"klynge": " ".join(s)})
    decision = Decision(sid[s[2]], 0.9, True, close=(sid[s[3]],))
    text, citations, _ = quote(answerer.data, analyse("Hvem har lang erfaring?"), decision)
    assert text == s[0] + GAP + s[2] + " " + s[3] and len(citations) == 3
