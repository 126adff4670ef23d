"""The trained reader: smalltalk, the learned scorer, and answers on the shipped corpus."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from rag.answering import (
    CONFIDENCE,
    CROSSLINGUAL,
    FEATURES,
    GAP,
    MONOLINGUAL,
    READER_EXTRA,
    READER_POOL,
    answer_probability,
    scorer_probability,
)
from rag.reader import READER_DIR, ReaderError, load_config
from rag.reader_training import choose_threshold, fit_logistic, holds
from rag.smalltalk import smalltalk_reply


@pytest.mark.parametrize("message", ["Takk!", "Hei", "hei!", "Hva kan du?", "Tusen takk for hjelpen", "Hvem er du?"])
def test_greetings_thanks_and_questions_about_the_bot_get_a_reply(message):
    assert smalltalk_reply(message)


@pytest.mark.parametrize(
    "message",
    ["Hei, hvem leder CAAI?", "Hvem er ny leder i NCE Smart Energy Markets?", "Takk til hvem?", "Hva er CAAI?"],
)
def test_questions_are_not_smalltalk(message):
    assert smalltalk_reply(message) is None


def test_pasted_markup_is_dropped_from_a_question():
    from rag.questions import clean_question

    assert clean_question("<img src=x onerror=alert(1)> Hvem leder CAAI?")[0] == "Hvem leder CAAI?"
    assert clean_question("Er 3 < 5 og 7 > 2?")[0] == "Er 3 < 5 og 7 > 2?"


def test_smalltalk_is_answered_without_search(fake_settings):
    from rag.index import Engine, run_build

    run_build(fake_settings)
    answer = Engine(fake_settings).ask("Takk!")
    assert answer.kind == "smalltalk" and not answer.abstained
    assert answer.citations == () and answer.passages == ()
    assert "artikl" in answer.answer
    from rag.cli import format_answer

    assert format_answer(answer) == answer.answer  # no empty source list


def test_logistic_scorer_learns_and_is_calibrated():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] + rng.normal(scale=0.5, size=2000) > 0).astype(float)
    scorer = fit_logistic(x, y)
    p = scorer_probability(scorer, x)
    assert ((p > 0.5) == (y > 0.5)).mean() > 0.85
    assert scorer["coef"][0] > 0 > scorer["coef"][1] and abs(scorer["coef"][2]) < 0.3
    assert abs(p.mean() - y.mean()) < 0.02  # calibrated on average
    # A column left out gets no weight, the others still learn; its standardisation is kept.
    without = fit_logistic(x, y, leave_out=(1,))
    assert without["coef"][1] == 0.0 and without["coef"][0] > 0
    assert without["mean"] == scorer["mean"] and without["scale"] == scorer["scale"]
    assert ((scorer_probability(without, x) > 0.5) == (y > 0.5)).mean() < ((p > 0.5) == (y > 0.5)).mean()


def test_a_weighted_row_counts_as_that_many_copies():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 2))
    y = (x[:, 0] + rng.normal(size=300) > 0.3).astype(float)
    weight = rng.integers(1, 4, size=300)
    weighted = fit_logistic(x, y, weight=weight)
    repeated = fit_logistic(np.repeat(x, weight, axis=0), np.repeat(y, weight))
    for key in ("mean", "scale", "coef"):
        assert np.allclose(weighted[key], repeated[key], atol=1e-6)
    assert abs(weighted["bias"] - repeated["bias"]) < 1e-6
    assert not np.allclose(weighted["coef"], fit_logistic(x, y)["coef"], atol=1e-3)


def test_written_training_questions_hold_their_answers_and_are_far_from_every_held_out_gold_row():
    import re
    from pathlib import Path

    from rag.corpus import load_articles
    from rag.eval.runner import GOLD, WRITTEN, read_gold

    def flat(text):
        return " ".join(text.split()).lower()

    def words(text):
        return set(re.findall(r"\w+", text.lower()))

    shipped = load_articles(Path(__file__).parents[1] / "data" / "articles").articles
    seeds = flat(" ".join(a.text for a in shipped))
    written, held_out = read_gold(WRITTEN), read_gold(GOLD)[1::2]
    assert len(written) >= 100 and len({row["id"] for row in written}) == len(written)
    for row in written:
        if row["unanswerable"]:
            assert not row["answers"] and not row["evidence"]
        else:
            assert row["answers"] and all(flat(n) in seeds for n in [*row["answers"], row["evidence"]]), row["id"]
        # No rewording of a held-out question: under 40 % of their words shared.
        asked = words(row["question"])
        assert all(len(asked & words(g["question"])) < 0.4 * len(asked | words(g["question"])) for g in held_out)


def test_every_answerable_written_question_becomes_a_training_question_for_the_adapters():
    from pathlib import Path

    from rag.corpus import load_articles
    from rag.eval.runner import WRITTEN, read_gold
    from rag.reader_training import gold_items

    texts = [a.text for a in load_articles(Path(__file__).parents[1] / "data" / "articles").articles]
    answerable = [row for row in read_gold(WRITTEN) if not row["unanswerable"]]
    items = gold_items(read_gold(WRITTEN), texts)  # the pipeline passes all rows; unanswerable ones drop out
    assert len(items) == len(answerable)
    assert all(item.positives for item in items)


def test_threshold_keeps_wrong_abstentions_bounded():
    best = np.array([0.9, 0.8, 0.7, 0.2, 0.3, 0.1])
    correct = np.array([True, True, True, False, False, False])
    answerable = np.array([True, True, True, True, False, False])
    # may abstain on 1 of 4 answerable: abstains on the wrong one and both unanswerable
    assert 0.3 < choose_threshold(best, correct, answerable, max_wrong_abstain=0.25) < 0.7
    # may abstain on none: only the unanswerable one below every answerable one
    assert 0.1 < choose_threshold(best, correct, answerable, max_wrong_abstain=0.0) < 0.2


def _model(names, weights):
    return {
        "mean": [0.0] * len(names),
        "scale": [1.0] * len(names),
        "coef": [weights.get(n, 0.0) for n in names],
        "bias": 0.0,
    }


def test_a_question_for_a_value_the_sentence_lacks_gets_probability_zero():
    scorer = {"confidence": _model(MONOLINGUAL, {"probability": 1.0})}
    row = dict.fromkeys(CONFIDENCE, 1.0) | {"probability": 3.0}
    rows = np.array([[row[n] for n in CONFIDENCE], [(row | {"slot": 0.0})[n] for n in CONFIDENCE]], dtype=np.float32)
    p = answer_probability(scorer, rows)
    assert p[0] > 0.9 and p[1] == 0.0


def test_the_crosslingual_model_reads_no_word_coverage():
    scorer = {"confidence_crosslingual": _model(CROSSLINGUAL, {"reader": 4.0})}
    assert not {"probability", "focus", "passage_coverage"} & set(CROSSLINGUAL)
    row = dict.fromkeys(CONFIDENCE, 1.0)
    rows = np.array(
        [
            [(row | change)[n] for n in CONFIDENCE]
            for change in ({}, {"focus": 0.0, "passage_coverage": 0.0, "probability": 0.0}, {"reader": 0.0})
        ]
    )
    p = answer_probability(scorer, rows, crosslingual=True)
    assert p[0] == p[1] > 0.9 and p[2] == 0.5


def test_every_training_question_gets_a_fold_adapter_that_never_trained_on_it():
    from rag.reader_pipeline import fold_split
    from rag.reader_training import Item

    def item(question):
        return Item(question, ("Kari Nordmann leder klyngen.", "Det regnet."), frozenset({0}))

    items = [item(f"q{n}") for n in range(30)]
    parts, trained = fold_split(items, folds=3)

    def asked(part):
        return sorted(i.question for i in part)

    assert asked(i for part in parts.values() for i in part) == asked(items)  # each question in one part
    assert all(part for part in parts.values())
    for name, part in parts.items():
        assert not set(asked(part)) & set(asked(trained[name]))  # the fold adapter never saw its part
        assert asked(part + trained[name]) == asked(items)  # and saw everything else
    assert trained["final"] == items
    # a question that joins moves no other to another fold
    new = item("new question")
    grown, _ = fold_split([new, *items], folds=3)
    assert all([q for q in grown[name] if q != new] == part for name, part in parts.items())


@pytest.mark.embedder
def test_an_adapter_trained_from_another_starts_from_its_weights_and_each_step_is_reported(tmp_path, models_dir):
    from safetensors.torch import load_file

    from rag.reader_training import Item, train_adapter

    items = [Item("Hvem leder klyngen?", ("Kari Nordmann leder klyngen.", "Det regnet."), frozenset({0}))] * 2
    steps = []
    train_adapter(
        items,
        models_dir,
        tmp_path / "same",
        epochs=2,
        lr=0.0,
        batch=1,
        init=READER_DIR,
        log=lambda _: None,
        progress=lambda done, total: steps.append((done, total)),
    )
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]  # each step reported, against all of them
    shipped, same = (load_file(str(f / "adapter_model.safetensors")) for f in (READER_DIR, tmp_path / "same"))
    assert shipped.keys() == same.keys() and all(shipped[k].equal(same[k]) for k in shipped)
    train_adapter(
        items, models_dir, tmp_path / "moved", epochs=1, lr=1e-3, batch=2, init=READER_DIR, log=lambda _: None
    )
    moved = load_file(str(tmp_path / "moved" / "adapter_model.safetensors"))
    assert any(not shipped[k].equal(moved[k]) for k in shipped)


def test_answer_check_folds_case_quotes_and_dashes():
    assert holds("Målet er «Hele Norge eksporterer» – i 2030.", ["hele norge eksporterer"])
    assert not holds("Noe annet.", ["Abelia"])


def test_shipped_reader_records_its_provenance():
    from rag.eval.runner import WRITTEN, read_gold

    config = load_config()
    assert config["features"] == list(FEATURES)
    assert len(config["scorer"]["coef"]) == len(config["scorer"]["select"]) == len(FEATURES)
    assert config["confidence_features"] == list(CONFIDENCE)
    assert config["confidence_models"] == {"monolingual": list(MONOLINGUAL), "crosslingual": list(CROSSLINGUAL)}
    assert len(config["scorer"]["confidence"]["coef"]) == len(MONOLINGUAL)
    assert len(config["scorer"]["confidence_crosslingual"]["coef"]) == len(CROSSLINGUAL)
    assert 0.0 <= config["threshold"] < 1.0 and 0.0 <= config["threshold_crosslingual"] < 1.0
    assert config["held_out"]["norquad_odd_acc_at_1_in_context"] > 0.5
    assert config["data"]["synthetic_questions"] > 0
    assert config["data"]["written_questions"] == len(read_gold(WRITTEN))  # trained with the file as shipped
    assert (READER_DIR / "adapter_model.safetensors").stat().st_size < 10_000_000


@pytest.mark.embedder
def test_reader_refuses_an_adapter_for_another_base(tmp_path, models_dir):
    from rag.reader import Reader

    folder = tmp_path / "reader"
    shutil.copytree(READER_DIR, folder)
    config = json.loads((folder / "reader.json").read_text())
    config["base_sha256_12"] = "000000000000"
    (folder / "reader.json").write_text(json.dumps(config))
    with pytest.raises(ReaderError, match="en annen grunnmodell"):
        Reader(models_dir, folder)


def test_reader_refuses_a_scorer_fit_on_other_features(tmp_path):
    from rag.reader import Reader

    folder = tmp_path / "reader"
    shutil.copytree(READER_DIR, folder)
    config = json.loads((folder / "reader.json").read_text())
    config["features"] = config["features"][:-1]  # as a reader trained before a feature was added
    (folder / "reader.json").write_text(json.dumps(config))
    with pytest.raises(ReaderError, match="andre kjennetegn"):
        Reader(tmp_path / "no-models", folder)


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
def test_the_readers_best_sentences_in_lower_chunks_are_candidates(seed_engine):
    # «Smart Innovation Norway» and «klynge» stand in most chunks, so the chunk that says
    # «Smart Innovation Norways tre klynger» ranks far down; the reader finds the sentence.
    answerer = seed_engine.served().answerer
    question = "Hvor mange klynger har Smart Innovation Norway?"
    vector = answerer.embedder.embed_queries([question])[0]
    hits = answerer.retriever.search(question, vector, k=READER_POOL)
    reading = (answerer.data.reader_vectors, answerer.reader.embed_questions([question])[0])
    plain, _, _ = answerer.candidate_features(question, question, False, vector, hits)
    ids, rows, _ = answerer.candidate_features(question, question, False, vector, hits, reading)
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
def test_hun_points_at_the_nearest_quoted_person_past_a_photo_credit_and_an_organisation(seed_engine):
    answerer = seed_engine.served().answerer
    data = answerer.data
    hun = next(s for s in range(len(data.sentences)) if data.sentence_text(s).startswith("Hun har lang fartstid"))
    assert data.sentence_text(hun - 1) == "FOTO: Privat/Mari Kristine Buckholm"  # what stands just before
    referent = answerer._referent(hun)
    assert "Mette Fritsch" in data.sentence_text(referent)  # «… forteller Fritsch» elsewhere in the article
    between = " ".join(data.sentence_text(s) for s in range(referent + 1, hun))
    assert "Cluster for Applied AI" in between  # a nearer name, but not a person's


@pytest.mark.embedder
def test_reader_abstains_on_a_value_the_articles_do_not_hold(seed_engine):
    assert seed_engine.ask("Hvor gammel er Marianne Jansson Bjerkman?").abstained  # her name is there, her age is not


@pytest.mark.embedder
def test_reader_abstains_on_a_question_the_articles_do_not_hold(seed_engine):
    assert seed_engine.ask("Hvem vant fotball-VM i 1994?").abstained


def _index_built_with_another_reader(seed_index, tmp_path):
    """A copy of the seed index whose manifest names another reader: (its settings, the
    reader it was really built with)."""
    from dataclasses import replace

    from rag.index import IndexRoot

    built = IndexRoot(seed_index.index_dir).current()
    root = IndexRoot(tmp_path / "index")
    copy = root.builds / built.name
    shutil.copytree(built, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    reader_id = manifest["reader"]["id"]
    manifest["reader"]["id"] = "reader:an-older-one"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    root.publish(copy)
    return replace(seed_index, index_dir=root.root), reader_id


@pytest.mark.embedder
def test_an_index_built_with_another_reader_is_served_with_the_hand_rules_until_rebuilt(seed_index, tmp_path, caplog):
    from dataclasses import replace

    from rag.index import Engine
    from rag.store import IndexLoadError

    settings, _ = _index_built_with_another_reader(seed_index, tmp_path)
    engine = Engine(settings)
    answer = engine.ask("Hvem er ny leder i NCE Smart Energy Markets?")
    assert not engine.uses_reader() and "Bilet" in answer.answer
    assert "reader:an-older-one" in caplog.text and "håndreglene" in caplog.text
    with pytest.raises(IndexLoadError, match="Kjør `rag build`"):
        Engine(replace(settings, reader_chosen=True)).ask("Hei?")


def test_eval_rebuilds_an_index_built_with_another_reader_before_the_gold_set(seed_index, tmp_path, capsys):
    import argparse

    from rag.eval.cli import run_eval
    from rag.index import Engine, IndexRoot

    settings, reader_id = _index_built_with_another_reader(seed_index, tmp_path)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "g1", "question": "Hvem er ny leder i NCE Smart Energy Markets?", "answers": ["Bilet"]})
        + "\n"
    )
    args = argparse.Namespace(
        no_gold=False, gold=gold, gold_half="all", norquad=None, baseline=None, ablation=False, out=tmp_path / "out"
    )
    assert run_eval(args, settings, Engine, lambda _: None) == 0
    assert "bygger den på nytt" in capsys.readouterr().err
    current = IndexRoot(settings.index_dir).current()
    assert json.loads((current / "manifest.json").read_text())["reader"]["id"] == reader_id
    assert json.loads((tmp_path / "out" / "report.json").read_text())["gold"]["overall"]["hit"] == 1.0
