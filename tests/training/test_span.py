"""The span reader's training: SQuAD windows, and a short run that saves what serving loads."""

from __future__ import annotations

import json
import random

import pytest

from rag.training.span import squad_rows

CONTEXT = "Kari Nordmann leder klyngen i Halden. Klyngen ble startet i 2019 av fire bedrifter."
SQUAD = {
    "data": [
        {
            "paragraphs": [
                {
                    "context": CONTEXT,
                    "qas": [
                        {
                            "id": "1",
                            "question": "Hvem leder klyngen?",
                            "answers": [{"text": "Kari Nordmann", "answer_start": 0}],
                        },
                        {
                            "id": "2",
                            "question": "Når ble klyngen startet?",
                            "answers": [{"text": "2019", "answer_start": 60}],
                        },
                        {"id": "3", "question": "Hva er umulig?", "answers": [], "is_impossible": True},
                    ],
                }
            ]
        }
    ]
}


def test_squad_rows_keep_the_answerable_questions(tmp_path):
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    rows = squad_rows(path)
    assert [r["question"] for r in rows] == ["Hvem leder klyngen?", "Når ble klyngen startet?"]
    assert CONTEXT[60:64] == "2019"


@pytest.mark.embedder
def test_windows_label_the_answer_tokens_and_a_short_run_saves_what_serving_loads(tmp_path, models_dir):
    from rag.span import SpanReader
    from rag.training.span import hf_tokenizer, train_span_reader, windows

    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    tokenizer = hf_tokenizer(models_dir)
    data = windows(tokenizer, squad_rows(path), max_len=24, stride=8, others=1.0, rng=random.Random(1))
    labelled = [
        tokenizer.decode(ids[s : e + 1])
        for ids, s, e in zip(data["input_ids"], data["start_positions"], data["end_positions"])
        if s
    ]
    assert {"Kari Nordmann", "2019"} <= {t.strip() for t in labelled}
    assert 0 in data["start_positions"]  # a window without the answer learns "not here"
    out = tmp_path / "span_model"
    report = train_span_reader(
        path, models_dir, out, held_out=path, log=lambda _: None, recipe={"epochs": 1, "batch": 2}
    )
    assert (out / "adapter_model.safetensors").is_file() and report["held_out"]["questions"] == 2
    assert json.loads((out / "span.json").read_text())["recipe"]["epochs"] == 1
    reader = SpanReader(models_dir, out)
    found = reader.span("Hvem leder klyngen?", CONTEXT)
    assert found is not None and 0 <= found[0] < found[1] <= len(CONTEXT)
