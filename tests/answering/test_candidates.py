"""The candidate sentences and their features."""

import numpy as np
import pytest

from rag.answering.analysis import analyse
from rag.answering.candidates import FEATURES, Candidates, gather, query_terms, reader_context, without
from rag.answering.context import window
from rag.answering.rules import READER_EXTRA, READER_POOL
from rag.answering.terms import coverage


def test_an_english_question_is_matched_on_its_names_only(seed_engine):
    answerer = seed_engine.served().answerer

    def query(question):
        vector = answerer.embedder.embed_queries([question])[0]
        hits = answerer.retriever.search(question, vector, k=6)
        found = gather(answerer.data, analyse(question), vector, hits, depth=6)
        assert found.query == query_terms(analyse(question), answerer.data.bm25.vocab_dict)
        return found.query

    assert query("How many politicians took part in the meeting?") == {}  # «part» is in the articles, by chance
    named = query("What did TotalCtrl reduce?")
    assert "totalctrl" in named and not {"what", "did", "reduc"} & set(named)


def test_reader_context_reads_the_closer_neighbour_in_the_same_article(answerer_over):
    answerer, sid = answerer_over(
        {
            "nabo": "Prisen ble delt ut i går. Vinneren ble Kari Nordmann. Hun fikk en pokal.",
            "neste": "Klyngen vokser raskt. Den har nå femti partnere.",
        },
    )
    data = answerer.data
    prize, winner, cup = sid["Prisen ble delt ut i går."], sid["Vinneren ble Kari Nordmann."], sid["Hun fikk en pokal."]
    grows, partners = sid["Klyngen vokser raskt."], sid["Den har nå femti partnere."]
    assert cup + 1 == grows  # the two articles follow each other in the index
    vectors = np.eye(len(data.sentences), dtype=np.float32)  # one direction per sentence
    question = vectors[winner] + 0.7 * vectors[cup]
    ids = [prize, winner, cup, grows, partners]
    got = reader_context(data, ids, (vectors, question))
    # prize and cup stand beside the winner; the winner beside prize (0) and cup (0.7);
    # «Klyngen vokser raskt.» follows the cup sentence, but in another article.
    assert np.allclose(got, [1.0, 0.7, 1.0, 0.0, 0.0])
    # A hidden neighbour is not read; a sentence left with none reads its own cosine.
    got = reader_context(data, ids, (vectors, question), hidden=frozenset({winner}))
    assert np.allclose(got, [0.0, 0.7, 0.7, 0.0, 0.0])
    # Taking the winner out: the gap and the neighbour column are read among what is left,
    # and the lexical context of its neighbours no longer holds its words.
    reading = (vectors, question)
    asked = analyse("Hvem vant Kari Nordmann?")
    query = asked.terms
    rows = np.zeros((len(ids), len(FEATURES)))
    rows[:, 0] = vectors[ids] @ question
    rows[:, FEATURES.index("context")] = 1.0
    left = without(data, Candidates(ids, rows, query), asked, reading, frozenset({winner}))
    left, got = left.ids, left.rows
    assert left == [prize, cup, grows, partners]
    assert np.allclose(got[:, 1], [-0.7, 0.0, -0.7, -0.7])
    assert np.allclose(got[:, FEATURES.index("reader_rank")], [1 / 2, 1.0, 1 / 3, 1 / 4])  # ties keep their order
    assert np.allclose(got[:, FEATURES.index("reader_context")], [0.0, 0.7, 0.0, 0.0])
    context = got[:, FEATURES.index("context")]
    assert context[0] == coverage(query, "Prisen ble delt ut i går.") < coverage(query, window(data, prize))
    assert context[1] == coverage(query, "Hun fikk en pokal.") < coverage(query, window(data, cup))


@pytest.mark.embedder
def test_the_readers_best_sentences_in_lower_chunks_are_candidates(seed_engine):
    # «Smart Innovation Norway» and «klynge» stand in most chunks, so the chunk that says
    # «Smart Innovation Norways tre klynger» ranks far down; the reader finds the sentence.
    answerer = seed_engine.served().answerer
    question = "Hvor mange klynger har Smart Innovation Norway?"
    vector = answerer.embedder.embed_queries([question])[0]
    hits = answerer.retriever.search(question, vector, k=READER_POOL)
    asked = analyse(question)
    reading = answerer.choice.reading(answerer.data, asked)
    plain = gather(answerer.data, asked, vector, hits, depth=6).ids
    found = gather(answerer.data, asked, vector, hits, depth=6, reading=reading)
    ids, rows = found.ids, found.rows
    added = [n for n, s in enumerate(ids) if s not in plain]
    assert 0 < len(added) <= READER_EXTRA
    assert all(rows[n, FEATURES.index("chunk_rank")] == 0.0 for n in added)
    assert any("tre klynger" in answerer.data.sentence_text(ids[n]) for n in added)
    assert not any("tre klynger" in answerer.data.sentence_text(s) for s in plain)
    reader, gap = rows[:, FEATURES.index("reader")], rows[:, FEATURES.index("reader_gap")]
    cosines = np.asarray(reading[0][np.asarray(ids)], dtype=np.float32) @ reading[1]
    assert np.allclose(reader, cosines, atol=1e-6) and np.allclose(gap, reader - reader.max())
    rank = rows[:, FEATURES.index("reader_rank")]
    assert rank[np.argmax(reader)] == 1.0 and np.allclose(np.sort(1 / rank), np.arange(1, len(ids) + 1))
