"""The `rag eval` subcommand: wiring of gold sets, indexes, scoring and reports."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import replace

from rag.answering import FEATURES, Answerer, HandWeights, LearnedChoice
from rag.eval.norquad import load_norquad, write_articles
from rag.eval.runner import GOLD, compare, evaluate, format_table, plot, read_gold
from rag.eval.snapshot import answer_lines, differences, read_answers, write_answers
from rag.types import Answer


def variant(engine, abstain: bool = True, reader: str = "served") -> Callable[..., Answer]:
    """`ask` of the engine's served index answered another way, for ablations: without
    abstaining, and with the served reader (`served`), the hand weights alone (`none`)
    or the reader's similarity alone (`alone`)."""
    base = engine.served().answerer
    if reader == "none" or base.reader is None:
        choice = HandWeights(abstain=abstain)
    else:
        chosen = base.reader if reader == "served" else _similarity_only(base.reader)
        choice = LearnedChoice(chosen, abstain=abstain, span_reader=base.span_reader)
    return Answerer.configured(
        base.data, base.embedder, engine.settings, choice=choice, span_reader=base.span_reader
    ).ask


def _similarity_only(reader):
    """The same reader with a scorer that reads only its similarity."""
    alone = copy.copy(reader)
    coef = [1.0 if name == "reader" else 0.0 for name in FEATURES]
    learned = {k: v for k, v in reader.scorer.items() if k != "span"}  # nor the span stage
    alone.scorer = learned | {"mean": [0.0] * len(coef), "scale": [1.0] * len(coef), "select": coef}
    return alone


def run_eval(args, settings, make_engine, progress_bar) -> int:
    from rag.index import Engine, run_build

    report: dict = {}
    if not args.no_gold:
        golds = read_gold(args.gold or GOLD)
        engine = make_engine(settings)
        if settings.reader and not engine.uses_reader():
            # Built without this reader (say, just after an upgrade that ships a new one): the
            # chat answers with the hand rules until the nightly build, but a report of them
            # would pass for the reader's.
            print(
                f"Indeksen i {settings.index_dir} er bygget uten denne leseren; "
                "bygger den på nytt før gullsettet (embeddingene gjenbrukes) …",
                file=sys.stderr,
            )
            run_build(settings, progress=progress_bar("Bygger indeks"))
            engine = make_engine(settings)
        if args.gold_half != "all":  # dev: even rows (the reader trains on them); test: odd rows, held out
            golds = golds[(0 if args.gold_half == "dev" else 1) :: 2]
        texts = engine.article_texts()
        report["gold"] = evaluate(engine.ask, golds, texts, progress_bar("Gullsett"))
        report["gold"]["index"] = engine.manifest().get("counts")
    if args.norquad:
        articles, golds = load_norquad(args.norquad)
        if args.norquad_half != "all":  # dev: even-numbered questions, used for tuning; test: odd, held out
            golds = golds[(0 if args.norquad_half == "dev" else 1) :: 2]
        work = args.out / "norquad"
        write_articles(articles, work / "articles")
        nq_settings = replace(settings, articles_dir=work / "articles", index_dir=work / "index")
        build = run_build(nq_settings, progress=progress_bar("NorQuAD-indeks"))
        engine = Engine(nq_settings)
        texts = engine.article_texts()
        report["norquad"] = evaluate(engine.ask, golds, texts, progress_bar("NorQuAD"))
        report["norquad"]["index"] = {"articles": build.articles, "chunks": build.chunks}
        # Sentence selection alone, as in the baseline: the best sentence even where
        # the product would abstain.
        always = variant(engine, abstain=False)
        report["norquad_no_abstention"] = evaluate(always, golds, texts, progress_bar("NorQuAD uten avstand"))
        if args.ablation and engine.uses_reader():
            # rules: the hand weights alone; reader: the reader's similarity alone; both = the product above
            rules = variant(engine, abstain=False, reader="none")
            report["ablation_rules"] = evaluate(rules, golds, texts, progress_bar("Ablasjon: regler"))
            alone = variant(engine, abstain=False, reader="alone")
            report["ablation_reader"] = evaluate(alone, golds, texts, progress_bar("Ablasjon: leser"))
    if not report:
        print("Nothing to evaluate: drop --no-gold or give --norquad FILE.")
        return 2
    worse = {}
    if args.baseline:
        worse = compare(report, json.loads(args.baseline.read_text(encoding="utf-8")))
        report["worse_than_baseline"] = worse
    args.out.mkdir(parents=True, exist_ok=True)
    answers = answer_lines(report)
    for result in report.values():
        if isinstance(result, dict):
            result.pop("answers", None)
    write_answers(answers, args.out / "answers.jsonl")
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    plotted = plot(report, args.out / "report.png")
    for name, result in report.items():
        if isinstance(result, dict) and "overall" in result:
            print(format_table(name, result, worse.get(name)))
            print()
    figure = (
        f"figur: {args.out / 'report.png'}"
        if plotted
        else "ingen figur (matplotlib mangler: pip install 'rag-artikler[eval]')"
    )
    print(f"Rapport: {args.out / 'report.json'}, {figure}; svarene: {args.out / 'answers.jsonl'}")
    if args.same_answers_as:
        changed = differences(read_answers(args.same_answers_as), answers)
        if changed:
            print(f"Svarene skiller seg fra {args.same_answers_as}:")
            print("\n".join(f"  {line}" for line in changed))
            return 1
        print(f"Alle {len(answers)} svar er like dem i {args.same_answers_as}.")
    return 0
