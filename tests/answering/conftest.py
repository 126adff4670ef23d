"""Helpers for the answering tests: a small index over articles a test writes."""

import pytest


def check_citations(engine, answer):
    """Every citation of `answer` is verbatim at its offsets in its article."""
    data = engine.served().answerer.data
    for c in answer.citations:
        article = data.articles[data.article_index[c.article_id]]
        assert article.text[c.start : c.end] == c.quote


@pytest.fixture
def answerer_over(fake_settings):
    """A function making an answerer over the fake corpus plus `articles` (id: body),
    returning it and each sentence's number by its text."""

    def make(articles: dict[str, str]):
        from rag.index import Engine, run_build

        for n, (article_id, body) in enumerate(articles.items(), 6):
            (fake_settings.articles_dir / f"{n:02d}-{article_id}.md").write_text(
                f"---\nid: {article_id}\ntitle: {article_id.title()}\n---\n\n{body}\n", encoding="utf-8"
            )
        run_build(fake_settings)
        answerer = Engine(fake_settings).served().answerer
        data = answerer.data
        return answerer, {data.sentence_text(s): s for s in range(len(data.sentences))}

    return make
