"""Training the reader (`rag reader train`): data, the fine-tuning loop, held-out scores.

Data (all rebuilt from what the repo and shared/ hold):
- NorQuAD validation, even-numbered questions (CC0): the question, the sentences of
  its context (split as the index splits articles), positives = the sentences holding
  a gold answer. The odd-numbered half is never trained or tuned on: it is the report.
- The gold set's even-numbered rows (the odd rows are its held-out part), against the
  sentences of the article holding the evidence.
- For a warm start before those: synthetic questions made by rule from the sentences of
  NorQuAD contexts that hold no held-out question (`rag.training.synthetic`).

The model: the converted multilingual-e5-small with a LoRA adapter on every attention
and feed-forward matrix (word embeddings frozen). The loss is listwise: each question
against its positive, the other sentences of its own context (hard negatives) and the
sentences of the other questions in the batch, softmax over cosine × 20.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answering.conversation import search_text
from rag.reader import PASSAGE, QUERY, base_model

SCALE = 20.0


@dataclass(frozen=True)
class Item:
    """One training or test question: its candidate sentences and which answer it."""

    question: str
    sentences: tuple[str, ...]
    positives: frozenset[int]


_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "–": "-", "—": "-"})


def fold(text: str) -> str:
    """Case, whitespace, dashes and quotes folded, for 'does this sentence hold the answer'."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).lower().split())


def holds(sentence: str, needles: list[str]) -> bool:
    hay = fold(sentence)
    return any(fold(n) and fold(n) in hay for n in needles)


def make_item(question: str, text: str, answers: list[str]) -> Item | None:
    """An Item from an article text, or None when no single sentence holds an answer."""
    from rag.chunking import ChunkerSettings, sentence_spans

    spans = sentence_spans(text, ChunkerSettings())
    sentences = tuple(text[s.start : s.end] for s in spans)
    positives = frozenset(i for i, s in enumerate(sentences) if holds(s, answers))
    if not positives or len(positives) == len(sentences):
        return None
    return Item(question, sentences, positives)


def gold_items(golds: list[dict], article_texts: list[str]) -> list[Item]:
    """Items from gold rows (answerable ones), each against the article with its evidence."""
    items = []
    for gold in golds:
        if gold.get("unanswerable"):
            continue
        needles = [n for n in [gold.get("evidence", ""), *gold.get("answers", [])] if n]
        text = next((t for t in article_texts if holds(t, needles[:1])), None)
        if text is None:
            continue
        question = search_text(gold["question"], gold.get("history", []))[0]
        item = make_item(question, text, gold.get("answers", []))
        if item:
            items.append(item)
    return items


def lora_config(rank: int = 16, alpha: int = 32, dropout: float = 0.05):
    """LoRA on every attention and feed-forward matrix of the encoder."""
    from peft import LoraConfig

    return LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=["query", "key", "value", "dense"],
        bias="none",
    )


def _seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_adapter(
    items: list[Item],
    models_dir: Path,
    out: Path,
    *,
    epochs: int = 3,
    negatives: int = 7,
    batch: int = 16,
    lr: float = 2e-4,
    rank: int = 16,
    seed: int = 13,
    device: str | None = None,
    source: Path | None = None,
    dropout: float = 0.1,
    init: Path | None = None,
    log=print,
    progress=None,
) -> None:
    """Fine-tune a LoRA adapter on `items` and save it (fp16) into `out`; `init`: an
    adapter to start from instead of a fresh one (its own rank then holds, not `rank`);
    `progress(step, steps)` after each step."""
    import torch
    from peft import PeftModel, get_peft_model

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    _seed(seed)
    model = base_model(models_dir, device=device, source=source)
    if init is None:
        peft_model = get_peft_model(model[0].model, lora_config(rank=rank, alpha=2 * rank, dropout=dropout / 2))
    else:
        peft_model = PeftModel.from_pretrained(model[0].model, str(init), is_trainable=True)
        for param in peft_model.parameters():  # saved in fp16; trained in fp32
            if param.requires_grad:
                param.data = param.data.float()
    model[0].model = peft_model
    for module in model.modules():  # the base model's own dropout (0.1 in e5); 0 trains ~1.5x faster on a CPU
        if isinstance(module, torch.nn.Dropout):
            module.p = dropout
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * ((len(items) + batch - 1) // batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps)
    )
    rng = random.Random(seed)
    model.train()
    step = 0
    for epoch in range(epochs):
        order = list(range(len(items)))
        rng.shuffle(order)
        total = 0.0
        for b in range(0, len(order), batch):
            group = [items[i] for i in order[b : b + batch]]
            questions, pool, targets = [], [], []
            for item in group:
                pos = rng.choice(sorted(item.positives))
                negs = [i for i in range(len(item.sentences)) if i not in item.positives]
                rng.shuffle(negs)
                targets.append(len(pool))
                pool.extend(item.sentences[i] for i in [pos, *negs[:negatives]])
                questions.append(item.question)
            q = _encode(model, [QUERY + t for t in questions], device)
            p = _encode(model, [PASSAGE + t for t in pool], device)
            logits = SCALE * q @ p.T
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(targets, device=device))
            optimise(loss, params, optimiser, schedule)
            total += loss.item() * len(group)
            step += 1
            if progress:
                progress(step, steps)
        log(f"  epoch {epoch + 1}/{epochs}: loss {total / len(items):.3f}")
    model.eval()
    save_adapter(peft_model, out)


def optimise(loss, params, optimiser, schedule) -> None:
    """One step: gradients clipped to norm 1, the learning-rate schedule advanced."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimiser.step()
    schedule.step()
    optimiser.zero_grad()


def save_adapter(peft_model, out: Path) -> Path:
    """What was learned into `out`, in fp16 (half the size, the same scores); its weights file."""
    from safetensors.torch import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(out))
    weights = out / "adapter_model.safetensors"
    save_file({k: v.half().contiguous() for k, v in load_file(str(weights)).items()}, str(weights))
    return weights


def _encode(model, texts: list[str], device: str, chunk: int = 32):
    """Normalised embeddings with gradients, in the order of `texts`. Encoded in chunks of
    similar length: one long sentence no longer pads a whole pool of 256 (same vectors,
    a fraction of the work on a CPU)."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    parts = []
    for b in range(0, len(order), chunk):
        features = model.tokenize([texts[i] for i in order[b : b + chunk]])
        features = {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}
        parts.append(model(features)["sentence_embedding"])
    inverse = torch.empty(len(order), dtype=torch.long, device=device)
    inverse[torch.tensor(order, device=device)] = torch.arange(len(order), device=device)
    return torch.nn.functional.normalize(torch.cat(parts)[inverse], dim=-1)


def accuracy(embed_questions, embed_sentences, items: list[Item]) -> float:
    """Share of items whose best-scoring sentence (cosine) is a positive."""
    if not items:
        return 0.0
    right = 0
    for item in items:
        q = embed_questions([item.question])[0]
        s = embed_sentences(list(item.sentences))
        right += int(np.argmax(s @ q)) in item.positives
    return right / len(items)


# ---------------------------------------------------------------- the learned scorer


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1.0,
    iterations: int = 50,
    leave_out: tuple[int, ...] = (),
    weight: np.ndarray | None = None,
) -> dict:
    """L2-regularised logistic regression by Newton's method on standardised features;
    the columns `leave_out` get coefficient 0 (their mean and scale are still kept).
    `weight` counts each row that many times (in the standardising too); default 1."""
    weight = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=float)
    mean = np.average(x, axis=0, weights=weight)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=weight))
    scale[scale < 1e-6] = 1.0
    read = [c for c in range(x.shape[1]) if c not in leave_out]
    z = np.hstack([((x - mean) / scale)[:, read], np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (weight * (p - y)) + penalty * w
        hess = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    coef = np.zeros(x.shape[1])
    coef[read] = w[:-1]
    return {"mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.tolist(), "bias": float(w[-1])}


def fit_listwise(x: np.ndarray, y: np.ndarray, group: np.ndarray, scorer: dict, l2: float = 1.0, steps: int = 400):
    """Weights for choosing among one question's candidates: softmax over each question's
    candidates, maximising the probability of its positives (Adam), on the features
    standardised as in `scorer`. Questions with no positive candidate are left out."""
    z = (x - np.asarray(scorer["mean"])) / np.asarray(scorer["scale"])
    groups = [ix for ix in (np.where(group == g)[0] for g in np.unique(group)) if y[ix].max() > 0]
    w, m, v = np.zeros(z.shape[1]), np.zeros(z.shape[1]), np.zeros(z.shape[1])
    for t in range(1, steps + 1):
        grad = l2 * w
        for ix in groups:
            s = z[ix] @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            r = p * y[ix]
            grad += (p - r / r.sum()) @ z[ix]
        m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w.tolist()


def choose_threshold(best_prob: np.ndarray, correct: np.ndarray, answerable: np.ndarray, max_wrong_abstain=0.10):
    """The abstention threshold that maximises (answered right among answerable) +
    (abstained among unanswerable), each as a rate, while abstaining on at most
    `max_wrong_abstain` of the answerable questions (what `rag eval` calls wrongly
    abstained)."""
    best, best_t = -1.0, 0.0
    has_unans = (~answerable).any()
    values = np.unique(best_prob)
    for t in np.concatenate([[0.0], (values[:-1] + values[1:]) / 2, values[-1:] + 1e-6]):
        answered = best_prob >= t
        hit = (answered & correct & answerable).sum() / max(1, answerable.sum())
        wrong_abstain = (~answered & answerable).sum() / max(1, answerable.sum())
        unans = (~answered & ~answerable).sum() / max(1, (~answerable).sum()) if has_unans else 0.0
        if wrong_abstain <= max_wrong_abstain and hit + unans > best:
            best, best_t = hit + unans, float(t)
    return best_t
