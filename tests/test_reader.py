"""The trained reader: what ships, what loading checks, and an index built with another one."""

from __future__ import annotations

import json
import shutil

import pytest

from rag.answering import CONFIDENCE, CROSSLINGUAL, FEATURES, MONOLINGUAL
from rag.answering.choice import SPAN_FEATURES
from rag.reader import READER_DIR, ReaderError, load_config
from rag.span import SPAN_DIR


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
    assert config["held_out"]["norquad_validation_acc_at_1_in_context"] > 0.5
    assert config["data"]["synthetic_questions"] > 0
    assert config["data"]["written_questions"] == len(read_gold(WRITTEN))  # trained with the file as shipped
    assert (READER_DIR / "adapter_model.safetensors").stat().st_size < 10_000_000
    # The span stage learned beside the span reader that ships (`rag reader train` after `train-span`).
    assert len(config["scorer"]["span"]["select"]) == len(SPAN_FEATURES)
    span = json.loads((SPAN_DIR / "span.json").read_text(encoding="utf-8"))
    assert config["span_adapter_sha256_12"] == span["adapter_sha256_12"]


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
        no_gold=False,
        gold=gold,
        gold_half="all",
        norquad=None,
        baseline=None,
        ablation=False,
        out=tmp_path / "out",
        same_answers_as=None,
    )
    assert run_eval(args, settings, Engine, lambda _: None) == 0
    assert "bygger den på nytt" in capsys.readouterr().err
    current = IndexRoot(settings.index_dir).current()
    assert json.loads((current / "manifest.json").read_text())["reader"]["id"] == reader_id
    assert json.loads((tmp_path / "out" / "report.json").read_text())["gold"]["overall"]["hit"] == 1.0
