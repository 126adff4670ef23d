"""The training pipeline: which questions each fold adapter trains on."""


def test_every_training_question_gets_a_fold_adapter_that_never_trained_on_it():
    from rag.training.finetune import Item
    from rag.training.pipeline import fold_split

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


def test_serving_code_never_imports_the_training_code():
    import subprocess
    import sys

    code = (
        "import sys, rag.answering, rag.reader, rag.index, rag.cli, rag.eval.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith('rag.training')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_span_stages_rows_for_fewer_reads_are_recomputed_from_the_kept_ones():
    import numpy as np

    from rag.answering.choice import SPAN_FEATURES
    from rag.training.pipeline import span_table

    # Two questions, three candidates read each (best first by the scorer), as kept in span_data.npz.
    select = np.array([3.0, 2.0, 1.0, 5.0, 4.0, 0.0])
    spans = np.array([[1.0, 0.0], [4.0, -1.0], [9.0, 0.0], [0.0, -2.0], [2.0, 0.0], [7.0, 0.0]])
    group, rank = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1, 2, 0, 1, 2])
    y = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 1.0])
    x, labels, groups = span_table(select, spans, group, rank, y, reads=2)
    assert groups.tolist() == [0, 0, 1, 1] and labels.tolist() == [0.0, 1.0, 0.0, 0.0]
    column = {name: x[:, i].tolist() for i, name in enumerate(SPAN_FEATURES)}
    # Gaps are to the best among the two read, not among the three kept.
    assert column["select_gap"] == [0.0, -1.0, 0.0, -1.0]
    assert column["span_gap"] == [-3.0, 0.0, -2.0, 0.0]
    assert column["span"] == [1.0, 4.0, 0.0, 2.0] and column["span_lead"] == [0.0, -1.0, -2.0, 0.0]


def test_passage_ids_are_the_article_ids_load_norquad_gives(tmp_path):
    import json

    from rag.eval.norquad import load_norquad, passage_ids

    def para(context, n):
        return {"context": context, "qas": [{"id": str(n), "question": f"Spørsmål {n}?", "answers": [{"text": "a"}]}]}

    squad = {
        "data": [{"paragraphs": [para("Tittel\nFørste.", 1), para("Andre.", 2)]}, {"paragraphs": [para("Andre.", 3)]}]
    }
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad), encoding="utf-8")
    ids = passage_ids(path)
    assert ids == {"Tittel\nFørste.": "nq-0001", "Andre.": "nq-0002"}
    _, golds = load_norquad(path)
    assert [g["article_id"] for g in golds] == ["nq-0001", "nq-0002", "nq-0002"]


def test_the_span_stage_learns_to_prefer_the_candidate_the_span_reader_rates(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import numpy as np

    from rag.answering.candidates import FEATURES
    from rag.answering.choice import span_features
    from rag.training import pipeline

    # 40 questions; the scorer's first candidate holds the answer in 10 of them, and the one the
    # span reader rates highest (often the second) always does. Rows as `span_rows` gives them.
    rng = np.random.default_rng(0)
    labels, table = [], {}
    for n in range(40):
        y = np.zeros(4)
        right = 0 if n % 4 == 0 else 1
        y[right] = 1.0
        spans = np.column_stack([rng.normal(0, 1, 4), -np.abs(rng.normal(0, 1, 4))])
        spans[right] = (5.0, 0.0)
        labels.append(y)
        table[n] = span_features(np.array([3.0, 2.5, 2.0, 1.0]), spans)

    def fake_span_rows(data, read, found, select, span_reader, hidden, reads, lead):
        assert lead == np.inf  # training keeps every read; the skip is applied to the kept ones
        rows = table[read][:reads]
        return np.arange(len(rows)), span_features(rows[:, 0], rows[:, [2, 3]]), [None] * len(rows)

    monkeypatch.setattr(pipeline, "span_rows", fake_span_rows)
    width = len(FEATURES)
    scorer = {"mean": [0.0] * width, "scale": [1.0] * width, "coef": [0.0] * width, "bias": 0.0}
    found = SimpleNamespace(rows=np.zeros((4, width)))
    contexts = [(SimpleNamespace(data=None), n, found, None, frozenset()) for n in range(40)]
    asked = np.ones(40, dtype=bool)
    model, dev = pipeline._fit_span_stage(
        contexts, labels, asked, scorer, None, tmp_path, lambda label: lambda done, total: None
    )
    assert dev["questions"] == 40 and dev["positive_among_read"] == 1.0
    assert dev["hit_scorer_alone"] == 0.25 and dev["hit_in_sample"] == 1.0 and dev["hit_5_fold"] == 1.0
    assert dev["second_read_skipped"] == 0.0  # the first leads by 0.5: both are read
    # Where the scorer's first leads by more than SPAN_SKIP_LEAD, it is chosen unread against
    # the second, as served: the hit counts the first's label, whatever the model would pick.
    for n in range(0, 40, 2):
        table[n] = span_features(np.array([9.0, 2.5, 2.0, 1.0]), table[n][:, [2, 3]])
    _, dev = pipeline._fit_span_stage(
        contexts, labels, asked, scorer, None, tmp_path, lambda label: lambda done, total: None
    )
    assert dev["second_read_skipped"] == 0.5
    assert dev["hit_in_sample"] == 0.75  # the 10 led by a first that is right, and the 20 read both
    assert set(np.load(tmp_path / "span_data.npz").files) == {"select", "spans", "group", "rank", "y"}
