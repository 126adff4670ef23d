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
