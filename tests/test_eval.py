"""Scoring functions of `rag eval`: normalisation, hits, citation checks, baselines."""

from rag.eval.metrics import contains_any, score_row, summarise, token_f1
from rag.eval.runner import compare, format_table


def _row(answer, quote, start, passages, abstained=False):
    citations = (
        [] if quote is None else [{"article_id": "a", "quote": quote, "start": start, "end": start + len(quote)}]
    )
    return {
        "answer": answer,
        "abstained": abstained,
        "citations": citations,
        "passages": [{"text": p} for p in passages],
        "timings_ms": {"total": 10.0},
    }


TEXT = "Inge Michael Bilet (47) overtar roret. Han er fra «Fredrikstad»."


def test_normalised_hit_and_f1():
    assert contains_any("Han er fra «Fredrikstad».", ['"fredrikstad"'])
    assert not contains_any("Han er fra Halden.", ["Fredrikstad"])
    assert token_f1("Inge Michael Bilet", ["Inge Michael Bilet (47)"]) == 2 * 1 * 0.75 / 1.75


def test_citation_must_hold_evidence_and_sit_at_its_offsets():
    gold = {"answers": ["47"], "evidence": "Bilet (47)"}
    good = score_row(gold, _row(TEXT[:38], TEXT[:38], 0, ["x", TEXT]), {"a": TEXT})
    assert good["hit"] == 1 and good["citation_precision"] == 1 and good["recall@1"] == 0 and good["recall@3"] == 1
    shifted = score_row(gold, _row(TEXT[:38], TEXT[:38], 1, [TEXT]), {"a": TEXT})
    assert shifted["citation_precision"] == 0


def test_abstention_rates_and_baseline_marks():
    golds = [{"answers": ["47"], "evidence": "47"}, {"unanswerable": True}]
    scored = [
        score_row(golds[0], _row(None, None, 0, [], abstained=True), {"a": TEXT}),
        score_row(golds[1], _row(None, None, 0, [], abstained=True), {"a": TEXT}),
    ]
    summary = summarise(scored, golds)
    assert summary["wrongly_abstained"] == 1.0 and summary["abstained_unanswerable"] == 1.0
    report = {"gold": {"overall": summary | {"hit": 0.5}, "by_kind": {}}}
    baseline = {"gold": {"overall": summary | {"hit": 0.8}}}
    worse = compare(report, baseline)
    assert worse == {"gold": ["hit"]}
    assert "!" in format_table("gold", report["gold"], worse["gold"])


def test_an_answer_snapshot_lists_every_difference_and_ignores_timings(tmp_path):
    from rag.eval.snapshot import answer_lines, differences, read_answers, write_answers

    row = {"id": "q1", "answer": "Kari leder.", "abstained": False, "score": 0.71234, "timings_ms": {"total": 40.0}}
    report = {"gold": {"overall": {}, "answers": [row]}, "norquad": {"overall": {}, "answers": [row | {"id": "n1"}]}}
    lines = answer_lines(report)
    assert [(line["section"], line["id"]) for line in lines] == [("gold", "q1"), ("norquad", "n1")]
    assert all("timings_ms" not in line for line in lines)  # what varies between two runs of the same code
    write_answers(lines, tmp_path / "answers.jsonl")
    old = read_answers(tmp_path / "answers.jsonl")
    slower = answer_lines({"gold": {"answers": [row | {"timings_ms": {"total": 90.0}, "score": 0.7123405}]}})
    assert differences(old[:1], slower) == []  # a score within 1e-6, another latency: the same answer
    changed = answer_lines({"gold": {"answers": [row | {"abstained": True, "answer": None}]}})
    found = differences(old, changed)
    assert any("abstained" in line for line in found) and any("answer:" in line for line in found)
    assert any("missing in the new run" in line for line in found)  # the norquad row is gone


def test_the_short_answer_is_scored_as_squad_scores_a_reader():
    gold = {
        "question": "Hvem leder klyngen?",
        "answers": ["Inge Michael Bilet"],
        "evidence": "Inge Michael Bilet leder",
    }
    row = {
        "answer": "Klyngen ledes av Inge Michael Bilet.",
        "abstained": False,
        "passages": [],
        "citations": [],
        "timings_ms": {"total": 10.0},
        "short_answer": {"text": "Inge Michael Bilet."},
    }
    exact = score_row(gold, row, {})
    assert exact["short_em"] == 1.0 and exact["short_f1"] == 1.0  # case and punctuation do not count
    part = score_row(gold, row | {"short_answer": {"text": "Bilet"}}, {})
    assert part["short_em"] == 0.0 and 0.0 < part["short_f1"] < 1.0
    none = score_row(gold, {k: v for k, v in row.items() if k != "short_answer"}, {})
    assert none["short_em"] == none["short_f1"] == 0.0 and none["hit"] == 1.0
