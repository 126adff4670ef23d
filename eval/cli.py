"""The `rag eval` subcommand: wiring of gold sets, indexes, scoring and reports."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

from rag.eval.norquad import load_norquad, write_articles
from rag.eval.runner import GOLD, compare, evaluate, format_table, plot, read_gold

from rag.answering import Answerer


def run_eval(args, settings, make_engine, progress_bar) -> int:
    from rag.index import Engine, run_build

    report: dict = {}
    if not args.no_gold:
        engine = make_engine(settings)
        golds = read_gold(args.gold or GOLD)
        if args.gold_half != "all":  # dev: even rows (the reader trains on them); test: odd rows, held out
            golds = golds[(0 if args.gold_half == "dev" else 1) :: 2]
        texts = _article_texts(engine)
        report["gold"] = evaluate(engine.ask, golds, texts, progress_bar("Gullsett"))
        report["gold"]["index"] = engine.served().manifest.get("counts")
    if args.norquad:
        articles, golds = load_norquad(args.norquad)
        if args.norquad_half != "all":  # dev: even-numbered questions, used for tuning; test: odd, held out
            golds = golds[(0 if args.norquad_half == "dev" else 1) :: 2]
        work = args.out / "norquad"
        write_articles(articles, work / "articles")
        nq_settings = replace(settings, articles_dir=work / "articles", index_dir=work / "index")
        build = run_build(nq_settings, progress=progress_bar("NorQuAD-indeks"))
        engine = Engine(nq_settings)
        texts = _article_texts(engine)
        report["norquad"] = evaluate(engine.ask, golds, texts, progress_bar("NorQuAD"))
        report["norquad"]["index"] = {"articles": build.articles, "chunks": build.chunks}
        # Sentence selection alone, as in the baseline: the best sentence even where
        # the product would abstain.
        served = engine.served().answerer
        always = Answerer(served.data, served.embedder, replace(served.weights, abstain=False), reader=served.reader)
        report["norquad_no_abstention"] = evaluate(always.ask, golds, texts, progress_bar("NorQuAD uten avstand"))
        if args.ablation and served.reader is not None:
            # rules: the hand weights alone; reader: the reader's similarity alone; both = the product above
            rules = Answerer(served.data, served.embedder, replace(served.weights, abstain=False))
            report["ablation_rules"] = evaluate(rules.ask, golds, texts, progress_bar("Ablasjon: regler"))
            alone = Answerer(
                served.data,
                served.embedder,
                replace(served.weights, abstain=False),
                reader=_reader_alone(served.reader),
            )
            report["ablation_reader"] = evaluate(alone.ask, golds, texts, progress_bar("Ablasjon: leser"))
    if not report:
        print("Nothing to evaluate: drop --no-gold or give --norquad FILE.")
        return 2
    worse = {}
    if args.baseline:
        worse = compare(report, json.loads(args.baseline.read_text(encoding="utf-8")))
        report["worse_than_baseline"] = worse
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    plot(report, args.out / "report.png")
    for name, result in report.items():
        if isinstance(result, dict) and "overall" in result:
            print(format_table(name, result, worse.get(name)))
            print()
    print(f"Rapport: {args.out / 'report.json'}, figur: {args.out / 'report.png'}")
    return 0


def _reader_alone(reader):
    """The same reader with a scorer that reads only its similarity (for the ablation)."""
    from rag.answering import FEATURES

    alone = copy.copy(reader)
    coef = [1.0 if name == "reader" else 0.0 for name in FEATURES]
    alone.scorer = reader.scorer | {"mean": [0.0] * len(coef), "scale": [1.0] * len(coef), "select": coef}
    return alone


def _article_texts(engine) -> dict[str, str]:
    data = engine.served().answerer.data
    return {a.id: a.text for a in data.articles}
