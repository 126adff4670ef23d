"""Training the reader: its data, the fine-tuning loop and the small fits."""

import numpy as np
import pytest

from rag.answering.choice import scorer_probability
from rag.reader import READER_DIR
from rag.training.finetune import choose_threshold, fit_logistic, holds


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


def test_threshold_keeps_wrong_abstentions_bounded():
    best = np.array([0.9, 0.8, 0.7, 0.2, 0.3, 0.1])
    correct = np.array([True, True, True, False, False, False])
    answerable = np.array([True, True, True, True, False, False])
    # may abstain on 1 of 4 answerable: abstains on the wrong one and both unanswerable
    assert 0.3 < choose_threshold(best, correct, answerable, max_wrong_abstain=0.25) < 0.7
    # may abstain on none: only the unanswerable one below every answerable one
    assert 0.1 < choose_threshold(best, correct, answerable, max_wrong_abstain=0.0) < 0.2


def test_answer_check_folds_case_quotes_and_dashes():
    assert holds("Målet er «Hele Norge eksporterer» – i 2030.", ["hele norge eksporterer"])
    assert not holds("Noe annet.", ["Abelia"])


def test_written_training_questions_hold_their_answers_and_are_far_from_every_held_out_gold_row():
    import re
    from pathlib import Path

    from rag.corpus import load_articles
    from rag.eval.runner import GOLD, WRITTEN, read_gold

    def flat(text):
        return " ".join(text.split()).lower()

    def words(text):
        return set(re.findall(r"\w+", text.lower()))

    shipped = load_articles(Path(__file__).parents[2] / "data" / "articles").articles
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
    from rag.training.finetune import gold_items

    texts = [a.text for a in load_articles(Path(__file__).parents[2] / "data" / "articles").articles]
    answerable = [row for row in read_gold(WRITTEN) if not row["unanswerable"]]
    items = gold_items(read_gold(WRITTEN), texts)  # the pipeline passes all rows; unanswerable ones drop out
    assert len(items) == len(answerable)
    assert all(item.positives for item in items)


@pytest.mark.embedder
def test_an_adapter_trained_from_another_starts_from_its_weights_and_each_step_is_reported(tmp_path, models_dir):
    from safetensors.torch import load_file

    from rag.training.finetune import Item, train_adapter

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
