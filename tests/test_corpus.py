import json

from rag.corpus import load_articles


def test_seed_articles_load_verbatim(articles_dir):
    result = load_articles(articles_dir)
    assert result.warnings == []
    assert [a.id for a in result.articles] == [f"artikkel-{n}" for n in range(1, 6)]
    assert result.articles[1].title.startswith("Ny leder i NCE Smart Energy Markets")
    assert result.articles[1].text.startswith("Inge Michael Bilet (47) overtar roret")


def test_bad_files_are_skipped_with_one_warning_each(tmp_path):
    d = tmp_path / "a"
    d.mkdir()
    (d / "good.md").write_text("---\ntitle: God\ndate: 2022-10-01\n---\nTekst her.\n", encoding="utf-8")
    (d / "empty.md").write_text("  \n", encoding="utf-8")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (d / "broken.md").write_text("---\ntitle: [oops\n---\nTekst\n", encoding="utf-8")
    (d / "list.md").write_text("---\n- a\n- b\n---\nTekst\n", encoding="utf-8")
    (d / "zz-dupe.md").write_text("---\nid: good\ntitle: Kopi\n---\nAnnen tekst.\n", encoding="utf-8")
    (d / "latin1.txt").write_bytes("Tittel\nBl\xe5b\xe6r og \xf8l.\n".encode("cp1252"))
    (d / "bad.jsonl").write_text('{"title": "x", "text": "ok"}\nnot json\n', encoding="utf-8")
    (d / "baddate.md").write_text("---\ndate: 2024-13-01\n---\nTekst\n", encoding="utf-8")  # found by fuzzing
    (d / "ignored.pdf").write_bytes(b"%PDF")
    result = load_articles(d)
    ids = [a.id for a in result.articles]
    assert ids == ["good", "latin1"]
    assert result.articles[0].date == "2022-10-01"
    assert result.articles[1].text == "Blåbær og øl."
    joined = "\n".join(result.warnings)
    for name, reason in [
        ("empty.md", "empty"),
        ("binary.txt", "binary"),
        ("broken.md", "YAML"),
        ("list.md", "key: value"),
        ("zz-dupe.md", "duplicate"),
        ("bad.jsonl", "line 2"),
        ("latin1.txt", "Windows-1252"),
        ("baddate.md", "impossible value"),
    ]:
        assert name in joined and reason in joined, (name, joined)
    assert len(result.warnings) == 8


def test_jsonl_and_html_articles(tmp_path):
    d = tmp_path / "a"
    d.mkdir()
    rows = [
        {"id": "x1", "title": "Første", "text": "Solkraft i Halden.", "url": "https://example.org/1"},
        {"title": "Andre", "body": "Vindkraft i Viken."},
    ]
    (d / "feed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    (d / "page.html").write_text(
        "<html><head><title>Nyhet om batterier</title><script>alert(1)</script></head><body><article>"
        "<h1>Nyhet om batterier</h1><p>" + "Batterilagring gjør strømnettet mer fleksibelt. " * 8 + "</p>"
        "<iframe src='x'></iframe></article></body></html>",
        encoding="utf-8",
    )
    result = load_articles(d)
    by_id = {a.id: a for a in result.articles}
    assert by_id["x1"].url == "https://example.org/1"
    assert by_id["feed-2"].text == "Vindkraft i Viken."
    html = by_id["page"]
    assert "Batterilagring" in html.text and "alert" not in html.text


def test_a_nested_date_in_front_matter_becomes_text(tmp_path):  # found by fuzzing
    (tmp_path / "nested.md").write_text("---\ntitle:\n e: 2024-03-01\n---\nTekst her.\n", encoding="utf-8")
    result = load_articles(tmp_path)
    assert result.warnings == [] and result.articles[0].title == '{"e": "2024-03-01"}'
